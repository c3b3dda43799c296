package generator

import (
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// inferAuth turns the spec's security scheme into provider.yaml's config.auth, with
// secrets named by environment variables derived from the provider name
// (petstore -> PETSTORE_API_KEY, PETSTORE_TOKEN, PETSTORE_USERNAME/_PASSWORD,
// PETSTORE_CLIENT_ID/_SECRET). The scheme is the first usable one the document's
// top-level security requires, else one an operation requires, else the first
// declared (by name). apiKey in a header or query -> api_key; http bearer ->
// bearer; http basic -> basic; oauth2 client credentials -> oauth2. nil when the
// spec declares none skyql can use (cookie keys, mutualTLS, openIdConnect, ...).
func inferAuth(doc *openapi3.T, providerName string) map[string]any {
	if doc.Components == nil || len(doc.Components.SecuritySchemes) == 0 {
		return nil
	}
	var candidates []string
	addRequired := func(reqs openapi3.SecurityRequirements) {
		for _, req := range reqs {
			candidates = append(candidates, sortedKeys(req)...)
		}
	}
	addRequired(doc.Security)
	for _, path := range doc.Paths.Keys() {
		for _, method := range httpMethods {
			if op := doc.Paths.Value(path).GetOperation(strings.ToUpper(method)); op != nil && op.Security != nil {
				addRequired(*op.Security)
			}
		}
	}
	candidates = append(candidates, sortedKeys(doc.Components.SecuritySchemes)...)
	envPrefix := strings.ToUpper(providerName)
	for _, name := range slices.Compact(candidates) {
		ref := doc.Components.SecuritySchemes[name]
		if ref == nil || ref.Value == nil {
			continue
		}
		if auth := authFromScheme(ref.Value, envPrefix); auth != nil {
			return auth
		}
	}
	return nil
}

func authFromScheme(s *openapi3.SecurityScheme, envPrefix string) map[string]any {
	switch strings.ToLower(s.Type) {
	case "apikey":
		if s.In != "header" && s.In != "query" {
			return nil
		}
		return map[string]any{"type": "api_key", "name": s.Name, "location": s.In, "credentialsenvvar": envPrefix + "_API_KEY"}
	case "http":
		switch strings.ToLower(s.Scheme) {
		case "bearer":
			return map[string]any{"type": "bearer", "credentialsenvvar": envPrefix + "_TOKEN"}
		case "basic":
			return map[string]any{"type": "basic", "username_var": envPrefix + "_USERNAME", "password_var": envPrefix + "_PASSWORD"}
		}
	case "oauth2":
		if s.Flows == nil || s.Flows.ClientCredentials == nil || s.Flows.ClientCredentials.TokenURL == "" {
			return nil
		}
		flow := s.Flows.ClientCredentials
		auth := map[string]any{
			"type": "oauth2", "grant_type": "client_credentials", "token_url": flow.TokenURL,
			"client_id_env_var": envPrefix + "_CLIENT_ID", "client_secret_env_var": envPrefix + "_CLIENT_SECRET",
		}
		if scopes := sortedKeys(flow.Scopes); len(scopes) > 0 {
			list := make([]any, len(scopes))
			for i, sc := range scopes {
				list[i] = sc
			}
			auth["scopes"] = list
		}
		return auth
	}
	return nil
}
