package parser

import (
	"strings"
	"testing"
)

func TestNames(t *testing.T) {
	sel := parseSelect(t, "SELECT bi.name, count(*) AS \"n\" FROM azure.data_protection.backup_instances AS bi -- skyql_calls\n WHERE `name` > 'skyql_meta' GROUP BY bi.name")
	got := strings.Join(sel.Names(), " ")
	if got != "bi name count n azure data_protection backup_instances" {
		t.Fatalf("Names() = %s", got)
	}
}
