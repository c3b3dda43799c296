package engine

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/skyql/skyql/pkg/emulator"
	"github.com/skyql/skyql/pkg/emulator/emulatortest"
	"github.com/skyql/skyql/pkg/executor"
	"github.com/skyql/skyql/pkg/output"
	"github.com/skyql/skyql/pkg/provider"
	"github.com/skyql/skyql/pkg/store"
)

// dirCatalog serves the committed Azure provider documents.
type dirCatalog struct{ p *provider.Provider }

func (c dirCatalog) Providers() ([]ProviderInfo, error) {
	return []ProviderInfo{{Name: c.p.Name, Version: c.p.Version, Origin: "test", InUse: true}}, nil
}

func (c dirCatalog) Open(name string) (*provider.Provider, error) {
	if name != c.p.Name {
		return nil, fmt.Errorf("unknown provider %s", name)
	}
	return c.p, nil
}

type bearer string

func (b bearer) Authorize(_ context.Context, r *http.Request) error {
	r.Header.Set("Authorization", "Bearer "+string(b))
	return nil
}

// newSession starts the emulator on the Azure documents and a session
// against it with a scratch store.
func newSession(t *testing.T, opts emulator.Options) (*Session, *emulator.Emulator, *strings.Builder) {
	t.Helper()
	s, em, _, stderr := newSessionWithStore(t, opts, store.Options{TTL: time.Minute})
	return s, em, stderr
}

// newSessionWithStore is newSession with a store opened with storeOpts.
func newSessionWithStore(t *testing.T, opts emulator.Options, storeOpts store.Options) (*Session, *emulator.Emulator, *store.Store, *strings.Builder) {
	t.Helper()
	p, em, url := emulatortest.StartServices(t, "../../registry/src/azure/v0.1.0", []string{"data_protection"}, opts)
	st, err := store.Open(context.Background(), storeOpts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	stderr := &strings.Builder{}
	s := New(Config{
		Catalog:   dirCatalog{p},
		Store:     st,
		Executor:  executor.New(executor.Options{Concurrency: 4}),
		Auth:      func(*provider.Provider) (executor.Authorizer, error) { return bearer(em.Token()), nil },
		Endpoints: map[string]string{"azure": url},
		Stderr:    stderr,
	})
	return s, em, st, stderr
}

// rows collects a result as text.
type rows struct {
	cols []string
	data [][]string
}

func (r *rows) Begin(cols []output.Column) error {
	for _, c := range cols {
		r.cols = append(r.cols, c.Name)
	}
	return nil
}

func (r *rows) Row(values []any) error {
	row := make([]string, len(values))
	for i, v := range values {
		row[i] = fmt.Sprint(v)
	}
	r.data = append(r.data, row)
	return nil
}

func (r *rows) End() error { return nil }

const where = "subscriptionId = '00000000-0000-0000-0000-000000000001' AND resourceGroupName = 'rg-prod-eastus'"

func TestInListFansOutAndCountsEveryRow(t *testing.T) {
	// Equalities of one column OR-ed are an IN list.
	for _, vaults := range []string{"vaultName IN ('vault-prod-01', 'vault-prod-02')", "(vaultName = 'vault-prod-01' OR vaultName = 'vault-prod-02')"} {
		s, em, _ := newSession(t, emulator.Options{})
		var got rows
		err := s.Execute(context.Background(), "SELECT vaultName, count(*) AS n FROM azure.data_protection.backup_instances WHERE "+
			where+" AND "+vaults+" GROUP BY vaultName ORDER BY vaultName", &got)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got.data) != "[[vault-prod-01 150] [vault-prod-02 150]]" {
			t.Fatalf("%s: rows %v", vaults, got.data)
		}
		if st := em.Stats(); st.Requests != 4 {
			t.Errorf("%s: %d requests, want 2 vaults x 2 pages", vaults, st.Requests)
		}
	}
}

func TestAFailedCallFailsTheQueryWithoutRows(t *testing.T) {
	s, _, _ := newSession(t, emulator.Options{})
	var got rows
	err := s.Execute(context.Background(), "SELECT name FROM azure.data_protection.backup_instances WHERE "+
		where+" AND vaultName IN ('vault-prod-01', 'missing')", &got)
	var pe *PartialError
	if !errors.As(err, &pe) || len(pe.Failures) != 1 || pe.Total != 2 || pe.Printed {
		t.Fatalf("got %v", err)
	}
	if !strings.Contains(pe.Failures[0].Call, "vaultName=missing") || !strings.Contains(pe.Error(), "ParentResourceNotFound") {
		t.Errorf("failure does not name the call and the API's code: %v", pe)
	}
	if len(got.data) != 0 {
		t.Errorf("rows were written for a failed query: %v", got.data)
	}
}

func TestWriteChecksRequiredInputBeforeSending(t *testing.T) {
	s, em, _ := newSession(t, emulator.Options{})
	err := s.Execute(context.Background(), `EXEC azure.data_protection.backup_instances.BackupInstances_TriggerRehydrate
		@subscriptionId='00000000-0000-0000-0000-000000000001', @resourceGroupName='rg-prod-eastus', @vaultName='vault-prod-01',
		@backupInstanceName='x' @@json='{"recoveryPointId":"rp"}'`, &rows{})
	if err == nil || !strings.Contains(err.Error(), "data__rehydrationRetentionDuration") {
		t.Fatalf("got %v", err)
	}
	if n := em.Stats().Requests; n != 0 {
		t.Fatalf("%d requests sent for an incomplete statement", n)
	}
}

func TestAWriteRefusesParameterValuesFromASubquery(t *testing.T) {
	s, em, _ := newSession(t, emulator.Options{})
	err := s.Execute(context.Background(), "DELETE FROM azure.data_protection.backup_instances WHERE "+where+
		" AND vaultName = 'vault-prod-01' AND backupInstanceName IN (SELECT name FROM azure.data_protection.backup_instances WHERE "+where+" AND vaultName = 'vault-prod-01')", &rows{})
	if err == nil || !strings.Contains(err.Error(), "not from a subquery (backupInstanceName IN (SELECT ...))") {
		t.Fatalf("got %v", err)
	}
	if n := em.Stats().Requests; n != 0 {
		t.Fatalf("%d requests sent", n)
	}
}

func TestAWriteTakesTheValuesEveryConditionAllows(t *testing.T) {
	s, _, _ := newSession(t, emulator.Options{})
	ctx := context.Background()
	const vault = " AND vaultName = 'vault-prod-01'"
	var names rows
	if err := s.Execute(ctx, "SELECT name FROM azure.data_protection.backup_instances WHERE "+where+vault+" ORDER BY name LIMIT 2", &names); err != nil {
		t.Fatal(err)
	}
	a, b := names.data[0][0], names.data[1][0]
	// The OR allows a and b, the equality only a: only a goes.
	err := s.Execute(ctx, "DELETE FROM azure.data_protection.backup_instances WHERE "+where+vault+
		" AND backupInstanceName = '"+a+"' AND (backupInstanceName = '"+a+"' OR backupInstanceName = '"+b+"')", &rows{})
	if err != nil {
		t.Fatal(err)
	}
	var left rows
	if err := s.Execute(ctx, "SELECT name FROM azure.data_protection.backup_instances WHERE "+where+vault+" AND name IN ('"+a+"', '"+b+"')", &left); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(left.data) != "[["+b+"]]" {
		t.Fatalf("left %v; want only %s deleted", left.data, a)
	}
	for sql, want := range map[string]string{
		" AND backupInstanceName = 'x' AND backupInstanceName = 'y'": "WHERE leaves backupInstanceName no value",
		" AND backupInstanceName = 'x' AND name = 'x'":               "name is not one: a write cannot filter on other columns",
	} {
		err := s.Execute(ctx, "DELETE FROM azure.data_protection.backup_instances WHERE "+where+vault+sql, &rows{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", sql, err)
		}
	}
}

func TestLikeMatcher(t *testing.T) {
	m := likeMatcher("backup%_s")
	for in, want := range map[string]bool{"backup_vaults": true, "BACKUP_INSTANCES": true, "backups": false, "jobs": false} {
		if m(in) != want {
			t.Errorf("LIKE 'backup%%_s' on %q = %v", in, !want)
		}
	}
	if !likeMatcher("")("anything") {
		t.Error("an empty pattern must match")
	}
}

// columnsOf records a result's columns as the output writers see them.
type columnsOf struct {
	rows
	types []output.Column
}

func (c *columnsOf) Begin(cols []output.Column) error {
	c.types = cols
	return c.rows.Begin(cols)
}

// JSON columns are stored as JSONB. A statement that reads one through JSON
// functions alone is handed the JSONB; any other sees JSON text. Both must
// answer alike.
func TestJSONColumnsAnswerAlikeAsJSONBAndAsText(t *testing.T) {
	s, _, _ := newSession(t, emulator.Options{})
	ctx := context.Background()
	const filter = " WHERE " + where + " AND vaultName = 'vault-prod-01'"
	const from = " FROM azure.data_protection.backup_instances bi" + filter
	const jsonReads = "SELECT name, json_extract(properties, '$.currentProtectionState') AS s, properties -> '$.policyInfo' AS p," +
		" bi.properties ->> '$.dataSourceInfo.resourceName' AS r, json_type(systemData) AS t" + from
	pairs := []struct{ jsonb, text string }{
		{jsonReads + " ORDER BY name", jsonReads + " AND length(properties) > 0 AND systemData || '' <> '' ORDER BY name"},
		{"SELECT j.key, count(*) AS n FROM azure.data_protection.backup_instances bi, json_each(bi.properties) AS j" + filter + " GROUP BY j.key ORDER BY j.key",
			"SELECT j.key, count(*) AS n FROM azure.data_protection.backup_instances bi, json_each(bi.properties) AS j" + filter + " AND properties IS NOT NULL GROUP BY j.key ORDER BY j.key"},
		{"SELECT j.key, j.json FROM azure.data_protection.backup_instances bi, json_each(bi.properties) AS j" + filter + " ORDER BY name, j.key LIMIT 20",
			"SELECT j.key, j.json FROM azure.data_protection.backup_instances bi, json_each(bi.properties) AS j" + filter + " AND length(properties) > 0 ORDER BY name, j.key LIMIT 20"},
		{"SELECT count(*) AS n" + from + " AND properties ->> '$.currentProtectionState' = 'ProtectionConfigured'",
			`SELECT count(*) AS n` + from + ` AND properties LIKE '%"currentProtectionState":"ProtectionConfigured"%'`},
	}
	for _, p := range pairs {
		var a, b rows
		if err := s.Execute(ctx, p.jsonb, &a); err != nil {
			t.Fatalf("%s: %v", p.jsonb, err)
		}
		if err := s.Execute(ctx, p.text, &b); err != nil {
			t.Fatalf("%s: %v", p.text, err)
		}
		if len(a.data) == 0 || fmt.Sprint(a.data) != fmt.Sprint(b.data) {
			t.Fatalf("answers differ:\n %s\n -> %.300v\n %s\n -> %.300v", p.jsonb, a.data, p.text, b.data)
		}
	}
	// JSON columns shown as text stay typed JSON, under their own name or
	// another; a column renamed to a JSON column's name does not become one.
	var plain columnsOf
	if err := s.Execute(ctx, "SELECT properties, bi.systemData AS sd, name AS tags"+from+" LIMIT 1", &plain); err != nil {
		t.Fatal(err)
	}
	if len(plain.data) != 1 || !strings.HasPrefix(plain.data[0][0], `{"`) || !strings.HasPrefix(plain.data[0][1], `{"`) {
		t.Fatalf("JSON columns must read as JSON text: %v", plain.data)
	}
	if got := fmt.Sprint(plain.types); got != "[{properties true} {sd true} {tags false}]" {
		t.Fatalf("column types %s", got)
	}
	var wrapped columnsOf
	if err := s.Execute(ctx, "SELECT p, x, s FROM (SELECT properties AS p, 'true' AS x, properties ->> 'provisioningState' AS s, name AS properties"+from+" LIMIT 1) AS sub", &wrapped); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(wrapped.types); got != "[{p true} {x false} {s false}]" {
		t.Fatalf("column types through a subquery %s", got)
	}
}

// failingWriter fails on its tenth row, as a closed stdout would.
type failingWriter struct{ rows }

var errWriterClosed = errors.New("writer closed")

func (f *failingWriter) Row(values []any) error {
	if len(f.data) == 9 {
		return errWriterClosed
	}
	return f.rows.Row(values)
}

func TestAWriterErrorEndsTheQuery(t *testing.T) {
	s, _, _ := newSession(t, emulator.Options{})
	var w failingWriter
	err := s.Execute(context.Background(), "SELECT name FROM azure.data_protection.backup_instances WHERE "+
		where+" AND vaultName IN ('vault-prod-01', 'vault-prod-02')", &w)
	if !errors.Is(err, errWriterClosed) {
		t.Fatalf("got %v, want the writer's error", err)
	}
	if len(w.data) != 9 {
		t.Errorf("%d rows written before the failure, want 9", len(w.data))
	}
	// The session still works: the scanner let go of the store.
	var again rows
	if err := s.Execute(context.Background(), "SELECT count(*) AS n FROM azure.data_protection.backup_instances WHERE "+
		where+" AND vaultName = 'vault-prod-01'", &again); err != nil || fmt.Sprint(again.data) != "[[150]]" {
		t.Fatalf("after a failed write: %v %v", again.data, err)
	}
}
