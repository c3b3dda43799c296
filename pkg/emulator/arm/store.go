package arm

import (
	"slices"
	"sort"
	"strings"
	"sync"
)

// item is one stored resource. body is immutable once stored: a write
// swaps in a new slice, so readers may use it after releasing the lock.
type item struct {
	key     string // lower-case resource id: the store key
	sortKey string // lower-case name: collections are ordered by it
	body    []byte // the resource as JSON, exactly what GET answers
}

// collection is the ordered list of items one list URL pages through.
type collection struct {
	items []*item // sorted by sortKey
}

func (c *collection) search(sortKey string) int {
	return sort.Search(len(c.items), func(i int) bool { return c.items[i].sortKey >= sortKey })
}

// Store keeps resources by store key (the lower-case ARM id), and an
// index from lower-case list path to the collection that list pages
// through. It is safe for concurrent use once seeding is over.
type Store struct {
	mu          sync.RWMutex
	items       map[string]*item
	collections map[string]*collection
}

// NewStore makes a store sized for about capacity resources.
func NewStore(capacity int) *Store {
	return &Store{items: make(map[string]*item, capacity), collections: map[string]*collection{}}
}

// listKeys are the list paths an item appears in: its own collection
// (".../backupVaults/v/backupInstances"), and for a top-level resource in a
// resource group also the subscription-wide list
// ("/subscriptions/s/providers/microsoft.dataprotection/backupvaults").
func listKeys(key string) []string {
	i := strings.LastIndexByte(key, '/')
	if i < 0 {
		return nil
	}
	own := key[:i]
	if own == "" {
		own = "/"
	}
	keys := []string{own}
	// /subscriptions/{s}/resourcegroups/{rg}/providers/{ns}/{type}/{name}
	if strings.Count(key, "/") != 8 {
		return keys
	}
	parts := strings.Split(strings.TrimPrefix(key, "/"), "/")
	if len(parts) == 8 && parts[0] == "subscriptions" && parts[2] == "resourcegroups" && parts[4] == "providers" {
		keys = append(keys, "/subscriptions/"+parts[1]+"/providers/"+parts[5]+"/"+parts[6])
	}
	return keys
}

// Key is the store key of an ARM id.
func Key(id string) string { return strings.ToLower(id) }

// Get returns the body stored under key.
func (s *Store) Get(key string) ([]byte, bool) {
	s.mu.RLock()
	it := s.items[key]
	s.mu.RUnlock()
	if it == nil {
		return nil, false
	}
	return it.body, true
}

func (s *Store) exists(key string) bool {
	s.mu.RLock()
	_, ok := s.items[key]
	s.mu.RUnlock()
	return ok
}

// Has reports whether the resource with ARM id id is stored.
func (s *Store) Has(id string) bool { return s.exists(Key(id)) }

// Add stores a resource while seeding, without keeping lists sorted: Sort
// must run once seeding is over, before serving. Seeding many resources
// this way is one sort per list instead of one insertion per resource.
func (s *Store) Add(id, name string, body []byte) {
	if it := s.items[Key(id)]; it != nil {
		it.body = body // a later sample of the same resource wins
		return
	}
	it := &item{key: Key(id), sortKey: strings.ToLower(name), body: body}
	s.items[it.key] = it
	for _, lk := range listKeys(it.key) {
		c := s.collection(lk)
		c.items = append(c.items, it)
	}
}

// collection returns the list at lk, creating it on first use.
func (s *Store) collection(lk string) *collection {
	c := s.collections[lk]
	if c == nil {
		c = &collection{}
		s.collections[lk] = c
	}
	return c
}

// Sort orders every list; seeding ends with it.
func (s *Store) Sort() {
	bySortKey := func(a, b *item) int { return strings.Compare(a.sortKey, b.sortKey) }
	for _, c := range s.collections {
		if !slices.IsSortedFunc(c.items, bySortKey) {
			slices.SortFunc(c.items, bySortKey)
		}
	}
}

// put stores body under key and reports whether the item is new.
func (s *Store) put(key, name string, body []byte) (created bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if it := s.items[key]; it != nil {
		it.body = body
		return false
	}
	it := &item{key: key, sortKey: strings.ToLower(name), body: body}
	s.items[key] = it
	for _, lk := range listKeys(key) {
		c := s.collection(lk)
		i := c.search(it.sortKey)
		c.items = append(c.items, nil)
		copy(c.items[i+1:], c.items[i:])
		c.items[i] = it
	}
	return true
}

// Update swaps in a new body for the resource at key; false if it is gone.
func (s *Store) Update(key string, body []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	it := s.items[key]
	if it == nil {
		return false
	}
	it.body = body
	return true
}

// remove deletes an item and, as ARM does, everything nested below it.
func (s *Store) remove(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.removeLocked(key)
}

func (s *Store) removeLocked(key string) bool {
	it := s.items[key]
	if it == nil {
		return false
	}
	delete(s.items, key)
	for _, lk := range listKeys(key) {
		c := s.collections[lk]
		if c == nil {
			continue
		}
		i := c.search(it.sortKey)
		for ; i < len(c.items) && c.items[i].sortKey == it.sortKey; i++ {
			if c.items[i] == it {
				c.items = append(c.items[:i], c.items[i+1:]...)
				break
			}
		}
	}
	prefix := key + "/"
	var nested []string
	for lk, c := range s.collections {
		if strings.HasPrefix(lk, prefix) {
			for _, child := range c.items {
				nested = append(nested, child.key)
			}
		}
	}
	for _, child := range nested {
		s.removeLocked(child)
	}
	return true
}

// page returns up to size bodies of the list at listKey that sort after
// the item named after (all from the start when after is ""), and whether
// more follow.
func (s *Store) page(listKey, after string, size int) (bodies [][]byte, last string, more bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c := s.collections[listKey]
	if c == nil {
		return nil, "", false
	}
	start := 0
	if after != "" {
		start = c.search(after)
		if start < len(c.items) && c.items[start].sortKey == after {
			start++
		}
	}
	end := len(c.items)
	if size > 0 && start+size < end {
		end = start + size
	}
	if start >= end {
		return nil, "", false
	}
	bodies = make([][]byte, 0, end-start)
	for _, it := range c.items[start:end] {
		bodies = append(bodies, it.body)
	}
	return bodies, c.items[end-1].sortKey, end < len(c.items)
}

// Scan calls fn with each resource in the lists whose path ends in
// listSuffix (e.g. "/backupinstances"), until fn returns false.
func (s *Store) Scan(listSuffix string, fn func(key string, body []byte) bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for listKey, c := range s.collections {
		if !strings.HasSuffix(listKey, listSuffix) {
			continue
		}
		for _, it := range c.items {
			if !fn(it.key, it.body) {
				return
			}
		}
	}
}

// Count is how many resources the list at listKey holds, and the first
// one's name.
func (s *Store) Count(listKey string) (int, string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c := s.collections[listKey]
	if c == nil || len(c.items) == 0 {
		return 0, ""
	}
	first := c.items[0].key
	return len(c.items), first[strings.LastIndexByte(first, '/')+1:]
}
