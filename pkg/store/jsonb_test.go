package store

import (
	"bytes"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

var jsonbSeeds = []string{
	`null`, `true`, `false`, `0`, `-0`, `7`, `-12`, `12345678901234567890`, `1.50`, `-0.5e-3`, `1E5`, `2e+10`,
	`""`, `"abc"`, `"a\"b\\c\/d\b\f\n\r\t"`, `"\u00e9\uD83D\uDE00"`, `"é 😀"`, `"twelve chars"`,
	`[]`, `{}`, `[1,2,3]`, ` [ 1 , "x" , null ] `, `{"a":1,"b":[true,false],"c":{"d":"e"}}`, `{"a":1,"a":2}`,
	"{\"k\":\t\"v\"\r\n}", `[[[[[[]]]]]]`,
	`{"id":"/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.DataProtection/backupVaults/v/backupInstances/x","properties":{"friendlyName":"aks-prod01-000003","dataSourceInfo":{"datasourceType":"Microsoft.ContainerService/managedClusters","objectType":"Datasource"},"protectionStatus":{"status":"ProtectionConfigured"},"n":3}}`,
	`"` + strings.Repeat("x", 300) + `"`, `"` + strings.Repeat("y", 70000) + `"`, `[` + strings.Repeat(`"0123456789",`, 30) + `1]`,
	// A container needs a header of each size: 1, 2, 3 and 5 bytes.
	`{"a":[` + strings.Repeat(`"0123456789",`, 7000) + `{"b":[1,2]}]}`,
}

// sqliteJSONB is SQLite's own encoding of text, or ok false when SQLite
// does not take it as RFC 8259 JSON.
func sqliteJSONB(t testing.TB, db *sql.DB, text string) (out []byte, ok bool) {
	t.Helper()
	var valid int
	if err := db.QueryRow(`SELECT json_valid(?, 1)`, text).Scan(&valid); err != nil {
		t.Fatal(err)
	}
	if valid != 1 {
		return nil, false
	}
	if err := db.QueryRow(`SELECT jsonb(?)`, text).Scan(&out); err != nil {
		t.Fatal(err)
	}
	return out, true
}

// escapeInStrings escapes the raw control characters inside the strings of
// JSON text, leaving whitespace between tokens alone.
func escapeInStrings(text string) string {
	var out []byte
	in, esc := false, false
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case !in:
			in = c == '"'
		case esc:
			esc = false
		case c == '\\':
			esc = true
		case c == '"':
			in = false
		case c < 0x20:
			out = append(out, escapeControls([]byte{c})...)
			continue
		}
		out = append(out, c)
	}
	return string(out)
}

func checkJSONB(t testing.TB, db *sql.DB, text string) {
	want, valid := sqliteJSONB(t, db, text)
	got, err := appendJSONB(nil, []byte(text))
	if !valid && err == nil {
		// Raw control characters in strings are let through, escaped:
		// the result must be what SQLite makes of the escaped text.
		want, valid = sqliteJSONB(t, db, escapeInStrings(text))
		if !valid || !bytes.Equal(got, want) {
			t.Fatalf("%.80q: SQLite refuses it, appendJSONB encoded %x", text, got)
		}
		return
	}
	switch {
	case valid && err != nil:
		t.Fatalf("%.80q: SQLite takes it, appendJSONB says %v", text, err)
	case !valid && err == nil:
		t.Fatalf("%.80q: SQLite refuses it, appendJSONB encoded %x", text, got)
	case valid && !bytes.Equal(got, want):
		t.Fatalf("%.80q:\n got %.200x\nwant %.200x", text, got, want)
	}
}

func TestAppendJSONBEncodesAsSQLiteDoes(t *testing.T) {
	s := openTemp(t, time.Minute)
	for _, text := range jsonbSeeds {
		checkJSONB(t, s.db, text)
	}
	for _, bad := range []string{``, ` `, `{`, `[1,]`, `{"a"}`, `{"a":}`, `{1:2}`, `01`, `1.`, `.5`, `-`, `1e`, `+1`,
		`"abc`, `"\x"`, `"\u12"`, "a\x01", `tru`, `nul`, `[1 2]`, `{"a":1,}`, `1 2`, `NaN`, `'a'`} {
		if _, err := appendJSONB(nil, []byte(bad)); err == nil {
			t.Errorf("%q: want an error", bad)
		}
		checkJSONB(t, s.db, bad)
	}
	deep := strings.Repeat("[", maxJSONBDepth+1) + strings.Repeat("]", maxJSONBDepth+1)
	if _, err := appendJSONB(nil, []byte(deep)); err == nil {
		t.Error("nesting beyond SQLite's limit must be refused")
	}
	// Raw control characters in strings are written as escapes.
	if got, err := appendJSONB(nil, []byte("\"a\x01\tb\"")); err != nil || string(got[1:]) != `a\u0001\tb` || got[0]&0xf != jsonbTextJ {
		t.Errorf("control characters: %q %v", got, err)
	}
	// Appending keeps what dst held.
	if got, _ := appendJSONB([]byte("ab"), []byte(`1`)); string(got[:2]) != "ab" || len(got) != 4 {
		t.Errorf("append: %x", got)
	}
}

// randomJSON writes a random JSON value, with the spellings an API may use:
// escapes, unicode, whitespace, every number form.
func randomJSON(r *rand.Rand, b *strings.Builder, depth int) {
	space := func() {
		if r.IntN(4) == 0 {
			b.WriteString([]string{" ", "\n", "\t", "\r\n  "}[r.IntN(4)])
		}
	}
	str := func() {
		b.WriteByte('"')
		for range r.IntN(20) {
			switch r.IntN(10) {
			case 0:
				b.WriteString([]string{`\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`, `\u00e9`, `\uD83D\uDE00`}[r.IntN(10)])
			case 1:
				b.WriteString("é😀")
			default:
				b.WriteByte(byte('a' + r.IntN(26)))
			}
		}
		if r.IntN(20) == 0 {
			b.WriteString(strings.Repeat("z", 300))
		}
		b.WriteByte('"')
	}
	// list writes up to four comma-separated elements between open and close.
	list := func(open, close byte, element func()) {
		b.WriteByte(open)
		for i := range r.IntN(5) {
			if i > 0 {
				b.WriteByte(',')
			}
			space()
			element()
			space()
		}
		b.WriteByte(close)
	}
	value := func() { randomJSON(r, b, depth+1) }
	switch k := r.IntN(10); {
	case depth < 5 && k < 2:
		list('[', ']', value)
	case depth < 5 && k < 4:
		list('{', '}', func() {
			str()
			space()
			b.WriteByte(':')
			space()
			value()
		})
	case k < 6:
		str()
	case k < 8:
		b.WriteString([]string{"0", "-0", "7", "-123", "3.25", "-0.001", "1e9", "2.5E-3", "1e+2", "12345678901234567890123"}[r.IntN(10)])
	default:
		b.WriteString([]string{"true", "false", "null"}[r.IntN(3)])
	}
}

func TestAppendJSONBOnRandomDocuments(t *testing.T) {
	checkJSONB(t, openTemp(t, time.Minute).db, "{\"k\":\t\"a\x01b\"\n}") // raw controls inside and whitespace outside
	s := openTemp(t, time.Minute)
	r := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		var b strings.Builder
		randomJSON(r, &b, 0)
		text := b.String()
		checkJSONB(t, s.db, text)
		// And a damaged copy: SQLite and appendJSONB must agree it is bad.
		if len(text) > 1 {
			cut := r.IntN(len(text))
			checkJSONB(t, s.db, text[:cut]+text[cut+1:])
		}
	}
}

func FuzzAppendJSONB(f *testing.F) {
	for _, s := range jsonbSeeds {
		f.Add(s)
	}
	s, err := Open(f.Context(), Options{TTL: time.Minute})
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	f.Fuzz(func(t *testing.T, text string) {
		if strings.IndexByte(text, 0) >= 0 {
			// SQLite reads text only up to a NUL. A raw NUL can only be
			// in a string, where it is escaped like any control character.
			if got, err := appendJSONB(nil, []byte(text)); err == nil {
				escaped := escapeInStrings(text)
				checkJSONB(t, s.db, escaped)
				if want, _ := appendJSONB(nil, []byte(escaped)); !bytes.Equal(got, want) {
					t.Fatalf("%q: a raw NUL must be escaped: %x", text, got)
				}
			}
			return
		}
		checkJSONB(t, s.db, text)
	})
}

func BenchmarkAppendJSONB(b *testing.B) {
	item := []byte(fmt.Sprintf(benchInstance, 1, 1))
	b.SetBytes(int64(len(item)))
	var buf []byte
	for b.Loop() {
		var err error
		if buf, err = appendJSONB(buf[:0], item); err != nil {
			b.Fatal(err)
		}
	}
}
