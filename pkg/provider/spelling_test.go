package provider

import "testing"

func TestParamSpelledMatchesEitherGeneration(t *testing.T) {
	m := &Method{Params: []*Param{{Name: "subscriptionId"}, {Name: "resource_group_name"}, {Name: "If-Match"}, {Name: "$filter"}}}
	for written, want := range map[string]string{
		"subscriptionId": "subscriptionId", "subscription_id": "subscriptionId", "SubscriptionID": "subscriptionId",
		"resourceGroupName": "resource_group_name", "if_match": "If-Match", "If-Match": "If-Match", "$filter": "$filter",
	} {
		p, ok := m.ParamSpelled(written)
		if !ok || p.Name != want {
			t.Errorf("ParamSpelled(%q) = %v, %v; want %s", written, p, ok, want)
		}
	}
	if p, ok := m.ParamSpelled("filter"); ok {
		t.Errorf("filter matched %s: the $ is part of the name", p.Name)
	}
	twice := &Method{Params: []*Param{{Name: "vm_name"}, {Name: "vmName"}}}
	if p, ok := twice.ParamSpelled("VMNAME"); ok {
		t.Errorf("a spelling two parameters share matched %s", p.Name)
	}
}
