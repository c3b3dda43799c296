package planner

import (
	"cmp"
	"slices"
	"strings"

	"github.com/skyql/skyql/pkg/provider"
)

// Scope fan-out: a required path parameter the statement leaves unbound is
// filled from the collection above the resource. The method's path says
// where that collection is: the prefix of the path through the parameter
// (/subscriptions/{subscriptionId}/.../backupVaults/{vaultName}) is the
// item path of another resource of the provider (backup_vaults), whose rows
// carry the parameter's values in their ids. Nothing here is specific to
// one provider: the templates and methods come from its documents.

// PathParams lists the parameters of a path template in order.
func PathParams(path string) []string {
	var out []string
	for _, seg := range strings.Split(path, "/") {
		if name, ok := paramSegment(seg); ok {
			out = append(out, name)
		}
	}
	return out
}

func paramSegment(seg string) (string, bool) {
	if len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}' {
		return seg[1 : len(seg)-1], true
	}
	return "", false
}

// prefixThrough cuts a path template after the segment of param.
func prefixThrough(path, param string) string {
	segs := strings.Split(path, "/")
	for i, seg := range segs {
		if name, ok := paramSegment(seg); ok && name == param {
			return strings.Join(segs[:i+1], "/")
		}
	}
	return ""
}

// shapeOf is a path template with its parameter names blanked and its
// literals lower-cased: two templates address the same items when their
// shapes are equal, whatever they call their parameters (ARM's literal
// segments are case-insensitive).
func shapeOf(path string) string {
	segs := strings.Split(strings.TrimSuffix(path, "/"), "/")
	for i, seg := range segs {
		if _, ok := paramSegment(seg); ok {
			segs[i] = "{}"
		} else {
			segs[i] = strings.ToLower(seg)
		}
	}
	return strings.Join(segs, "/")
}

// ItemMethod is the resource's GET method that reads one item: of the
// SELECT methods whose path ends in a parameter, the one with the most
// path parameters. Its path is the template the ids of the resource's rows
// follow. It is nil for a resource without one.
func ItemMethod(r *provider.Resource) *provider.Method {
	var best *provider.Method
	for _, m := range readMethods(r) {
		segs := strings.Split(strings.TrimSuffix(m.Path, "/"), "/")
		if _, ok := paramSegment(segs[len(segs)-1]); !ok {
			continue
		}
		if best == nil || len(PathParams(m.Path)) > len(PathParams(best.Path)) {
			best = m
		}
	}
	return best
}

// readMethods are the methods a SELECT may use: the resource's SELECT
// methods that are GETs (a POST listed under SELECT may act, and is only
// ever run by EXEC).
func readMethods(r *provider.Resource) []*provider.Method {
	var out []*provider.Method
	for _, m := range r.VerbMethods(provider.VerbSelect) {
		if m.HTTPMethod == "GET" {
			out = append(out, m)
		}
	}
	return out
}

// parentOf finds the resource whose items the prefix of path through param
// addresses, with the names its item path gives the prefix's parameters (by
// position). It looks in the resource's own service first, then in the
// provider's other services, those named most like the collection's
// literal segment (subscriptions, resourceGroups) first, so that a common
// parent is found after loading one or two services, not all.
func (pl *planning) parentOf(r *provider.Resource, path, param string) (*provider.Resource, []string) {
	prefix := prefixThrough(path, param)
	if prefix == "" {
		return nil, nil
	}
	shape := shapeOf(prefix)
	if found, ok := pl.parents[shape]; ok {
		return found.resource, found.params
	}
	find := func(svc *provider.Service) (*provider.Resource, []string) {
		for _, name := range svc.ResourceNames() {
			cand, err := svc.Resource(name)
			if err != nil || cand == r {
				continue
			}
			if m := ItemMethod(cand); m != nil && shapeOf(m.Path) == shape {
				return cand, PathParams(m.Path)
			}
		}
		return nil, nil
	}
	parent, params := find(r.Service)
	if parent == nil && r.Service.Provider != nil {
		segs := strings.Split(prefix, "/")
		label := strings.ToLower(segs[len(segs)-2])
		names := slices.Clone(r.Service.Provider.ServiceNames())
		slices.SortStableFunc(names, func(a, b string) int {
			return cmp.Compare(commonPrefix(label, b), commonPrefix(label, a))
		})
		for _, name := range names {
			if name == r.Service.Name {
				continue
			}
			svc, err := r.Service.Provider.Service(name)
			if err != nil {
				continue // a broken service cannot be a parent; its own queries report it
			}
			if parent, params = find(svc); parent != nil {
				break
			}
		}
	}
	pl.parents[shape] = parentResource{parent, params}
	return parent, params
}

type parentResource struct {
	resource *provider.Resource
	params   []string
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}
