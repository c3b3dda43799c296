package provider

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// ParamInServer marks a parameter that is a variable of the method's server
// URL (https://{vault_name}.vault.azure.net, https://{subdomain}.okta.com):
// a statement binds it from WHERE like a path parameter, and it picks the
// host the call goes to.
const ParamInServer = "server"

// serverVariable matches a variable in a server URL template. A few
// published documents put a pattern after the name, which the value must
// match: {cluster_addr:^(?:[^.]+|...)$}.
var serverVariable = regexp.MustCompile(`\{([A-Za-z0-9_.-]+)(?::([^{}]*))?\}`)

// BoundFromWhere reports whether a statement gives the parameter in its
// WHERE, making it a column of the resource's rows: path, query and server
// parameters; headers travel only in writes' column lists.
func (p *Param) BoundFromWhere() bool {
	return p.In == "path" || p.In == "query" || p.In == ParamInServer
}

// methodServer picks the server a method's calls go to, the nearest level
// that names one winning (operation, path item, document), and turns its
// variables into parameters: required unless the document gives a
// non-empty default.
func methodServer(doc, item, op openapi3.Servers) (string, []*Param) {
	servers := doc
	if len(item) > 0 {
		servers = item
	}
	if len(op) > 0 {
		servers = op
	}
	if len(servers) == 0 || servers[0] == nil {
		return "", nil
	}
	srv := servers[0]
	var params []*Param
	for _, match := range serverVariable.FindAllStringSubmatch(srv.URL, -1) {
		name := match[1]
		if slices.ContainsFunc(params, func(p *Param) bool { return p.Name == name }) {
			continue
		}
		p := &Param{Name: name, In: ParamInServer, Type: "string", Required: true}
		if v := srv.Variables[name]; v != nil {
			p.Description = v.Description
			if v.Default != "" {
				p.Default, p.Required = v.Default, false
			}
			p.Enum = v.Enum
		}
		p.Pattern = match[2]
		params = append(params, p)
	}
	return srv.URL, params
}

// ServerURL fills a server URL template's variables from values, falling
// back on each variable's default. A value may only name a host or part of
// one: it must not carry a path, query, fragment or user info, which would
// send the call (and its credentials) somewhere the document never meant.
func ServerURL(template string, params []*Param, values map[string]string) (string, error) {
	var err error
	out := serverVariable.ReplaceAllStringFunc(template, func(v string) string {
		name := serverVariable.FindStringSubmatch(v)[1]
		i := slices.IndexFunc(params, func(p *Param) bool { return p.Name == name && p.In == ParamInServer })
		if i < 0 {
			return v
		}
		p := params[i]
		value, ok := values[name]
		if !ok {
			if p.Default == nil {
				if err == nil {
					err = fmt.Errorf("server variable %s has no value: give it in WHERE (%s = '...')", name, name)
				}
				return v
			}
			value = p.DefaultText()
		}
		if verr := p.checkServerValue(value); verr != nil && err == nil {
			err = verr
		}
		return value
	})
	return out, err
}

func (p *Param) checkServerValue(value string) error {
	if value == "" {
		return fmt.Errorf("server variable %s is empty: give it a value in WHERE (%s = '...')", p.Name, p.Name)
	}
	if i := strings.IndexAny(value, "/?#@\\ \t\r\n%"); i >= 0 {
		return fmt.Errorf("server variable %s = %q: %q is not allowed there (a value names a host or a part of one)", p.Name, value, value[i])
	}
	if len(p.Enum) > 0 && !slices.Contains(p.Enum, value) {
		return fmt.Errorf("server variable %s = %q: must be one of %s", p.Name, value, strings.Join(p.Enum, ", "))
	}
	if p.Pattern != "" {
		re, err := regexp.Compile(p.Pattern)
		if err != nil {
			return fmt.Errorf("server variable %s: the document's pattern %q is not a valid regular expression: %v", p.Name, p.Pattern, err)
		}
		if !re.MatchString(value) {
			return fmt.Errorf("server variable %s = %q does not match the document's pattern %s", p.Name, value, p.Pattern)
		}
	}
	return nil
}

// requiredVariablesFilled copies servers, giving each variable without a
// default a stand-in one for validation: OpenAPI requires a default, but
// the registry's documents leave it empty ("") for a variable each query
// must give (https://{vault_name}.vault.azure.net), which skyql reads as a
// required parameter.
func requiredVariablesFilled(servers openapi3.Servers) openapi3.Servers {
	out := make(openapi3.Servers, len(servers))
	for i, srv := range servers {
		if srv == nil {
			continue
		}
		copied := *srv
		copied.Variables = map[string]*openapi3.ServerVariable{}
		for name, v := range srv.Variables {
			if v != nil && v.Default == "" && len(v.Enum) == 0 {
				filled := *v
				filled.Default = name
				v = &filled
			}
			copied.Variables[name] = v
		}
		out[i] = &copied
	}
	return out
}
