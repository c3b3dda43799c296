package executor

import (
	"fmt"
	"strings"
	"testing"

	"github.com/skyql/skyql/pkg/provider"
)

func listCall(objectKey string, paged bool) *Call {
	m := &provider.Method{Name: "things_list", HTTPMethod: "GET", Path: "/things",
		Response: provider.Response{ObjectKey: objectKey}}
	if paged {
		m.Pagination = &provider.Pagination{RequestTokenKey: "nextLink", RequestTokenLocation: "request",
			ResponseTokenKey: "nextLink", ResponseTokenLocation: "body"}
	}
	return &Call{Method: m, BaseURL: "https://api.example"}
}

func TestParsePageFindsRowsAndNextLinkInAnyOrder(t *testing.T) {
	const current = "https://api.example/things?api-version=1"
	cases := []struct {
		name, objectKey string
		paged           bool
		body            string
		rows            string
		next            string
		err             string
	}{
		{name: "value then nextLink", objectKey: "$.value", paged: true,
			body: `{"value":[{"a":1},{"a":"x,y"}],"nextLink":"https://api.example/things?page=2\u0026api-version=1"}`,
			rows: `{"a":1}|{"a":"x,y"}`, next: "https://api.example/things?page=2&api-version=1"},
		{name: "nextLink first", objectKey: "$.value", paged: true,
			body: `{"nextLink":"https://api.example/things?page=3","value":[{"nextLink":"not this one"}]}`,
			rows: `{"nextLink":"not this one"}`, next: "https://api.example/things?page=3"},
		{name: "last page", objectKey: "$.value", paged: true, body: `{"value":[{"a":1}]}`, rows: `{"a":1}`},
		{name: "null nextLink", objectKey: "$.value", paged: true, body: `{"value":[],"nextLink":null}`},
		{name: "null rows", objectKey: "$.value", paged: true, body: `{"value":null}`},
		{name: "nested rows", objectKey: "$.data.items[*]", paged: true,
			body: `{"data":{"items":[1,2]},"nextLink":"/things?page=2"}`, rows: `1|2`, next: "https://api.example/things?page=2"},
		{name: "one object", objectKey: "", body: `{"id":"x"}`, rows: `{"id":"x"}`},
		{name: "unpaged list", objectKey: "$.value", body: `{"value":[{"a":1}],"nextLink":"ignored"}`, rows: `{"a":1}`},
		{name: "missing rows", objectKey: "$.value", paged: true, body: `{"nextLink":"https://api.example/x"}`, err: "the response has no $.value"},
		{name: "broken JSON", objectKey: "$.value", paged: true, body: `{"value":[{"a":1},`, err: "not valid JSON"},
		{name: "not JSON", objectKey: "$.value", paged: true, body: `<html>`, err: "the response has no $.value"},
		{name: "rows are a string", objectKey: "$.value", paged: true, body: `{"value":"x"}`, err: "not rows"},
		{name: "link elsewhere", objectKey: "$.value", paged: true, body: `{"value":[],"nextLink":"https://evil.example/x"}`, err: "refusing to send credentials"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			items, next, err := listCall(tc.objectKey, tc.paged).parsePage([]byte(tc.body), current)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var rows []string
			for _, it := range items {
				rows = append(rows, string(it))
			}
			if strings.Join(rows, "|") != tc.rows || next != tc.next {
				t.Fatalf("rows %q next %q; want %q and %q", strings.Join(rows, "|"), next, tc.rows, tc.next)
			}
		})
	}
}

// BenchmarkParsePage splits a 100-item page of backup instances (about
// 160 KiB, as ARM and the emulator serve it) into rows and its nextLink:
// as parsePage does (splitPage's one pass), and through jsonparser, which
// pages of other shapes take.
func BenchmarkParsePage(b *testing.B) {
	var page strings.Builder
	page.WriteString(`{"value":[`)
	for i := range 100 {
		if i > 0 {
			page.WriteString(",")
		}
		fmt.Fprintf(&page, benchInstance, i, i)
	}
	page.WriteString(`],"nextLink":"https://api.example/things?api-version=2022-05-01\u0026%24skipToken=ZGlzay1wcm9kMDEtMDAwMDk2"}`)
	body := []byte(page.String())
	call := listCall("$.value", true)
	const current = "https://api.example/things?api-version=2022-05-01"
	b.Run("one pass", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			items, next, err := call.parsePage(body, current)
			if err != nil || len(items) != 100 || next == "" {
				b.Fatalf("%d items, next %q, %v", len(items), next, err)
			}
		}
	})
	b.Run("jsonparser", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			items, next, err := jsonRows(body, "$.value", []string{"nextLink"})
			if err != nil || len(items) != 100 || next == "" {
				b.Fatalf("%d items, next %q, %v", len(items), next, err)
			}
		}
	})
}

const benchInstance = `{"id":"/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-prod-eastus/providers/Microsoft.DataProtection/backupVaults/vault-prod-01/backupInstances/aks-prod01-%06d-49fd1d8b-e909-45b0-81bd-14b49f4244f0","name":"aks-prod01-%06d-49fd1d8b-e909-45b0-81bd-14b49f4244f0","type":"Microsoft.DataProtection/backupVaults/backupInstances","tags":{"env":"prod","owner":"team-data"},"systemData":{"createdBy":"ops@contoso.example","createdByType":"User","createdAt":"2024-03-25T03:00:00Z","lastModifiedBy":"ops@contoso.example","lastModifiedByType":"User","lastModifiedAt":"2024-03-25T03:00:00Z"},"properties":{"friendlyName":"aks-prod01-000011","dataSourceInfo":{"datasourceType":"Microsoft.ContainerService/managedClusters","objectType":"Datasource","resourceID":"/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-prod-eastus/providers/Microsoft.ContainerService/managedClusters/aks-prod01-000011","resourceLocation":"eastus","resourceName":"aks-prod01-000011","resourceType":"Microsoft.ContainerService/managedClusters","resourceUri":"/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-prod-eastus/providers/Microsoft.ContainerService/managedClusters/aks-prod01-000011"},"policyInfo":{"policyId":"/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-prod-eastus/providers/Microsoft.DataProtection/backupVaults/vault-prod-01/backupPolicies/policy-aks-daily","policyVersion":"1.0"},"protectionStatus":{"status":"ProtectionConfigured"},"currentProtectionState":"ProtectionConfigured","provisioningState":"Succeeded","objectType":"BackupInstance"}}`
