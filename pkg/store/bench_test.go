package store

import (
	"context"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// processCPU is the CPU time (user and system) the process has used.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchInstance is a backup instance as the emulator and ARM serve it
// (about 1.3 KiB); %d makes each item distinct.
const benchInstance = `{"id":"/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-prod-eastus/providers/Microsoft.DataProtection/backupVaults/vault-prod-01/backupInstances/aks-prod01-%06d-49fd1d8b-e909-45b0-81bd-14b49f4244f0","name":"aks-prod01-%06d-49fd1d8b-e909-45b0-81bd-14b49f4244f0","type":"Microsoft.DataProtection/backupVaults/backupInstances","tags":{"env":"prod","owner":"team-data"},"systemData":{"createdBy":"ops@contoso.example","createdByType":"User","createdAt":"2024-03-25T03:00:00Z","lastModifiedBy":"ops@contoso.example","lastModifiedByType":"User","lastModifiedAt":"2024-03-25T03:00:00Z"},"properties":{"friendlyName":"aks-prod01-000011","dataSourceInfo":{"datasourceType":"Microsoft.ContainerService/managedClusters","objectType":"Datasource","resourceID":"/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-prod-eastus/providers/Microsoft.ContainerService/managedClusters/aks-prod01-000011","resourceLocation":"eastus","resourceName":"aks-prod01-000011","resourceType":"Microsoft.ContainerService/managedClusters","resourceUri":"/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-prod-eastus/providers/Microsoft.ContainerService/managedClusters/aks-prod01-000011"},"policyInfo":{"policyId":"/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-prod-eastus/providers/Microsoft.DataProtection/backupVaults/vault-prod-01/backupPolicies/policy-aks-daily","policyVersion":"1.0"},"protectionStatus":{"status":"ProtectionConfigured"},"currentProtectionState":"ProtectionConfigured","provisioningState":"Succeeded","objectType":"BackupInstance"}}`

var benchInstanceColumns = []Column{
	{Name: "api-version", Kind: KindText, Param: true},
	{Name: "subscriptionId", Kind: KindText, Param: true, IDSegment: 2, IDLabel: "subscriptions"},
	{Name: "resourceGroupName", Kind: KindText, Param: true, IDSegment: 4, IDLabel: "resourceGroups"},
	{Name: "vaultName", Kind: KindText, Param: true, IDSegment: 8, IDLabel: "backupVaults"},
	// The Get method's parameter, which a list call does not carry: filled
	// from each row's id.
	{Name: "backupInstanceName", Kind: KindText, Param: true, IDSegment: 10, IDLabel: "backupInstances"},
	{Name: "id", Kind: KindText},
	{Name: "name", Kind: KindText},
	{Name: "properties", Kind: KindJSON},
	{Name: "systemData", Kind: KindJSON},
	{Name: "tags", Kind: KindJSON},
	{Name: "type", Kind: KindText},
}

// BenchmarkIngestPages writes 100-item pages of backup instances into a
// cache database through an ingest, as a fetch does, and reports rows/s.
func BenchmarkIngestPages(b *testing.B) {
	ctx := b.Context()
	s, err := Open(ctx, Options{Path: filepath.Join(b.TempDir(), "cache.db"), TTL: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	tbl, err := s.EnsureTable(ctx, "azure.data_protection.backup_instances", benchInstanceColumns)
	if err != nil {
		b.Fatal(err)
	}
	const generation = 1
	params := map[string]string{"api-version": "2022-05-01", "subscriptionId": "00000000-0000-0000-0000-000000000001",
		"resourceGroupName": "rg-prod-eastus", "vaultName": "vault-prod-01"}
	const perPage = 100
	pages := make([][][]byte, 50)
	for p := range pages {
		for i := range perPage {
			n := p*perPage + i
			pages[p] = append(pages[p], fmt.Appendf(nil, benchInstance, n, n))
		}
	}
	in := s.newIngest(ctx)
	cpuBefore := processCPU(b)
	b.ResetTimer()
	n := 0
	for b.Loop() {
		if err := in.add(tbl, generation, params, pages[n%len(pages)]); err != nil {
			b.Fatal(err)
		}
		n++
	}
	if err := in.close(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	cpu := processCPU(b) - cpuBefore // not the checks below, which read every row
	if got := in.rows(generation); got != n*perPage {
		b.Fatalf("wrote %d rows, want %d", got, n*perPage)
	}
	var filled int
	if err := s.db.QueryRow(fmt.Sprintf(`SELECT count(*) FROM %s WHERE backupInstanceName LIKE 'aks-prod01-%%'`, quoteIdent(tbl.Name))).Scan(&filled); err != nil || filled != n*perPage {
		b.Fatalf("%d rows have their backupInstanceName from their id (%v), want %d", filled, err, n*perPage)
	}
	b.ReportMetric(float64(n*perPage)/b.Elapsed().Seconds(), "rows/s")
	// CPU per row is what the machine's other load does not change much:
	// rows/s on a shared machine is what the load leaves of its cores.
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(n*perPage), "cpu-ns/row")
}

// BenchmarkWritePages is the single writer's own work: 200 pages of 100
// backup instances, encoded beforehand, inserted into a new cache with a
// commit every 50 pages, and reports rows/s and CPU per row. Opening and
// closing the cache are not timed, but the CPU of the close's checkpoint
// is counted.
func BenchmarkWritePages(b *testing.B) {
	params := map[string]string{"api-version": "2022-05-01", "subscriptionId": "00000000-0000-0000-0000-000000000001",
		"resourceGroupName": "rg-prod-eastus", "vaultName": "vault-prod-01"}
	tbl := newTable("azure.data_protection.backup_instances", "bench", benchInstanceColumns)
	pages := make([]*pageBuffer, 200)
	for p := range pages {
		items := make([][]byte, 100)
		for i := range items {
			n := p*100 + i
			items[i] = fmt.Appendf(nil, benchInstance, n, n)
		}
		pages[p] = new(pageBuffer)
		if err := pages[p].encode(tbl, 1, params, items); err != nil {
			b.Fatal(err)
		}
	}
	cpuBefore := processCPU(b)
	for b.Loop() {
		b.StopTimer()
		s, err := Open(b.Context(), Options{Path: filepath.Join(b.TempDir(), "cache.db"), TTL: time.Minute})
		if err != nil {
			b.Fatal(err)
		}
		t, err := s.EnsureTable(b.Context(), tbl.Resource, benchInstanceColumns)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for n := 0; n < len(pages); n += 50 {
			tx, err := s.db.BeginTx(b.Context(), nil)
			if err != nil {
				b.Fatal(err)
			}
			stmt, err := tx.Prepare(insertSQL(t))
			if err != nil {
				b.Fatal(err)
			}
			for _, buf := range pages[n : n+50] {
				if _, err := writePage(b.Context(), stmt, page{table: t, buf: buf}); err != nil {
					b.Fatal(err)
				}
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
	rows := float64(b.N * len(pages) * 100)
	b.ReportMetric(rows/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64((processCPU(b)-cpuBefore).Nanoseconds())/rows, "cpu-ns/row")
}

// BenchmarkStoreFloor is the least a cache of backup instances can cost
// SQLite, the floor under BenchmarkIngestPages: the same table and index,
// 100 rows a statement, a commit every 1,000 rows with the checkpointer
// kicked after each, as the writer does; but each row's columns are the
// same constants (its JSON columns as JSONB made once), which SQLite
// repeats itself, so no JSON is read and nothing is bound per row. What it
// measures is SQLite's b-tree and log, and the kernel under them.
// "wal" is the cache as skyql keeps it; "no journal" is the scratch store
// of --no-cache, whose pages are written once instead of twice.
func BenchmarkStoreFloor(b *testing.B) {
	for _, bc := range []struct {
		name string
		path func(b *testing.B) string
	}{
		{"wal", func(b *testing.B) string { return filepath.Join(b.TempDir(), "cache.db") }},
		{"no journal", func(*testing.B) string { return "" }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := b.Context()
			s, err := Open(ctx, Options{Path: bc.path(b), TTL: time.Minute})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			t, err := s.EnsureTable(ctx, "azure.data_protection.backup_instances", benchInstanceColumns)
			if err != nil {
				b.Fatal(err)
			}
			item := fmt.Sprintf(benchInstance, 1, 1)
			var id, name, typ string
			var properties, systemData, tags []byte
			if err := s.db.QueryRowContext(ctx, `SELECT ?1 ->> '$.id', ?1 ->> '$.name', ?1 ->> '$.type', jsonb_extract(?1, '$.properties'),
				jsonb_extract(?1, '$.systemData'), jsonb_extract(?1, '$.tags')`, item).Scan(&id, &name, &typ, &properties, &systemData, &tags); err != nil {
				b.Fatal(err)
			}
			// Columns in the table's order (benchInstanceColumns).
			insert := fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
				INSERT INTO %s SELECT 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM n`, quoteIdent(t.Name))
			args := []any{"2022-05-01", "00000000-0000-0000-0000-000000000001", "rg-prod-eastus", "vault-prod-01",
				"aks-prod01-000001-49fd1d8b-e909-45b0-81bd-14b49f4244f0", id, name, properties, systemData, tags, typ}
			const pagesPerCommit = 10
			cpuBefore := processCPU(b)
			pages := 0
			tx, err := s.db.BeginTx(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := tx.ExecContext(ctx, insert, args...); err != nil {
					b.Fatal(err)
				}
				if pages++; pages%pagesPerCommit == 0 {
					if err := tx.Commit(); err != nil {
						b.Fatal(err)
					}
					if s.checkpoints != nil {
						s.checkpoints.soon()
					}
					if tx, err = s.db.BeginTx(ctx, nil); err != nil {
						b.Fatal(err)
					}
				}
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			cpu := processCPU(b) - cpuBefore
			var stored int
			if err := s.db.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*) FROM %s WHERE properties ->> '$.currentProtectionState' = 'ProtectionConfigured'`, quoteIdent(t.Name))).Scan(&stored); err != nil || stored != pages*100 {
				b.Fatalf("%d rows stored whole (%v), want %d", stored, err, pages*100)
			}
			b.ReportMetric(float64(pages*100)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(pages*100), "cpu-ns/row")
		})
	}
}

// BenchmarkEncodePage turns a 100-item page of backup instances into
// insert arguments, the work each fetch goroutine does per page, in a
// recycled buffer.
func BenchmarkEncodePage(b *testing.B) {
	tbl := newTable("azure.data_protection.backup_instances", "bench", benchInstanceColumns)
	params := map[string]string{"vaultName": "vault-prod-01"}
	var page [][]byte
	for i := range 100 {
		page = append(page, fmt.Appendf(nil, benchInstance, i, i))
	}
	b.SetBytes(int64(100 * len(page[0])))
	var buf pageBuffer // the writer recycles each page's buffer
	for b.Loop() {
		if err := buf.encode(tbl, 1, params, page); err != nil {
			b.Fatal(err)
		}
		clear(buf.args)
	}
}

// BenchmarkMaterializeCalls materializes 200 calls of one small page each
// into an empty cache, as each level of a fan-out over 200 subscriptions
// does, and reports the store's bookkeeping per call: looking the calls up,
// leasing them, and swapping their rows in.
func BenchmarkMaterializeCalls(b *testing.B) {
	ctx := b.Context()
	const calls = 200
	item := [][]byte{[]byte(`{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.DataProtection/backupVaults/v","name":"v"}`)}
	fetch := func(ctx context.Context, indexes []int, add func(int, [][]byte) error) []error {
		errs := make([]error, len(indexes))
		for k, i := range indexes {
			errs[k] = add(i, item)
		}
		return errs
	}
	for b.Loop() {
		b.StopTimer()
		s, err := Open(ctx, Options{Path: filepath.Join(b.TempDir(), "cache.db"), TTL: time.Minute})
		if err != nil {
			b.Fatal(err)
		}
		tbl, err := s.EnsureTable(ctx, "azure.data_protection.backup_vaults", benchInstanceColumns)
		if err != nil {
			b.Fatal(err)
		}
		requests := make([]Call, calls)
		for i := range requests {
			key := fmt.Sprintf("GET https://management.azure.com/subscriptions/00000000-0000-0000-0000-%012d/providers/Microsoft.DataProtection/backupVaults?api-version=2022-05-01", i)
			requests[i] = Call{Key: key, Description: key, Params: map[string]string{"subscriptionId": fmt.Sprint(i)}}
		}
		b.StartTimer()
		res, err := s.Materialize(ctx, tbl, requests, fetch)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if len(res) != calls || res[calls-1].Rows != 1 {
			b.Fatalf("materialized %d calls, the last with %d rows; want %d calls of 1 row", len(res), res[calls-1].Rows, calls)
		}
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*calls), "µs/call")
}
