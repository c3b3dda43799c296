package parser_test

import (
	"fmt"

	"github.com/skyql/skyql/pkg/parser"
)

func ExampleParse() {
	stmts, err := parser.Parse(`SELECT bi.name FROM azure.data_protection.backup_instances bi
WHERE bi.subscriptionId = lower('0000-AAAA') AND bi.vaultName IN ('v1', 'v2')`)
	if err != nil {
		fmt.Println(err)
		return
	}
	sel := stmts[0].(*parser.Select)
	for _, ref := range sel.Tables {
		fmt.Println(ref.Name, "as", ref.Alias)
		for _, p := range ref.Predicates {
			fmt.Println(" ", p.Source, p.Left.SQL, p.Op, p.Right.SQL, len(p.List))
		}
	}
	fmt.Println(sel.SQLiteText(func(parser.TableRef) string { return "t1" }))
	// Output:
	// azure.data_protection.backup_instances as bi
	//   WHERE bi.subscriptionId = lower('0000-AAAA') 0
	//   WHERE bi.vaultName IN  2
	// SELECT bi.name FROM t1 bi
	// WHERE bi.subscriptionId = lower('0000-AAAA') AND bi.vaultName IN ('v1', 'v2')
}

func ExampleSyntaxError() {
	_, err := parser.Parse("SELECT name\nFROM azure.compute.virtual_machines WHERE name = 'a' AND")
	fmt.Println(err)
	// Output:
	// incomplete statement at line 2, column 57
	//   FROM azure.compute.virtual_machines WHERE name = 'a' AND
	//                                                           ^
}
