package parser

import (
	"reflect"
	"testing"
)

func TestTokensReportTheOpenLexemeAtTheEnd(t *testing.T) {
	toks, open, at := Tokens("SELECT json_extract(p, '$.st")
	var texts []string
	for _, tok := range toks {
		texts = append(texts, tok.Text)
	}
	if want := []string{"SELECT", "json_extract", "(", "p", ","}; !reflect.DeepEqual(texts, want) {
		t.Errorf("tokens %q, want %q", texts, want)
	}
	if open != "'$.st" || at != 23 {
		t.Errorf("open %q at %d, want '$.st at 23", open, at)
	}
	if _, open, _ := Tokens("SELECT 'done' -- note"); open != "" {
		t.Errorf("complete text has an open lexeme %q", open)
	}
}

func TestOneLineKeepsTheMeaning(t *testing.T) {
	for in, want := range map[string]string{
		"SELECT name\n  FROM t -- the table\n WHERE a = 1": "SELECT name FROM t /* the table */ WHERE a = 1",
		"SELECT 'two\nlines'\n# why\n, b":                  "SELECT 'two\nlines' /* why */ , b",
		"SELECT a.b,  c FROM t;":                           "SELECT a.b,  c FROM t;",
		"SELECT 1 -- odd */ comment\n":                     "SELECT 1",
	} {
		if got := OneLine(in); got != want {
			t.Errorf("OneLine(%q) = %q, want %q", in, got, want)
		}
	}
}
