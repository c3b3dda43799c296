package emulator

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skyql/skyql/pkg/emulator/rest"
	"github.com/skyql/skyql/pkg/provider"
)

// petstoreProvider is the provider generated from the Swagger Petstore spec (the
// generator's golden output).
const petstoreProvider = "../generator/testdata/openapi/petstore/v0.1.0"

func startGeneric(t *testing.T, services []*provider.Service, opts Options) (*Emulator, string) {
	t.Helper()
	em, err := New(services, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := em.api.(*rest.Server); !ok {
		t.Fatal("documents without api-version were not served as a generic API")
	}
	srv := httptest.NewServer(em)
	t.Cleanup(srv.Close)
	return em, srv.URL
}

func loadServices(t *testing.T, dir string) []*provider.Service {
	t.Helper()
	p, err := provider.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []*provider.Service
	for _, name := range p.ServiceNames() {
		s, err := p.Service(name)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// send makes one request with the given header set, and decodes a JSON answer.
func send(t *testing.T, method, url string, header map[string]string, body string) (*http.Response, any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var v any
	if len(data) > 0 {
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatalf("%s %s: answer is not JSON: %s", method, url, data)
		}
	}
	return resp, v
}

func TestGenericPetstore(t *testing.T) {
	em, base := startGeneric(t, loadServices(t, petstoreProvider), Options{PageSize: 20})
	key := map[string]string{"X-API-Key": em.Token()}

	// x-next paging: the header holds the next page's URL; limit sets the size.
	var ids []float64
	next, pages := base+"/pets?limit=10", 0
	for next != "" {
		resp, v := send(t, "GET", next, key, "")
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %v", next, resp.StatusCode, v)
		}
		for _, it := range v.([]any) {
			ids = append(ids, it.(map[string]any)["id"].(float64))
		}
		next = resp.Header.Get("x-next")
		pages++
	}
	if len(ids) != DefaultItemsPerCollection || pages != 5 || ids[0] != 1 || ids[len(ids)-1] != DefaultItemsPerCollection {
		t.Fatalf("%d pets in %d pages (first %v), want %d in 5", len(ids), pages, ids[:1], DefaultItemsPerCollection)
	}
	if st := em.Stats(); st.Pages != 5 || st.ByRoute["GET /pets"] != 5 {
		t.Fatalf("stats: %d pages, routes %v", st.Pages, st.ByRoute)
	}

	// showPetById answers Pets, an array, as the document declares.
	resp, v := send(t, "GET", base+"/pets/7", key, "")
	if resp.StatusCode != 200 || v.([]any)[0].(map[string]any)["name"] != "pet-007" {
		t.Fatalf("GET /pets/7: %d %v", resp.StatusCode, v)
	}
	if resp, _ := send(t, "POST", base+"/pets", key, `{"name":"rex","tag":"dog"}`); resp.StatusCode != 201 {
		t.Fatalf("POST /pets: %d", resp.StatusCode)
	}
	if resp, v := send(t, "GET", base+fmt.Sprintf("/pets/%d", DefaultItemsPerCollection+1), key, ""); resp.StatusCode != 200 || v.([]any)[0].(map[string]any)["name"] != "rex" {
		t.Fatalf("the created pet is not readable: %d %v", resp.StatusCode, v)
	}
	if resp, _ := send(t, "DELETE", base+"/pets/7", key, ""); resp.StatusCode != 405 {
		t.Fatalf("DELETE, which the document does not offer: %d, want 405", resp.StatusCode)
	}

	// Auth from the provider's config.auth: an API key in X-API-Key.
	for name, h := range map[string]map[string]string{"none": nil, "wrong": {"X-API-Key": "nope"}, "bearer instead": {"Authorization": "Bearer " + em.Token()}} {
		if resp, v := send(t, "GET", base+"/pets", h, ""); resp.StatusCode != 401 || !strings.Contains(fmt.Sprint(v), "X-API-Key") {
			t.Errorf("%s: %d %v, want 401 naming the header", name, resp.StatusCode, v)
		}
	}
}

// shopDocument pages three lists three ways and requires a bearer token.
const shopDocument = `openapi: 3.0.3
info: {title: Shop, version: "1"}
security: [{bearer: []}]
paths:
  /orders:
    get:
      operationId: listOrders
      responses: {"200": {description: ok, headers: {Link: {schema: {type: string}}}, content: {application/json: {schema: {type: array, items: {$ref: "#/components/schemas/Order"}}}}}}
  /orders/{orderId}:
    get:
      operationId: getOrder
      parameters: [{name: orderId, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Order"}}}}}
    patch:
      operationId: updateOrder
      parameters: [{name: orderId, in: path, required: true, schema: {type: string}}]
      requestBody: {content: {application/json: {schema: {$ref: "#/components/schemas/Order"}}}}
      responses: {"200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Order"}}}}}
    delete:
      operationId: deleteOrder
      parameters: [{name: orderId, in: path, required: true, schema: {type: string}}]
      responses: {"204": {description: gone}}
  /orders/{orderId}/lines:
    get:
      operationId: listLines
      parameters:
        - {name: orderId, in: path, required: true, schema: {type: string}}
        - {name: page_token, in: query, schema: {type: string}}
      responses: {"200": {description: ok, content: {application/json: {schema: {type: object, properties: {data: {type: array, items: {type: object, properties: {sku: {type: string}, qty: {type: integer}}}}, next_page_token: {type: string}}}}}}}
  /customers:
    get:
      operationId: listCustomers
      parameters:
        - {name: page, in: query, schema: {type: integer}}
        - {name: per_page, in: query, schema: {type: integer}}
        - {name: status, in: query, schema: {type: string}}
      responses: {"200": {description: ok, content: {application/json: {schema: {type: object, properties: {total: {type: integer}, items: {type: array, items: {type: object, properties: {id: {type: string}, status: {type: string, enum: [active, closed]}, email: {type: string, format: email}}}}}}}}}}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
  schemas:
    Order: {type: object, properties: {id: {type: string}, total: {type: number}, placed: {type: string, format: date-time}}}
  x-stackQL-resources:
    orders:
      id: shop.shop.orders
      name: orders
      methods:
        listOrders:
          operation: {$ref: "#/paths/~1orders/get"}
          response: {mediaType: application/json, openAPIDocKey: "200", objectKey: "$[*]"}
          config: {pagination: {requestToken: {location: request}, responseToken: {key: Link, location: header}}}
        getOrder:
          operation: {$ref: "#/paths/~1orders~1{orderId}/get"}
          response: {mediaType: application/json, openAPIDocKey: "200"}
        updateOrder:
          operation: {$ref: "#/paths/~1orders~1{orderId}/patch"}
          response: {mediaType: application/json, openAPIDocKey: "200"}
        deleteOrder:
          operation: {$ref: "#/paths/~1orders~1{orderId}/delete"}
      sqlVerbs:
        select: [{$ref: "#/components/x-stackQL-resources/orders/methods/getOrder"}, {$ref: "#/components/x-stackQL-resources/orders/methods/listOrders"}]
        update: [{$ref: "#/components/x-stackQL-resources/orders/methods/updateOrder"}]
        delete: [{$ref: "#/components/x-stackQL-resources/orders/methods/deleteOrder"}]
    orders_lines:
      id: shop.shop.orders_lines
      name: orders_lines
      methods:
        listLines:
          operation: {$ref: "#/paths/~1orders~1{orderId}~1lines/get"}
          response: {mediaType: application/json, openAPIDocKey: "200", objectKey: "$.data"}
          config: {pagination: {requestToken: {key: page_token, location: query}, responseToken: {key: next_page_token, location: body}}}
      sqlVerbs:
        select: [{$ref: "#/components/x-stackQL-resources/orders_lines/methods/listLines"}]
    customers:
      id: shop.shop.customers
      name: customers
      methods:
        listCustomers:
          operation: {$ref: "#/paths/~1customers/get"}
          response: {mediaType: application/json, openAPIDocKey: "200", objectKey: "$.items"}
          config: {pagination: {requestToken: {key: page, location: query}, responseToken: {location: none}, pageNumber: {sizeKey: per_page, totalKey: total}}}
      sqlVerbs:
        select: [{$ref: "#/components/x-stackQL-resources/customers/methods/listCustomers"}]
`

func TestGenericPagingStylesAndBearer(t *testing.T) {
	file := filepath.Join(t.TempDir(), "shop.yaml")
	if err := os.WriteFile(file, []byte(shopDocument), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := provider.LoadServiceFile(file)
	if err != nil {
		t.Fatal(err)
	}
	em, base := startGeneric(t, []*provider.Service{s}, Options{PageSize: 7, ItemsPerCollection: 30})
	auth := map[string]string{"Authorization": "Bearer " + em.Token()}
	if resp, _ := send(t, "GET", base+"/orders", nil, ""); resp.StatusCode != 401 {
		t.Fatalf("no token: %d, want 401", resp.StatusCode)
	}

	// Link header.
	var orders []string
	for next := base + "/orders"; next != ""; {
		resp, v := send(t, "GET", next, auth, "")
		for _, it := range v.([]any) {
			orders = append(orders, it.(map[string]any)["id"].(string))
		}
		next = ""
		if link := resp.Header.Get("Link"); link != "" {
			next = strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
		}
	}
	if len(orders) != 30 || orders[0] != "order-0001" {
		t.Fatalf("Link paging gave %d orders (%v...), want 30", len(orders), orders[:min(3, len(orders))])
	}

	// Body token into page_token, on a nested collection seeded under an order.
	lines := 0
	for token := ""; ; {
		resp, v := send(t, "GET", base+"/orders/order-0002/lines?page_token="+token, auth, "")
		if resp.StatusCode != 200 {
			t.Fatalf("lines: %d %v", resp.StatusCode, v)
		}
		body := v.(map[string]any)
		lines += len(body["data"].([]any))
		next, _ := body["next_page_token"].(string)
		if next == "" {
			break
		}
		token = next
	}
	if lines != 30 {
		t.Fatalf("token paging gave %d lines, want 30", lines)
	}

	// Page numbers with per_page and a total; a query parameter filters.
	customers, pages := 0, 0
	for page := 1; ; page++ {
		_, v := send(t, "GET", base+fmt.Sprintf("/customers?page=%d&per_page=8", page), auth, "")
		body := v.(map[string]any)
		if body["total"].(float64) != 30 {
			t.Fatalf("total %v, want 30", body["total"])
		}
		n := len(body["items"].([]any))
		customers, pages = customers+n, pages+1
		if n < 8 {
			break
		}
	}
	if customers != 30 || pages != 4 {
		t.Fatalf("page-number paging gave %d customers in %d pages, want 30 in 4", customers, pages)
	}
	_, v := send(t, "GET", base+"/customers?status=active&per_page=100", auth, "")
	active := v.(map[string]any)["items"].([]any)
	if len(active) == 0 || len(active) == 30 {
		t.Fatalf("status=active kept %d of 30 customers; the filter did nothing", len(active))
	}
	for _, c := range active {
		if c.(map[string]any)["status"] != "active" {
			t.Fatalf("status=active returned %v", c)
		}
	}

	// Item writes.
	if resp, v := send(t, "PATCH", base+"/orders/order-0003", auth, `{"total": 12.5}`); resp.StatusCode != 200 || v.(map[string]any)["total"] != 12.5 || v.(map[string]any)["id"] != "order-0003" {
		t.Fatalf("PATCH: %d %v", resp.StatusCode, v)
	}
	if resp, _ := send(t, "DELETE", base+"/orders/order-0002", auth, ""); resp.StatusCode != 204 {
		t.Fatalf("DELETE: %d", resp.StatusCode)
	}
	if resp, v := send(t, "GET", base+"/orders/order-0002/lines", auth, ""); resp.StatusCode != 200 || len(v.(map[string]any)["data"].([]any)) != 0 {
		t.Fatalf("lines of a deleted order must be gone with it: %d %v", resp.StatusCode, v)
	}
	if resp, _ := send(t, "GET", base+"/orders/order-0002", auth, ""); resp.StatusCode != 404 {
		t.Fatalf("GET of a deleted order: %d, want 404", resp.StatusCode)
	}
}

func TestGenericSeedIsDeterministic(t *testing.T) {
	services := loadServices(t, petstoreProvider)
	a, baseA := startGeneric(t, services, Options{Seed: 3})
	_, baseB := startGeneric(t, services, Options{Seed: 3})
	_, first := send(t, "GET", baseA+"/pets", map[string]string{"X-API-Key": a.Token()}, "")
	_, second := send(t, "GET", baseB+"/pets", map[string]string{"X-API-Key": a.Token()}, "")
	if fmt.Sprint(first) != fmt.Sprint(second) {
		t.Fatal("two emulators with the same seed hold different data")
	}
	tags := map[any]bool{}
	for _, p := range first.([]any) {
		tags[p.(map[string]any)["tag"]] = true
	}
	if len(tags) < 3 {
		t.Fatalf("tags barely vary: %v", tags)
	}
}
