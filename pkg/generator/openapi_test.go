package generator

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/skyql/skyql/pkg/provider"

	"github.com/skyql/skyql/pkg/internal/goldentest"
)

const (
	petstoreSpec      = "../../test/testdata/petstore/petstore.yaml"
	petstoreOverrides = "../../test/testdata/petstore/config.yaml"
	petstoreGolden    = "testdata/openapi"
)

// TestPetstoreProviderGolden generates the provider for the Swagger Petstore spec (the
// one the end-to-end test registers) and compares it with the committed golden tree.
func TestPetstoreProviderGolden(t *testing.T) {
	cfg, err := SpecConfigWithOverrides("petstore", "v0.1.0", petstoreSpec, petstoreOverrides)
	if err != nil {
		t.Fatal(err)
	}
	res := Generate(cfg)
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.RemoveAll(filepath.Join(petstoreGolden, "petstore")); err != nil {
			t.Fatal(err)
		}
		if err := res.Write(petstoreGolden); err != nil {
			t.Fatal(err)
		}
	}
	fresh := t.TempDir()
	if err := res.Write(fresh); err != nil {
		t.Fatal(err)
	}
	goldentest.CompareTrees(t, fresh, petstoreGolden, "petstore",
		"run `go test ./pkg/generator -run TestPetstoreProviderGolden -update` and review the diff")
}

// shopSpec exercises every inference rule of openAPIConventions.
const shopSpec = `openapi: 3.0.3
info: {title: Shop, version: "2.1"}
servers: [{url: "https://api.shop.example/v1"}]
security: [{bearerAuth: []}]
paths:
  /v1/owners:
    get:
      operationId: listOwners
      parameters:
        - {name: page, in: query, schema: {type: integer}}
        - {name: per_page, in: query, schema: {type: integer}}
      responses:
        "200":
          description: owners
          content:
            application/json:
              schema:
                type: object
                properties:
                  total: {type: integer}
                  data: {type: array, items: {$ref: "#/components/schemas/Owner"}}
    post:
      operationId: createOwner
      requestBody: {content: {application/json: {schema: {$ref: "#/components/schemas/Owner"}}}}
      responses: {"201": {description: created, content: {application/json: {schema: {$ref: "#/components/schemas/Owner"}}}}}
  /v1/owners/{ownerId}:
    parameters: [{name: ownerId, in: path, required: true, schema: {type: string}}]
    get:
      operationId: getOwner
      responses: {"200": {description: one, content: {application/json: {schema: {$ref: "#/components/schemas/Owner"}}}}}
    put:
      operationId: replaceOwner
      responses: {"200": {description: ok}}
    patch:
      operationId: updateOwner
      responses: {"200": {description: ok}}
    delete:
      operationId: deleteOwner
      responses: {"204": {description: gone}}
  /v1/owners/{ownerId}/pets:
    get:
      operationId: listOwnerPets
      parameters:
        - {name: ownerId, in: path, required: true, schema: {type: string}}
        - {name: cursor, in: query, schema: {type: string}}
      responses:
        "200":
          description: pets
          content:
            application/json:
              schema:
                type: object
                properties:
                  items: {type: array, items: {type: object, properties: {id: {type: string}}}}
                  next_cursor: {type: string}
  /v1/owners/{ownerId}/pets/{petId}/feed:
    post:
      operationId: feedPet
      parameters:
        - {name: ownerId, in: path, required: true, schema: {type: string}}
        - {name: petId, in: path, required: true, schema: {type: string}}
      responses: {"204": {description: fed}}
  /v1/orders:
    get:
      operationId: listOrders
      responses:
        "200":
          description: orders
          headers: {Link: {schema: {type: string}}}
          content: {application/json: {schema: {type: array, items: {type: object, properties: {id: {type: string}}}}}}
  /v1/orders/{orderId}:
    get:
      operationId: find order by id
      parameters: [{name: orderId, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: one, content: {application/json: {schema: {type: object, properties: {id: {type: string}, lines: {type: array, items: {type: string}}}}}}}}
  /v1/events:
    get:
      operationId: listEvents
      responses:
        "200":
          description: events
          content:
            application/json:
              schema:
                type: object
                properties:
                  results: {type: array, items: {type: object, properties: {id: {type: string}}}}
                  next: {type: string, format: uri}
  /v1/health:
    get:
      responses: {"200": {description: up}}
components:
  securitySchemes:
    apiKeyAuth: {type: apiKey, in: header, name: X-Shop-Key}
    bearerAuth: {type: http, scheme: bearer}
  schemas:
    Owner: {type: object, properties: {id: {type: string}, name: {type: string}}}
`

type generatedMethod struct {
	Response struct {
		ObjectKey string `yaml:"objectKey"`
	} `yaml:"response"`
	Config struct {
		Pagination map[string]any `yaml:"pagination"`
	} `yaml:"config"`
}

type generatedResource struct {
	Methods  map[string]generatedMethod  `yaml:"methods"`
	SQLVerbs map[string][]map[string]any `yaml:"sqlVerbs"`
}

func generateShop(t *testing.T, sc ServiceConfig) (map[string]generatedResource, map[string]any) {
	t.Helper()
	resources, providerConfig, _ := generateSpec(t, "shop", shopSpec, sc)
	return resources, providerConfig
}

// generateSpec generates service name from one spec's text and returns its
// resources, the provider's config and the service's report.
func generateSpec(t *testing.T, name, text string, sc ServiceConfig) (map[string]generatedResource, map[string]any, *ServiceReport) {
	t.Helper()
	dir := t.TempDir()
	spec := filepath.Join(dir, name+".yaml")
	if err := os.WriteFile(spec, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	sc.Name, sc.Specs = name, []string{spec}
	res := generateFrom(t, sc)
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Resources map[string]generatedResource `yaml:"x-stackQL-resources"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(res.Files["test/v0.1.0/services/"+name+".yaml"], &doc); err != nil {
		t.Fatal(err)
	}
	var prov struct {
		Config map[string]any `yaml:"config"`
	}
	if err := yaml.Unmarshal(res.Files["test/v0.1.0/provider.yaml"], &prov); err != nil {
		t.Fatal(err)
	}
	return doc.Components.Resources, prov.Config, res.Reports[0]
}

// pagingToken is a requestToken or responseToken block as generated.
func pagingToken(key, location string) map[string]any {
	m := map[string]any{"location": location}
	if key != "" {
		m["key"] = key
	}
	return m
}

// assertResourcesAndVerbs checks each method's resource and verb and returns the
// resource of every method.
func assertResourcesAndVerbs(t *testing.T, resources map[string]generatedResource, want map[string][2]string) map[string]string {
	t.Helper()
	verbs, owners := verbsOf(resources)
	for method, w := range want {
		if got := [2]string{owners[method], verbs[method]}; got != w {
			t.Errorf("%s: resource and verb %v, want %v", method, got, w)
		}
	}
	return owners
}

// assertPagination checks each method's pagination block (nil for none).
func assertPagination(t *testing.T, resources map[string]generatedResource, owners map[string]string, want map[string]map[string]any) {
	t.Helper()
	for method, w := range want {
		if got := resources[owners[method]].Methods[method].Config.Pagination; !reflect.DeepEqual(got, w) {
			t.Errorf("%s: pagination %v, want %v", method, got, w)
		}
	}
}

// verbOf maps method name -> verb (exec when in no list) and resource.
func verbsOf(resources map[string]generatedResource) (verbs, owners map[string]string) {
	verbs, owners = map[string]string{}, map[string]string{}
	for rname, r := range resources {
		for m := range r.Methods {
			verbs[m], owners[m] = "exec", rname
		}
		for verb, refs := range r.SQLVerbs {
			for _, ref := range refs {
				ptr := splitPointer(ref["$ref"].(string)[1:])
				verbs[ptr[len(ptr)-1]] = verb
			}
		}
	}
	return verbs, owners
}

func TestOpenAPIConventions(t *testing.T) {
	resources, providerConfig := generateShop(t, ServiceConfig{})
	owners := assertResourcesAndVerbs(t, resources, map[string][2]string{ // resource, verb
		"listOwners":       {"owners", "select"},
		"createOwner":      {"owners", "insert"},
		"getOwner":         {"owners", "select"},
		"replaceOwner":     {"owners", "replace"},
		"updateOwner":      {"owners", "update"},
		"deleteOwner":      {"owners", "delete"},
		"listOwnerPets":    {"owners_pets", "select"},
		"feedPet":          {"owners_pets", "exec"},
		"listOrders":       {"orders", "select"},
		"find_order_by_id": {"orders", "select"},
		"listEvents":       {"events", "select"},
		"get_health":       {"health", "select"},
	})
	if first := resources["owners"].SQLVerbs["select"][0]["$ref"]; !strings.HasSuffix(first.(string), "/getOwner") {
		t.Errorf("the item GET must be the first select method (it gives the columns), got %v", first)
	}
	for method, want := range map[string]string{
		"listOwners": "$.data", "getOwner": "", "listOwnerPets": "$.items", "listOrders": "$[*]",
		"find_order_by_id": "", "listEvents": "$.results",
	} {
		if got := resources[owners[method]].Methods[method].Response.ObjectKey; got != want {
			t.Errorf("%s: objectKey %q, want %q", method, got, want)
		}
	}
	assertPagination(t, resources, owners, map[string]map[string]any{
		"listOwners": {"requestToken": pagingToken("page", "query"), "responseToken": pagingToken("", "none"),
			"pageNumber": map[string]any{"sizeKey": "per_page", "totalKey": "total"}},
		"listOwnerPets":    {"requestToken": pagingToken("cursor", "query"), "responseToken": pagingToken("next_cursor", "body")},
		"listOrders":       {"requestToken": pagingToken("", "request"), "responseToken": pagingToken("Link", "header")},
		"listEvents":       {"requestToken": pagingToken("", "request"), "responseToken": pagingToken("next", "body")},
		"getOwner":         nil,
		"find_order_by_id": nil,
	})
	wantAuth := map[string]any{"type": "bearer", "credentialsenvvar": "TEST_TOKEN"}
	if !reflect.DeepEqual(providerConfig["auth"], wantAuth) {
		t.Errorf("auth %v, want %v (the scheme the top-level security requires)", providerConfig["auth"], wantAuth)
	}
}

func TestOpenAPIOverrides(t *testing.T) {
	resources, _ := generateShop(t, ServiceConfig{
		Resources:  map[string]string{"feedPet": "feedings"},
		Verbs:      map[string]string{"get_health": "exec"},
		ObjectKeys: map[string]string{"find_order_by_id": "$.lines"},
		Pagination: map[string]*provider.PaginationConfig{"listOrders": nil},
	})
	verbs, owners := verbsOf(resources)
	if owners["feedPet"] != "feedings" || verbs["get_health"] != "exec" {
		t.Errorf("resource/verb overrides not applied: feedPet in %s, get_health is %s", owners["feedPet"], verbs["get_health"])
	}
	if got := resources["orders"].Methods["find_order_by_id"].Response.ObjectKey; got != "$.lines" {
		t.Errorf("objectKey override not applied: %q", got)
	}
	if got := resources["orders"].Methods["listOrders"].Config.Pagination; got != nil {
		t.Errorf("pagination: null did not turn inferred paging off: %v", got)
	}
}

func TestAuthFromSecuritySchemes(t *testing.T) {
	for _, c := range []struct {
		name, schemes string
		want          map[string]any
	}{
		{"api key header", `k: {type: apiKey, in: header, name: X-Api-Key}`,
			map[string]any{"type": "api_key", "name": "X-Api-Key", "location": "header", "credentialsenvvar": "PETSTORE_API_KEY"}},
		{"api key query", `k: {type: apiKey, in: query, name: api_key}`,
			map[string]any{"type": "api_key", "name": "api_key", "location": "query", "credentialsenvvar": "PETSTORE_API_KEY"}},
		{"basic", `b: {type: http, scheme: basic}`,
			map[string]any{"type": "basic", "username_var": "PETSTORE_USERNAME", "password_var": "PETSTORE_PASSWORD"}},
		{"cookie is skipped for the next usable", "a: {type: apiKey, in: cookie, name: sid}\n    b: {type: http, scheme: bearer}",
			map[string]any{"type": "bearer", "credentialsenvvar": "PETSTORE_TOKEN"}},
		{"oauth2 client credentials", `o: {type: oauth2, flows: {clientCredentials: {tokenUrl: "https://auth.example/token", scopes: {write: w, read: r}}}}`,
			map[string]any{"type": "oauth2", "grant_type": "client_credentials", "token_url": "https://auth.example/token",
				"client_id_env_var": "PETSTORE_CLIENT_ID", "client_secret_env_var": "PETSTORE_CLIENT_SECRET", "scopes": []any{"read", "write"}}},
		{"nothing usable", `m: {type: mutualTLS}`, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			spec := filepath.Join(dir, "petstore.yaml")
			doc := "openapi: 3.0.3\ninfo: {title: P, version: '1'}\npaths:\n  /pets:\n    get:\n      operationId: listPets\n      responses: {'200': {description: ok}}\ncomponents:\n  securitySchemes:\n    " + c.schemes + "\n"
			if err := os.WriteFile(spec, []byte(doc), 0o644); err != nil {
				t.Fatal(err)
			}
			cfg, err := SingleSpecConfig("petstore", "v0.1.0", spec)
			if err != nil {
				t.Fatal(err)
			}
			res := Generate(cfg)
			if err := res.Err(); err != nil {
				t.Fatal(err)
			}
			var prov struct {
				Config map[string]any `yaml:"config"`
			}
			if err := yaml.Unmarshal(res.Files["petstore/v0.1.0/provider.yaml"], &prov); err != nil {
				t.Fatal(err)
			}
			if got := prov.Config["auth"]; (c.want == nil) != (got == nil) || (c.want != nil && !reflect.DeepEqual(got, c.want)) {
				t.Errorf("auth %v, want %v", prov.Config["auth"], c.want)
			}
		})
	}
}

func TestConventionsAreDetected(t *testing.T) {
	azureTree := map[string]any{"swagger": "2.0", "paths": map[string]any{
		"/subscriptions/{s}/providers/Microsoft.X/things": map[string]any{}}}
	plain := map[string]any{"openapi": "3.0.0", "paths": map[string]any{"/pets": map[string]any{
		"get": map[string]any{"parameters": []any{map[string]any{"name": "limit", "in": "query"}}}}}}
	withAPIVersion := map[string]any{"openapi": "3.0.0", "paths": map[string]any{"/things": map[string]any{
		"get": map[string]any{"parameters": []any{map[string]any{"name": "api-version", "in": "query"}}}}}}
	if !looksLikeAzure(azureTree) || !looksLikeAzure(withAPIVersion) || looksLikeAzure(plain) {
		t.Error("Azure detection is wrong: ARM paths and api-version are Azure, a plain /pets API is not")
	}
}

func TestOverridesConfigIsChecked(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ name, config, want string }{
		{"other provider", "provider: other\n", `names provider "other" but --name is "petstore"`},
		{"specs listed", "services:\n  - specs: [x.yaml]\n", "lists specs; with --spec the config only overrides"},
		{"page number without a parameter", "services:\n  - pagination:\n      listPets: {requestToken: {location: request}, responseToken: {location: none}}\n",
			"page-number paging (responseToken.location: none) needs requestToken {key: <page parameter>, location: query}"},
		{"unknown location", "services:\n  - pagination:\n      listPets: {requestToken: {location: request}, responseToken: {key: n, location: cookie}}\n",
			`responseToken.location "cookie" is not body, header or none`},
		{"misspelt key", "servces: []\n", "field servces not found"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".yaml")
			if err := os.WriteFile(path, []byte(c.config), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := SpecConfigWithOverrides("petstore", "v0.1.0", petstoreSpec, path)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}
