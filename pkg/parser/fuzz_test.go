package parser

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics and that what it returns is
// consistent with its input. Run: go test ./pkg/parser -fuzz FuzzParse
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"SELECT name FROM azure.data_protection.backup_instances WHERE subscriptionId = lower('X') AND vaultName IN ('a','b')",
		"SELECT bi.name FROM azure.dp.vaults v JOIN azure.dp.bi bi ON bi.vaultName = v.name, json_each(bi.properties) j WHERE j.key = 'a' || 'b'",
		"WITH a AS (SELECT * FROM p.s.r) SELECT key FROM a UNION SELECT x->>'$.a' FROM p.s.t -- c\n;",
		"INSERT /*+ NOWAIT */ INTO p.s.r (a) VALUES ('1') RETURNING id; UPDATE p.s.r SET a = 1 WHERE b = 2",
		"EXEC p.s.r.M @a='1' @@json='{\"x\": 1}'; SHOW METHODS IN p.s.r; DESCRIBE p.s.r; REGISTRY PULL p v1.0",
		"SELECT CAST(a AS INTEGER), 'C:\\', \"q\"\"x\", [b] FROM p.s.r WHERE a IS b AND c ISNULL # x",
		"SELECT 'unterminated",
		"SELECT a FROM t WHERE (a = 1",
		"SELECT a FROM p.s.r WHERE b = 1 /* \x00 */ AND c = 'x'",
		"SELECT $filter FROM p.s.r WHERE $filter = 'a' AND sub_id = $1; DELETE FROM p.s.r WHERE If-Match = '*' RETURNING name, tags",
		"REPLACE INTO p.s.r SET data__a = '{}' WHERE x-ms-a-1 = 'b'; EXEC p.s.r.M @If-Match='*' @\"x-y\"='z', @$top=1",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, input string) {
		stmts, err := Parse(input)
		if err != nil {
			var se *SyntaxError
			if errors.As(err, &se) && (se.Line < 1 || se.Column < 1) {
				t.Fatalf("error position %d:%d is not 1-based: %v", se.Line, se.Column, err)
			}
			return
		}
		if strings.IndexByte(input, 0) >= 0 {
			t.Fatalf("accepted SQL with a NUL byte, where SQLite would stop reading: %q", input)
		}
		for _, s := range stmts {
			if s.Offset() < 0 || s.Offset()+len(s.Text()) > len(input) || input[s.Offset():s.Offset()+len(s.Text())] != s.Text() {
				t.Fatalf("statement text %q is not at offset %d", s.Text(), s.Offset())
			}
			if sel, ok := s.(*Select); ok {
				for _, ref := range sel.Tables {
					if ref.Start < 0 || ref.End > len(sel.Text()) || ref.Start >= ref.End {
						t.Fatalf("table span %d..%d outside %q", ref.Start, ref.End, sel.Text())
					}
				}
				sel.SQLiteText(func(ref TableRef) string { return ref.Name.Resource })
			}
		}
	})
}

// BenchmarkParse measures a typical join query: lexing, normalization, the
// vitess parse and the analysis.
func BenchmarkParse(b *testing.B) {
	query := `SELECT bi.name, bi.properties->>'$.protectionStatus.status' AS status
FROM azure.data_protection.backup_vaults v
JOIN azure.data_protection.backup_instances bi
  ON bi.vaultName = v.name AND bi.resourceGroupName = split_part(v.id, '/', 5)
WHERE v.subscriptionId = lower('0000-AAAA') AND bi.subscriptionId IN ('0000-aaaa', '1111-bbbb')
ORDER BY bi.name`
	for b.Loop() {
		if _, err := Parse(query); err != nil {
			b.Fatal(err)
		}
	}
}
