package executor

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/skyql/skyql/pkg/provider"
)

func TestDryRunRedactsCredentialsAndSendsNothing(t *testing.T) {
	srv := newARMServer(t, nil)
	call := thingCall(srv.URL, "PUT", "", &provider.LRO{}, `{"properties":{"size":3,"tags":["a"]}}`)
	call.Method.Params = append(call.Method.Params,
		&provider.Param{Name: "x-ms-client-request-id", In: "header"}, &provider.Param{Name: "x-api-key", In: "header"})
	call.Params["x-ms-client-request-id"] = "req-1"
	call.Params["x-api-key"] = "k-123"
	var out strings.Builder
	if err := call.DryRun(&out); err != nil {
		t.Fatal(err)
	}
	want := "PUT " + srv.URL + thingPath + "?api-version=2023-05-01\n" +
		"Accept: application/json\n" +
		"Authorization: Bearer ***\n" +
		"Content-Type: application/json\n" +
		"User-Agent: skyql\n" +
		"X-Api-Key: ***\n" +
		"X-Ms-Client-Request-Id: req-1\n" +
		"\n" +
		"{\n  \"properties\": {\n    \"size\": 3,\n    \"tags\": [\n      \"a\"\n    ]\n  }\n}\n"
	if out.String() != want {
		t.Fatalf("dry run:\n%s\nwant:\n%s", out.String(), want)
	}
	if strings.Contains(out.String(), testToken) || strings.Contains(out.String(), "k-123") {
		t.Fatal("a credential leaked into the dry run")
	}
	if got := srv.requests(); len(got) != 0 {
		t.Fatalf("dry run sent %v", got)
	}
}

func TestDryRunReportsMissingParameters(t *testing.T) {
	call := thingCall("https://management.azure.com", "DELETE", "", nil, "")
	delete(call.Params, "thingName")
	err := call.DryRun(&strings.Builder{})
	if err == nil || !strings.Contains(err.Error(), "thingName") {
		t.Fatalf("err = %v", err)
	}
}

// networkCredential is an Authorizer that would have to ask a server for
// its token, as the Azure credential chain does, and cannot show a
// placeholder: a dry run must not call it.
type networkCredential struct{ t *testing.T }

func (c networkCredential) Authorize(context.Context, *http.Request) error {
	c.t.Error("a dry run asked for a credential")
	return errors.New("no credential")
}

func TestDryRunObtainsNoCredential(t *testing.T) {
	call := thingCall("https://management.azure.com", "DELETE", "", nil, "")
	call.Auth = networkCredential{t}
	var out strings.Builder
	if err := call.DryRun(&out); err != nil {
		t.Fatal(err)
	}
	want := "DELETE https://management.azure.com" + thingPath + "?api-version=2023-05-01\n" +
		"Accept: application/json\n" +
		"User-Agent: skyql\n" +
		"# credentials: added when the request is sent\n"
	if out.String() != want {
		t.Fatalf("dry run:\n%s\nwant:\n%s", out.String(), want)
	}
}
