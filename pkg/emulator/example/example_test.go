package example

import (
	"encoding/json"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestSchemaBodyNamesTheTarget: a body built from a schema carries the
// target's id, name and subscription and a GUID once filled.
func TestSchemaBodyNamesTheTarget(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData([]byte(`openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /x:
    post:
      responses:
        '200':
          description: OK
          content:
            application/json:
              schema:
                type: object
                properties:
                  id: {type: string}
                  name: {type: string}
                  subscriptionId: {type: string}
                  jobId: {type: string, format: uuid}
                  state: {type: string, enum: [Running, Done]}
`))
	if err != nil {
		t.Fatal(err)
	}
	op := doc.Paths.Value("/x").Post
	body := SuccessBody(op, NewSampler(doc))
	if !Templated(body) {
		t.Fatalf("no placeholders in %s", body)
	}
	id := "/subscriptions/00000000-0000-0000-0000-000000000002/resourceGroups/rg/providers/Microsoft.X/things/thing1"
	var got map[string]string
	if err := json.Unmarshal(Fill(body, Target{ID: id, Name: "thing1", GUID: "g-1"}), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"id": id, "name": "thing1", "subscriptionId": "00000000-0000-0000-0000-000000000002", "jobId": "g-1", "state": "Running"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q (body %v)", k, got[k], v, got)
		}
	}
}
