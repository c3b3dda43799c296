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
// With -floor it is the I/O floor instead: it reads each page's bytes and
// finds nextLink with a byte scan, decoding no row (items=0): what no
// client that reads the pages can do with less.
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
		floor       = flag.Bool("floor", false, "the I/O floor: find each page's nextLink with a byte scan, decode no row")
	)
	flag.Var(&st, "stage", "comma-separated first-page URLs fetched concurrently (repeatable; stages run in order)")
	flag.Parse()
	var err error
	if *dbFile != "" {
		err = runQuery(*dbFile, *query, *tableLike)
	} else {
		read := decodePage
		if *floor {
			read = scanPage
		}
		err = fetchAll(st, *token, *concurrency, read)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "limit:", err)
		os.Exit(1)
	}
}

// pageReader reads a page's body: its next link and how many items it
// decoded.
type pageReader func(body []byte) (next string, items int, err error)

func fetchAll(st stages, token string, concurrency int, read pageReader) error {
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
					if err := fetchList(client, token, urls[i], read, &pages, &items); err != nil {
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
func fetchList(client *http.Client, token, url string, read pageReader, pages, items *atomic.Int64) error {
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
		next, n, err := read(body)
		if err != nil {
			return fmt.Errorf("GET %s: %w", url, err)
		}
		pages.Add(1)
		items.Add(int64(n))
		url = next
	}
	return nil
}

// decodePage decodes the page into generic values, as a client that
// decodes every row must at least.
func decodePage(body []byte) (string, int, error) {
	var page struct {
		Value    []any  `json:"value"`
		NextLink string `json:"nextLink"`
	}
	err := json.Unmarshal(body, &page)
	return page.NextLink, len(page.Value), err
}

// nextLinkKey is what scanPage looks for. ARM writes nextLink after the
// rows, so the scan runs from the end of the body.
var nextLinkKey = []byte(`"nextLink":`)

// scanPage finds the page's nextLink with a byte scan and decodes only
// that string (ARM escapes & in it as \u0026).
func scanPage(body []byte) (string, int, error) {
	at := bytes.LastIndex(body, nextLinkKey)
	if at < 0 {
		return "", 0, nil
	}
	rest := bytes.TrimLeft(body[at+len(nextLinkKey):], " \t\r\n")
	if !bytes.HasPrefix(rest, []byte(`"`)) {
		return "", 0, nil // null: the last page
	}
	end := 1
	for end < len(rest) && rest[end] != '"' {
		if rest[end] == '\\' {
			end++
		}
		end++
	}
	if end >= len(rest) {
		return "", 0, fmt.Errorf("nextLink is not a terminated string")
	}
	var next string
	err := json.Unmarshal(rest[:end+1], &next)
	return next, 0, err
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
