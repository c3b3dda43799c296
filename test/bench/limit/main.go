// Command limit is the physical limit the benchmark harness measures skyql
// against: it fetches exactly the pages skyql fetches, with the same
// concurrency, decodes each page with encoding/json into a generic value,
// follows nextLink, and does nothing else. Whatever skyql spends beyond
// this program is skyql's own cost.
//
//	limit -token T -concurrency 8 -stage URL1,URL2 -stage URL3,...
//
// Stages run one after another (a join's vault list, then its instance
// lists); the URLs of a stage are fetched concurrently, each to its last
// page. It prints "pages=N items=M" on stdout.
//
// With -sqlite FILE -query SQL it instead runs one query on a SQLite file
// and reads every row: the limit of a query skyql answers from its cache.
// "{table}" in SQL is replaced by the first table whose name contains
// -table-like.
package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	_ "github.com/mattn/go-sqlite3"
)

type stages [][]string

func (s *stages) String() string { return fmt.Sprint(*s) }
func (s *stages) Set(v string) error {
	*s = append(*s, strings.Split(v, ","))
	return nil
}

func main() {
	var (
		st          stages
		token       = flag.String("token", "", "bearer token")
		concurrency = flag.Int("concurrency", 8, "lists fetched at once")
		dbFile      = flag.String("sqlite", "", "SQLite file to query instead of fetching")
		query       = flag.String("query", "", "SQL to run with -sqlite")
		tableLike   = flag.String("table-like", "backup_instances", "substring of the table {table} stands for")
	)
	flag.Var(&st, "stage", "comma-separated first-page URLs fetched concurrently (repeatable; stages run in order)")
	flag.Parse()
	var err error
	if *dbFile != "" {
		err = runQuery(*dbFile, *query, *tableLike)
	} else {
		err = fetchAll(st, *token, *concurrency)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "limit:", err)
		os.Exit(1)
	}
}

func fetchAll(st stages, token string, concurrency int) error {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var pages, items atomic.Int64
	for _, urls := range st {
		var (
			wg       sync.WaitGroup
			next     atomic.Int64
			firstErr error
			mu       sync.Mutex
		)
		for range min(concurrency, len(urls)) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1) - 1)
					if i >= len(urls) {
						return
					}
					if err := fetchList(client, token, urls[i], &pages, &items); err != nil {
						mu.Lock()
						if firstErr == nil {
							firstErr = err
						}
						mu.Unlock()
					}
				}
			}()
		}
		wg.Wait()
		if firstErr != nil {
			return firstErr
		}
	}
	fmt.Printf("pages=%d items=%d\n", pages.Load(), items.Load())
	return nil
}

// fetchList follows one list to its last page.
func fetchList(client *http.Client, token, url string, pages, items *atomic.Int64) error {
	for url != "" {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s: %s", url, resp.Status, bytes.TrimSpace(body))
		}
		var page struct {
			Value    []any  `json:"value"`
			NextLink string `json:"nextLink"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			return fmt.Errorf("GET %s: %w", url, err)
		}
		pages.Add(1)
		items.Add(int64(len(page.Value)))
		url = page.NextLink
	}
	return nil
}

func runQuery(file, query, tableLike string) error {
	db, err := sql.Open("sqlite3", "file:"+file+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	if strings.Contains(query, "{table}") {
		var name string
		err := db.QueryRow(`SELECT name FROM sqlite_master WHERE type = 'table' AND instr(name, ?) > 0 ORDER BY name LIMIT 1`, tableLike).Scan(&name)
		if err != nil {
			return fmt.Errorf("finding the %s table in %s: %w", tableLike, file, err)
		}
		query = strings.ReplaceAll(query, "{table}", `"`+name+`"`)
	}
	rows, err := db.Query(query)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		n++
	}
	fmt.Printf("rows=%d\n", n)
	return rows.Err()
}
