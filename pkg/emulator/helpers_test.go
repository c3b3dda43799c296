package emulator

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"

	"github.com/skyql/skyql/pkg/provider"
)

const testAPIVersion = "2022-05-01"

var (
	testDocOnce sync.Once
	testDoc     *openapi3.T
	testDocErr  error
)

// dataProtectionService is the 2022-05-01 Data Protection spec converted to
// OpenAPI 3, as a provider.Service. It is converted once per test binary.
func dataProtectionService(tb testing.TB) *provider.Service {
	tb.Helper()
	testDocOnce.Do(func() {
		const file = "testdata/dataprotection-2022-05-01.json"
		data, err := os.ReadFile(file)
		if err != nil {
			testDocErr = err
			return
		}
		var doc2 openapi2.T
		if err := json.Unmarshal(data, &doc2); err != nil {
			testDocErr = err
			return
		}
		doc3, err := openapi2conv.ToV3(&doc2)
		if err != nil {
			testDocErr = err
			return
		}
		if err := openapi3.NewLoader().ResolveRefsIn(doc3, nil); err != nil {
			testDocErr = err
			return
		}
		testDoc = doc3
	})
	if testDocErr != nil {
		tb.Fatalf("loading the test document: %v", testDocErr)
	}
	return &provider.Service{Name: "data_protection", Doc: testDoc, File: "testdata/dataprotection-2022-05-01.json"}
}

// startEmulator serves a fresh emulator over the converted test document
// on loopback for one test.
func startEmulator(tb testing.TB, opts Options) (*Emulator, string) {
	tb.Helper()
	return startEmulatorWith(tb, []*provider.Service{dataProtectionService(tb)}, opts)
}

func startEmulatorWith(tb testing.TB, services []*provider.Service, opts Options) (*Emulator, string) {
	tb.Helper()
	e, err := New(services, opts)
	if err != nil {
		tb.Fatal(err)
	}
	return e, startOnLoopback(tb, e)
}

// startOnLoopback starts e for one test and returns its base URL.
func startOnLoopback(tb testing.TB, e *Emulator) string {
	tb.Helper()
	base, err := e.Start("127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { e.Close() })
	return base
}

// vaultPath is the default vault's ARM path.
func vaultPath(vault string) string {
	return "/subscriptions/" + DefaultSubscriptionID + "/resourceGroups/" + DefaultResourceGroup +
		"/providers/Microsoft.DataProtection/backupVaults/" + vault
}

type rawResponse struct {
	status int
	header http.Header
	body   []byte
}

// call sends one raw request with the emulator's token (unless token is "-").
func call(tb testing.TB, method, url, token, body string) rawResponse {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		tb.Fatal(err)
	}
	if token != "-" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return rawResponse{status: resp.StatusCode, header: resp.Header, body: b}
}

// errorCode decodes an ARM error body's code.
func errorCode(tb testing.TB, body []byte) string {
	tb.Helper()
	var e struct {
		Error struct{ Code string }
	}
	if err := json.Unmarshal(body, &e); err != nil {
		tb.Fatalf("not an ARM error body: %v: %s", err, body)
	}
	return e.Error.Code
}

// generatedAzure is the provider skyql generated and embeds.
const generatedAzure = "../../registry/src/azure/v0.1.0"

// generatedAzureService loads one service of the provider documents skyql
// generated (registry/src/azure/v0.1.0), the ones `skyql sandbox` serves.
func generatedAzureService(tb testing.TB, name string) *provider.Service {
	tb.Helper()
	p, err := provider.LoadDir(generatedAzure)
	if err != nil {
		tb.Fatalf("loading the generated Azure provider: %v", err)
	}
	s, err := p.Service(name)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}
