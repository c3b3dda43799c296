package generator

import (
	"strings"
	"testing"
)

// orgsSpec has the shapes real SaaS specs have and the Petstore has not: trailing
// slashes, a collection POST beside its item path, an action of several literals,
// paging fields in a nested meta or paging object, a total of pages, has_more, page
// numbers with nothing to say the last, and a cursor parameter with no declared way
// to get the next cursor.
const orgsSpec = `openapi: 3.0.3
info:
  title: Orgs
  version: "1"
  description: |
    # Orgs API
    The Orgs API manages organizations and their members. It pages everything.

    More text that SHOW SERVICES must not print.
paths:
  /orgs/{org}/members/:
    parameters: [{name: org, in: path, required: true, schema: {type: string}}]
    get:
      operationId: List members
      parameters:
        - {name: page, in: query, schema: {type: integer}}
        - {name: page_size, in: query, schema: {type: integer}}
      responses:
        "200":
          description: members
          content:
            application/json:
              schema:
                allOf:
                  - {type: object, properties: {page: {type: integer}, pages: {type: integer}, results: {type: integer}}}
                  - {type: object, properties: {data: {type: array, items: {$ref: "#/components/schemas/Member"}}}}
    post:
      operationId: Add member
      requestBody: {content: {application/json: {schema: {$ref: "#/components/schemas/Member"}}}}
      responses: {"201": {description: added, content: {application/json: {schema: {$ref: "#/components/schemas/Member"}}}}}
  /orgs/{org}/members/{id}/:
    parameters:
      - {name: org, in: path, required: true, schema: {type: string}}
      - {name: id, in: path, required: true, schema: {type: integer}}
    get:
      operationId: Get member
      responses: {"200": {description: one, content: {application/json: {schema: {$ref: "#/components/schemas/Member"}}}}}
    delete:
      operationId: Remove member
      responses: {"204": {description: removed}}
  /orgs/{org}/members/{id}/lifecycle/suspend/:
    parameters:
      - {name: org, in: path, required: true, schema: {type: string}}
      - {name: id, in: path, required: true, schema: {type: integer}}
    post:
      operationId: Suspend member
      responses: {"204": {description: suspended}}
  /alerts:
    get:
      operationId: listAlerts
      parameters:
        - {name: PageToken, in: query, schema: {type: string}}
      responses:
        "200":
          description: alerts
          content:
            application/json:
              schema:
                type: object
                properties:
                  alerts: {type: array, items: {type: object}}
                  meta: {type: object, properties: {next_page_url: {type: string, nullable: true}, page_size: {type: integer}}}
  /teams:
    get:
      operationId: listTeams
      parameters:
        - {name: page, in: query, schema: {type: integer}}
      responses:
        "200":
          description: teams
          content:
            application/json:
              schema:
                type: object
                properties:
                  teams: {type: array, items: {type: object}}
                  paging: {type: object, properties: {has_more: {type: boolean}}}
  /tags:
    get:
      operationId: listTags
      parameters:
        - {name: page, in: query, schema: {type: integer}}
      responses:
        "200": {description: tags, content: {application/json: {schema: {type: array, items: {type: string}}}}}
  /users:
    get:
      operationId: listUsers
      parameters:
        - {name: after, in: query, schema: {type: string}}
        - {name: limit, in: query, schema: {type: integer}}
      responses:
        "200": {description: users, content: {application/json: {schema: {type: array, items: {type: object}}}}}
components:
  schemas:
    Member:
      type: object
      properties:
        id: {type: integer, readOnly: true}
        login: {type: string}
`

func TestCollectionsActionsAndNestedPaging(t *testing.T) {
	resources, _, report := generateSpec(t, "orgs", orgsSpec, ServiceConfig{})
	owners := assertResourcesAndVerbs(t, resources, map[string][2]string{ // resource, verb
		"list_members":   {"orgs_members", "select"},
		"add_member":     {"orgs_members", "insert"},
		"get_member":     {"orgs_members", "select"},
		"remove_member":  {"orgs_members", "delete"},
		"suspend_member": {"orgs_members", "exec"},
		"listAlerts":     {"alerts", "select"},
		"listUsers":      {"users", "select"},
		"listTeams":      {"teams", "select"},
	})
	assertPagination(t, resources, owners, map[string]map[string]any{
		"list_members": {"requestToken": pagingToken("page", "query"), "responseToken": pagingToken("", "none"),
			"pageNumber": map[string]any{"sizeKey": "page_size", "pagesKey": "pages", "totalKey": "results"}},
		"listAlerts": {"requestToken": pagingToken("", "request"), "responseToken": pagingToken("meta.next_page_url", "body")},
		"listUsers":  {"requestToken": pagingToken("", "request"), "responseToken": pagingToken("Link", "header")},
		"listTeams": {"requestToken": pagingToken("page", "query"), "responseToken": pagingToken("", "none"),
			"pageNumber": map[string]any{"moreKey": "paging.has_more"}},
		"listTags": {"requestToken": pagingToken("page", "query"), "responseToken": pagingToken("", "none")},
	})

	ambiguous := report.Ambiguous()
	if len(ambiguous) != 2 || ambiguous[0].Method != "listTags" || !strings.Contains(ambiguous[0].Ambiguous, "no total of pages or items") ||
		ambiguous[1].Method != "listUsers" || !strings.Contains(ambiguous[1].Ambiguous, "cursor parameter after") {
		t.Errorf("ambiguous methods %+v, want listTags (pages without a total) and listUsers (a cursor with no declared source)", ambiguous)
	}
	var text strings.Builder
	if _, err := report.WriteTo(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"9 operations, 5 resources, methods by verb: select 6, insert 1, delete 1, exec 1",
		"insert  add_member      POST /orgs/{org}/members/",
		"paging: page number: query parameter page, size parameter page_size, total pages in pages, total items in results",
		"GET /users (users.listUsers): cursor parameter after",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, text.String())
		}
	}
}

func TestSummarize(t *testing.T) {
	long := strings.Repeat("word ", 60)
	for _, c := range []struct{ description, title, want string }{
		{"# Orgs API\nThe Orgs API manages organizations. It pages.\n\nMore.", "Orgs", "The Orgs API manages organizations."},
		{"", "Orgs", "Orgs"},
		{"[Read the API documentation](https://example.com/api).", "", "Read the API documentation."},
		{"Uses **bold** and `code`\nover two lines", "", "Uses bold and code over two lines"},
		{long, "", strings.TrimSpace(long[:155]) + "…"},
	} {
		if got := summarize(c.description, c.title); got != c.want {
			t.Errorf("summarize(%q, %q) = %q, want %q", c.description, c.title, got, c.want)
		}
	}
}
