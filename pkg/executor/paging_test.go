package executor

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/skyql/skyql/pkg/provider"
)

// pagedServer serves 23 numbered items at /items, in the paging style the
// test gives, and counts the pages it served.
type pagedServer struct {
	*httptest.Server
	mu    sync.Mutex
	pages int
}

const pagedTotal = 23

func newPagedServer(t *testing.T, style func(w http.ResponseWriter, r *http.Request, srv string) (from, to int)) *pagedServer {
	t.Helper()
	s := &pagedServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+testToken {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		s.mu.Lock()
		s.pages++
		s.mu.Unlock()
		from, to := style(w, r, s.URL)
		from, to = min(from, pagedTotal), min(to, pagedTotal)
		items := []map[string]int{}
		for i := from; i < to; i++ {
			items = append(items, map[string]int{"n": i})
		}
		// A style that sets X-Wrap gets {"data":[...],"total":N} with the
		// header's value, if any, as next_cursor.
		wrap, wrapped := w.Header()["X-Wrap"]
		w.Header().Del("X-Wrap")
		w.Header().Set("Content-Type", "application/json")
		if wrapped {
			body := map[string]any{"data": items, "total": pagedTotal}
			if wrap[0] != "" {
				body["next_cursor"] = wrap[0]
			}
			json.NewEncoder(w).Encode(body)
			return
		}
		json.NewEncoder(w).Encode(items)
	}))
	t.Cleanup(s.Close)
	return s
}

func offsetOf(r *http.Request, key string) int {
	n, _ := strconv.Atoi(r.URL.Query().Get(key))
	return n
}

func itemsCall(base string, p *provider.Pagination, objectKey string, params map[string]string) *Call {
	m := &provider.Method{
		Name: "list_items", HTTPMethod: "GET", Path: "/items", Pagination: p,
		Response: provider.Response{ObjectKey: objectKey},
		Params: []*provider.Param{
			{Name: "per_page", In: "query"}, {Name: "page", In: "query"}, {Name: "cursor", In: "query"},
		},
	}
	return &Call{Method: m, Params: params, BaseURL: base, Auth: bearer(testToken)}
}

// fetchAll runs one call and returns the item numbers in arrival order.
func fetchAll(t *testing.T, call *Call) ([]int, Result) {
	t.Helper()
	var got []int
	var mu sync.Mutex
	res := newTestExecutor(nil).Fetch(testContext(t), []*Call{call}, SinkFunc(func(_ int, items [][]byte) error {
		mu.Lock()
		defer mu.Unlock()
		for _, it := range items {
			var v struct{ N int }
			if err := json.Unmarshal(it, &v); err != nil {
				return err
			}
			got = append(got, v.N)
		}
		return nil
	}))[0]
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	return got, res
}

func assertAllItems(t *testing.T, got []int, res Result, wantPages int) {
	t.Helper()
	if len(got) != pagedTotal {
		t.Fatalf("got %d items %v, want %d", len(got), got, pagedTotal)
	}
	for i, n := range got {
		if n != i {
			t.Fatalf("item %d is %d: pages out of order or repeated: %v", i, n, got)
		}
	}
	if res.Pages != wantPages {
		t.Fatalf("followed %d pages, want %d", res.Pages, wantPages)
	}
}

func TestLinkHeaderPaging(t *testing.T) {
	srv := newPagedServer(t, func(w http.ResponseWriter, r *http.Request, base string) (int, int) {
		from := offsetOf(r, "offset")
		if from+10 < pagedTotal {
			// A relative target, another relation first, and a quoted
			// comma: all legal RFC 8288 that a naive split gets wrong.
			w.Header().Add("Link", fmt.Sprintf(`<%s/items?offset=0>; rel="first"; title="a, b", </items?offset=%d>; rel="next"`, base, from+10))
		}
		return from, from + 10
	})
	p := &provider.Pagination{RequestTokenLocation: "request", ResponseTokenKey: "Link", ResponseTokenLocation: "header"}
	got, res := fetchAll(t, itemsCall(srv.URL, p, "$[*]", nil))
	assertAllItems(t, got, res, 3)
}

func TestNamedHeaderPagingWithURLAndWithToken(t *testing.T) {
	asURL := newPagedServer(t, func(w http.ResponseWriter, r *http.Request, base string) (int, int) {
		from := offsetOf(r, "offset")
		if from+8 < pagedTotal {
			w.Header().Set("x-next", fmt.Sprintf("%s/items?offset=%d", base, from+8))
		}
		return from, from + 8
	})
	p := &provider.Pagination{RequestTokenLocation: "request", ResponseTokenKey: "x-next", ResponseTokenLocation: "header"}
	got, res := fetchAll(t, itemsCall(asURL.URL, p, "", nil))
	assertAllItems(t, got, res, 3)

	asToken := newPagedServer(t, func(w http.ResponseWriter, r *http.Request, base string) (int, int) {
		from := offsetOf(r, "cursor")
		if from+8 < pagedTotal {
			w.Header().Set("X-Next-Cursor", strconv.Itoa(from+8))
		}
		return from, from + 8
	})
	p = &provider.Pagination{RequestTokenKey: "cursor", RequestTokenLocation: "query", ResponseTokenKey: "X-Next-Cursor", ResponseTokenLocation: "header"}
	got, res = fetchAll(t, itemsCall(asToken.URL, p, "", nil))
	assertAllItems(t, got, res, 3)
}

func TestBodyTokenIntoQueryParam(t *testing.T) {
	srv := newPagedServer(t, func(w http.ResponseWriter, r *http.Request, base string) (int, int) {
		from := offsetOf(r, "cursor")
		next := ""
		if from+5 < pagedTotal {
			next = strconv.Itoa(from + 5)
		}
		w.Header()["X-Wrap"] = []string{next}
		return from, from + 5
	})
	p := &provider.Pagination{RequestTokenKey: "cursor", RequestTokenLocation: "query", ResponseTokenKey: "next_cursor", ResponseTokenLocation: "body"}
	got, res := fetchAll(t, itemsCall(srv.URL, p, "$.data", nil))
	assertAllItems(t, got, res, 5)
}

func TestPageNumberPaging(t *testing.T) {
	pageServer := func(defaultSize int) func(w http.ResponseWriter, r *http.Request, base string) (int, int) {
		return func(w http.ResponseWriter, r *http.Request, base string) (int, int) {
			page := offsetOf(r, "page")
			if page == 0 {
				page = 1
			}
			size := offsetOf(r, "per_page")
			if size == 0 {
				size = defaultSize
			}
			return (page - 1) * size, page * size
		}
	}
	byPageSize := &provider.Pagination{RequestTokenKey: "page", RequestTokenLocation: "query", ResponseTokenLocation: "none", FirstPage: 1, PageSizeKey: "per_page"}

	t.Run("size from the request's per_page", func(t *testing.T) {
		srv := newPagedServer(t, pageServer(100))
		got, res := fetchAll(t, itemsCall(srv.URL, byPageSize, "", map[string]string{"per_page": "7"}))
		assertAllItems(t, got, res, 4) // 7+7+7+2
	})
	t.Run("size from the first page", func(t *testing.T) {
		srv := newPagedServer(t, pageServer(6))
		got, res := fetchAll(t, itemsCall(srv.URL, byPageSize, "", nil))
		assertAllItems(t, got, res, 4) // 6+6+6+5
	})
	t.Run("exact multiple ends on an empty page", func(t *testing.T) {
		srv := newPagedServer(t, func(w http.ResponseWriter, r *http.Request, base string) (int, int) {
			page := max(offsetOf(r, "page"), 1)
			if page > 1 && (page-1)*23 >= pagedTotal {
				return pagedTotal, pagedTotal
			}
			return (page - 1) * 23, page * 23
		})
		got, res := fetchAll(t, itemsCall(srv.URL, byPageSize, "", nil))
		assertAllItems(t, got, res, 2)
	})
	t.Run("declared total stops without an extra request", func(t *testing.T) {
		srv := newPagedServer(t, func(w http.ResponseWriter, r *http.Request, base string) (int, int) {
			w.Header()["X-Wrap"] = []string{""}
			page := max(offsetOf(r, "page"), 1)
			return (page - 1) * 23, page * 23
		})
		withTotal := *byPageSize
		withTotal.TotalKey = "total"
		got, res := fetchAll(t, itemsCall(srv.URL, &withTotal, "$.data", nil))
		assertAllItems(t, got, res, 1)
		if srv.pages != 1 {
			t.Fatalf("the server served %d pages; the total said one was enough", srv.pages)
		}
	})
	t.Run("declared number of pages stops at the last", func(t *testing.T) {
		// One full page and no page size in the request: without the page
		// count the executor would have to ask for a second, empty page.
		srv, requests := newSinglePageServer(t, map[string]any{"page": 1, "pages": 1})
		withPages := *byPageSize
		withPages.PagesKey = "pages"
		got, res := fetchAll(t, itemsCall(srv.URL, &withPages, "$.data", nil))
		assertAllItems(t, got, res, 1)
		if n := requests.Load(); n != 1 {
			t.Fatalf("the server served %d pages; the page count said one was all", n)
		}
	})
	t.Run("has_more false stops without an extra request", func(t *testing.T) {
		srv, requests := newSinglePageServer(t, map[string]any{"meta": map[string]bool{"has_more": false}})
		withMore := *byPageSize
		withMore.MoreKey = "meta.has_more"
		got, res := fetchAll(t, itemsCall(srv.URL, &withMore, "$.data", nil))
		assertAllItems(t, got, res, 1)
		if n := requests.Load(); n != 1 {
			t.Fatalf("the server served %d pages; has_more said one was all", n)
		}
	})
	t.Run("a page served again ends the list", func(t *testing.T) {
		// A server that ignores the page parameter, as a static mock does:
		// without the guard the full first page would be asked for forever.
		srv := newPagedServer(t, func(w http.ResponseWriter, r *http.Request, base string) (int, int) {
			return 0, pagedTotal
		})
		got, res := fetchAll(t, itemsCall(srv.URL, byPageSize, "", nil))
		assertAllItems(t, got, res, 1)
		if srv.pages != 2 {
			t.Fatalf("the server served %d pages, want 2 (the first and its repeat)", srv.pages)
		}
	})
}

// newSinglePageServer serves every item on one page, {"data": [...]} with the
// fields of extra beside them, whatever page is asked for, and counts requests.
func newSinglePageServer(t *testing.T, extra map[string]any) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		items := []map[string]int{}
		for i := range pagedTotal {
			items = append(items, map[string]int{"n": i})
		}
		body := map[string]any{"data": items}
		for k, v := range extra {
			body[k] = v
		}
		json.NewEncoder(w).Encode(body)
	}))
	t.Cleanup(srv.Close)
	return srv, &requests
}

func TestNextLinkTarget(t *testing.T) {
	for _, c := range []struct {
		header []string
		want   string
	}{
		{[]string{`<https://api.example.com/items?page=2>; rel="next"`}, "https://api.example.com/items?page=2"},
		{[]string{`<https://a/1>; rel="prev", <https://a/3>; rel="next"`}, "https://a/3"},
		{[]string{`<https://a/1>; rel="prev"`, `<https://a/3>; rel=next`}, "https://a/3"},
		{[]string{`<https://a/3>; rel="next last"`}, "https://a/3"},
		{[]string{`<https://a/x>; title="rel=next, <https://evil/>"; rel="last"`}, ""},
		{[]string{`<https://a/3>; REL="Next"`}, "https://a/3"},
		{[]string{`<https://a/3>; rel="last"; rel="next"`}, ""},
		{nil, ""},
	} {
		if got := nextLinkTarget(c.header); got != c.want {
			t.Errorf("nextLinkTarget(%q) = %q, want %q", c.header, got, c.want)
		}
	}
}

func TestLinkHeaderToAnotherHostIsRefused(t *testing.T) {
	srv := newPagedServer(t, func(w http.ResponseWriter, r *http.Request, base string) (int, int) {
		w.Header().Set("Link", `<https://elsewhere.example/items?offset=10>; rel="next"`)
		return 0, 10
	})
	p := &provider.Pagination{RequestTokenLocation: "request", ResponseTokenKey: "Link", ResponseTokenLocation: "header"}
	res := newTestExecutor(nil).Fetch(testContext(t), []*Call{itemsCall(srv.URL, p, "", nil)}, SinkFunc(func(int, [][]byte) error { return nil }))[0]
	if res.Err == nil {
		t.Fatal("a Link to another host was followed")
	}
}

// A page's body goes back for reuse only after the sink has taken its
// items: a buffer taken while the sink runs (as another call's next page
// would be) never holds the items the sink is reading.
func TestAPageIsReusedOnlyAfterTheSinkTookIt(t *testing.T) {
	srv := newPagedServer(t, func(w http.ResponseWriter, r *http.Request, base string) (int, int) {
		from := offsetOf(r, "offset")
		if from+10 < pagedTotal {
			w.Header().Add("Link", fmt.Sprintf(`<%s/items?offset=%d>; rel="next"`, base, from+10))
		}
		return from, from + 10
	})
	p := &provider.Pagination{RequestTokenLocation: "request", ResponseTokenKey: "Link", ResponseTokenLocation: "header"}
	res := newTestExecutor(nil).Fetch(testContext(t), []*Call{itemsCall(srv.URL, p, "$[*]", nil)}, SinkFunc(func(_ int, items [][]byte) error {
		before := string(items[0])
		for range 4 { // what the pool hands out now, overwritten as a page read into it would be
			other := bodyBuffer(1)
			other = other[:cap(other)]
			for i := range other {
				other[i] = 'x'
			}
		}
		if after := string(items[0]); after != before {
			return fmt.Errorf("the page's memory was reused while the sink held it: %q became %q", before, after)
		}
		return nil
	}))[0]
	if res.Err != nil || res.Pages != 3 {
		t.Fatalf("%+v", res)
	}
}
