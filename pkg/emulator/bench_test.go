package emulator

import (
	"bytes"
	"cmp"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"testing"

	"github.com/skyql/skyql/pkg/provider"
)

// BenchmarkNew100k: building an emulator with one vault of 100,000 backup
// instances (routing table + seeded store).
func BenchmarkNew100k(b *testing.B) {
	svc := []*provider.Service{dataProtectionService(b)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(svc, Options{Dataset: SingleVault(100_000)}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListPages fetches 100-item pages of a 100,000-instance vault
// over loopback HTTP, following nextLink, and reports pages/s.
func BenchmarkListPages(b *testing.B) {
	e, base := startEmulator(b, Options{Dataset: SingleVault(100_000)})
	first := base + vaultPath(DefaultVault) + "/backupInstances?api-version=" + testAPIVersion
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	next := first
	var bytesRead int64
	b.ResetTimer()
	for b.Loop() {
		req, _ := http.NewRequest("GET", next, nil)
		req.Header.Set("Authorization", "Bearer "+e.Token())
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("%d %v", resp.StatusCode, err)
		}
		bytesRead += int64(len(body))
		// Only the nextLink is needed, and the emulator writes it last:
		// decoding the whole page would measure the client, not the server.
		next = first
		if i := bytes.LastIndex(body, []byte(`"nextLink":`)); i >= 0 {
			if err := json.Unmarshal(body[i+len(`"nextLink":`):len(body)-1], &next); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
	b.ReportMetric(float64(bytesRead)/float64(b.N), "bytes/page")
}

// BenchmarkListPagesParallel: as BenchmarkListPages with one pager per
// client goroutine (GOMAXPROCS of them), all on the same vault.
func BenchmarkListPagesParallel(b *testing.B) {
	e, base := startEmulator(b, Options{Dataset: SingleVault(100_000)})
	first := base + vaultPath(DefaultVault) + "/backupInstances?api-version=" + testAPIVersion
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		next := first
		for pb.Next() {
			req, _ := http.NewRequest("GET", next, nil)
			req.Header.Set("Authorization", "Bearer "+e.Token())
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 {
				b.Errorf("%d %v", resp.StatusCode, err)
				return
			}
			next = first
			if i := bytes.LastIndex(body, []byte(`"nextLink":`)); i >= 0 {
				if err := json.Unmarshal(body[i+len(`"nextLink":`):len(body)-1], &next); err != nil {
					b.Error(err)
					return
				}
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
	b.ReportMetric(float64(e.Stats().MaxInFlight), "max-in-flight")
}

// BenchmarkServeProvider: the sandbox's start-up over the generated Azure
// provider: routes from the scanned path templates and the seeded store,
// no document parsed. SKYQL_BENCH_PROVIDER names another provider
// version directory to measure (e.g. one generated from every Azure spec).
func BenchmarkServeProvider(b *testing.B) {
	dir := cmp.Or(os.Getenv("SKYQL_BENCH_PROVIDER"), generatedAzure)
	b.ReportAllocs()
	for b.Loop() {
		p, err := provider.LoadDir(dir)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ServeProvider(p, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
