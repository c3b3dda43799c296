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
	key  string // lower-case resource id: the store key
	name string // lower-case name
	body []byte // the resource as JSON, exactly what GET answers
}

// Lists are ordered by name, then by key: names repeat in a list that
// spans resource groups or types, and a page must end at a unique place.
func compareItems(a, b *item) int {
	if c := strings.Compare(a.name, b.name); c != 0 {
		return c
	}
	return strings.Compare(a.key, b.key)
}

// position is where an item sorts, as a page token carries it.
func (it *item) position() string { return it.name + "\x00" + it.key }

// positionItem is an item that sorts at position pos.
func positionItem(pos string) *item {
	name, key, _ := strings.Cut(pos, "\x00")
	return &item{name: name, key: key}
}

// collection is the ordered list of items one list URL pages through.
type collection struct {
	items []*item // sorted by compareItems
}

// search is the index of the first item that does not sort before it.
func (c *collection) search(it *item) int {
	return sort.Search(len(c.items), func(i int) bool { return compareItems(c.items[i], it) >= 0 })
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
// ("/subscriptions/s/providers/microsoft.dataprotection/backupvaults") and
// the generic resource lists of its subscription and resource group
// ("/subscriptions/s/resources", "/subscriptions/s/resourcegroups/rg/resources").
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
		sub := "/subscriptions/" + parts[1]
		keys = append(keys, sub+"/providers/"+parts[5]+"/"+parts[6], sub+"/resources", sub+"/resourcegroups/"+parts[3]+"/resources")
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
	key := Key(id)
	if it := s.items[key]; it != nil {
		it.body = body // a later sample of the same resource wins
		return
	}
	it := &item{key: key, name: strings.ToLower(name), body: body}
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

	for _, c := range s.collections {
		if !slices.IsSortedFunc(c.items, compareItems) {
			slices.SortFunc(c.items, compareItems)
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
	it := &item{key: key, name: strings.ToLower(name), body: body}
	s.items[key] = it
	for _, lk := range listKeys(key) {
		c := s.collection(lk)
		i := c.search(it)
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
		i := c.search(it)
		for ; i < len(c.items) && c.items[i].key == it.key; i++ {
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

// page returns up to size bodies (all for 0) of the list at listKey that
// sort after position after (from the start when after is ""),
// keeping only the items whose keys keep accepts (nil: all), and whether
// more follow.
func (s *Store) page(listKey, after string, size int, keep func(key string) bool) (bodies [][]byte, last string, more bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c := s.collections[listKey]
	if c == nil {
		return nil, "", false
	}
	start := 0
	if after != "" {
		pos := positionItem(after)
		start = c.search(pos)
		if start < len(c.items) && c.items[start].key == pos.key {
			start++
		}
	}
	for _, it := range c.items[min(start, len(c.items)):] {
		if keep != nil && !keep(it.key) {
			continue
		}
		if size > 0 && len(bodies) == size {
			return bodies, last, true
		}
		if bodies == nil {
			bodies = make([][]byte, 0, min(max(size, 1), len(c.items)-start))
		}
		bodies = append(bodies, it.body)
		last = it.position()
	}
	return bodies, last, false
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
