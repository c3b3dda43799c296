package emulator

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/skyql/skyql/pkg/provider"
)

// inventoryTypes are the sample inventory's resource types and an
// api-version their services use.
var inventoryTypes = map[string]string{
	"Microsoft.Storage/storageAccounts":          "2023-05-01",
	"Microsoft.Network/virtualNetworks":          "2024-01-01",
	"Microsoft.Network/networkSecurityGroups":    "2024-01-01",
	"Microsoft.KeyVault/vaults":                  "2023-07-01",
	"Microsoft.Compute/virtualMachines":          "2024-03-01",
	"Microsoft.Compute/disks":                    "2023-10-02",
	"Microsoft.Sql/servers":                      "2023-05-01-preview",
	"Microsoft.Web/sites":                        "2023-12-01",
	"Microsoft.ContainerService/managedClusters": "2024-05-01",
	"Microsoft.Authorization/roleAssignments":    "2022-04-01",
}

// inventoryService is a document with the three ARM routes of a resource
// type: list in a subscription, list in a resource group, get by name.
func inventoryService(t *testing.T, typ, version string) *provider.Service {
	t.Helper()
	list := "/providers/" + typ
	return getService(t, typ, version,
		"/subscriptions/{subscriptionId}"+list,
		"/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}"+list,
		"/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}"+list+"/{name}")
}

// getService is a document with a GET at each path: a list where the path
// ends in a literal.
func getService(t *testing.T, name, version string, paths ...string) *provider.Service {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "openapi: 3.0.3\ninfo: {title: %s, version: %q}\npaths:\n", name, version)
	for i, p := range paths {
		fmt.Fprintf(&b, "  %s:\n    get:\n      operationId: Op_%d\n", p, i)
		fmt.Fprintf(&b, "      parameters: [{name: api-version, in: query, required: true, schema: {type: string, default: %q}}]\n", version)
		if !strings.HasSuffix(p, "}") {
			b.WriteString("      x-ms-pageable: {nextLinkName: nextLink}\n")
		}
		b.WriteString("      responses: {'200': {description: OK, content: {application/json: {schema: {type: object}}}}}\n")
	}
	doc, err := openapi3.NewLoader().LoadFromData([]byte(b.String()))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &provider.Service{Name: name, Doc: doc, File: name}
}

type inventoryItem struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Type       string            `json:"type"`
	Location   string            `json:"location"`
	Tags       map[string]string `json:"tags"`
	Properties map[string]any    `json:"properties"`
}

// TestInventoryIsServedAtEveryLevel: each inventory type has resources in
// both subscriptions; each is listed in its subscription and its resource
// group, and read by name, with an id, type, location, tags and a
// provisioning state.
func TestInventoryIsServedAtEveryLevel(t *testing.T) {
	services := []*provider.Service{getService(t, "subscriptions", "2022-12-01", "/subscriptions")}
	for typ, version := range inventoryTypes {
		services = append(services, inventoryService(t, typ, version))
	}
	e, base := startEmulatorWith(t, services, Options{})
	list := func(path string) []inventoryItem {
		t.Helper()
		r := call(t, "GET", base+path, e.Token(), "")
		var page struct{ Value []inventoryItem }
		if err := json.Unmarshal(r.body, &page); err != nil || r.status != 200 {
			t.Fatalf("GET %s: %d %s", path, r.status, r.body)
		}
		return page.Value
	}
	for typ, version := range inventoryTypes {
		q := "?api-version=" + version
		for _, sub := range []string{SubscriptionID(0), SubscriptionID(1)} {
			items := list("/subscriptions/" + sub + "/providers/" + typ + q)
			if len(items) == 0 {
				t.Errorf("%s: none in subscription %s", typ, sub)
			}
			for _, it := range items {
				where := typ + " " + it.ID
				if !strings.EqualFold(it.Type, typ) || !strings.HasPrefix(it.ID, "/subscriptions/"+sub+"/") || it.Name == "" {
					t.Errorf("%s: type %q, name %q", where, it.Type, it.Name)
				}
				if typ != "Microsoft.Authorization/roleAssignments" && (it.Location == "" || len(it.Tags) == 0) {
					t.Errorf("%s: no location or tags", where)
				}
				if it.Properties["provisioningState"] == nil {
					t.Errorf("%s: no properties.provisioningState", where)
				}
				rgPath, _, ok := strings.Cut(it.ID, "/providers/")
				if !ok || !strings.Contains(rgPath, "/resourceGroups/") {
					continue // a role assignment at subscription scope
				}
				found := false
				for _, other := range list(rgPath + "/providers/" + typ + q) {
					found = found || other.ID == it.ID
				}
				if !found {
					t.Errorf("%s: not listed in its resource group", where)
				}
				r := call(t, "GET", base+it.ID+q, e.Token(), "")
				var got inventoryItem
				if json.Unmarshal(r.body, &got) != nil || r.status != 200 || got.ID != it.ID {
					t.Errorf("GET %s: %d %s", it.ID, r.status, r.body)
				}
			}
		}
	}
	subs := list("/subscriptions?api-version=2022-12-01")
	if len(subs) != 2 {
		t.Errorf("GET /subscriptions lists %d subscriptions, want 2", len(subs))
	}
}
