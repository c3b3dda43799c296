package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/skyql/skyql/pkg/emulator"
)

func TestAMisspeltColumnGetsTheNearestName(t *testing.T) {
	s, _, _ := newSession(t, emulator.Options{})
	for query, want := range map[string]string{
		"SELECT nme FROM azure.data_protection.backup_vaults WHERE subscriptionId = '00000000-0000-0000-0000-000000000001'":                            "no such column: nme; did you mean name?",
		"SELECT v.name FROM azure.data_protection.backup_vaults v WHERE v.subscriptionId = '00000000-0000-0000-0000-000000000001' AND v.locaton = 'x'": "no such column: v.locaton; did you mean location?",
	} {
		err := s.Execute(context.Background(), query, &rows{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s:\n got %v\nwant %q", query, err, want)
		}
	}
}
