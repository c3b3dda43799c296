package executor

import (
	"testing"

	"github.com/skyql/skyql/pkg/provider"
)

func TestArrayParametersFollowStyleAndExplode(t *testing.T) {
	m := &provider.Method{Name: "list", HTTPMethod: "GET", Path: "/items/{ids}", Params: []*provider.Param{
		{Name: "ids", In: "path", Type: "array"},
		{Name: "expand", In: "query", Type: "array", Explode: true},
		{Name: "fields", In: "query", Type: "array"},
		{Name: "tags", In: "query", Type: "array", Style: "pipeDelimited"},
		{Name: "words", In: "query", Type: "array", Style: "spaceDelimited"},
		{Name: "n", In: "query", Type: "integer"},
	}}
	c := &Call{Method: m, BaseURL: "https://api.example", Params: map[string]string{
		"ids":    `[1,2]`,
		"expand": `["settings","count"]`,
		"fields": "id,name",
		"tags":   `["a","b"]`,
		"words":  "x,y",
		"n":      "7",
	}}
	got, err := c.URL()
	if err != nil {
		t.Fatal(err)
	}
	want := "https://api.example/items/1,2?expand=settings&expand=count&fields=id%2Cname&n=7&tags=a%7Cb&words=x+y"
	if got != want {
		t.Errorf("URL\n got %s\nwant %s", got, want)
	}
}
