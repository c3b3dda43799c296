package provider

import "strings"

// The registry's documents spell parameters in two generations: the older
// as the API does (subscriptionId, resourceGroupName), the newer in snake
// case (subscription_id, resource_group_name). A script written for one
// runs against the other when names are compared by their spelling key.

// SpellingKey is name with case, underscores and hyphens dropped: the
// same for subscriptionId, subscription_id and SubscriptionID.
func SpellingKey(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if r != '_' && r != '-' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ParamSpelled finds the parameter name names, written as the document
// does or in the other generation's spelling. A spelling two parameters
// share matches neither.
func (m *Method) ParamSpelled(name string) (*Param, bool) {
	if p, ok := m.Param(name); ok {
		return p, true
	}
	key := SpellingKey(name)
	var found *Param
	for _, p := range m.Params {
		if SpellingKey(p.Name) == key {
			if found != nil {
				return nil, false
			}
			found = p
		}
	}
	return found, found != nil
}
