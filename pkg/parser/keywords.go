package parser

import "strings"

// sqliteKeywords are SQLite's keywords (https://sqlite.org/lang_keywords.html).
// A word outside this list is a name to SQLite even when MySQL reserves it
// (`key`, `range`, ...), which is how normalize decides what to backquote.
var sqliteKeywords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`abort action add after all alter always analyze and as asc attach
		autoincrement before begin between by cascade case cast check collate column commit conflict
		constraint create cross current current_date current_time current_timestamp database default
		deferrable deferred delete desc detach distinct do drop each else end escape except exclude
		exclusive exists explain fail filter first following for foreign from full generated glob group
		groups having if ignore immediate in index indexed initially inner insert instead intersect into
		is isnull join key last left like limit match materialized natural no not nothing notnull null
		nulls of offset on or order others outer over partition plan pragma preceding primary query
		raise range recursive references regexp reindex release rename replace restrict returning right
		rollback row rows savepoint select set table temp temporary then ties to transaction trigger
		unbounded union unique update using vacuum values view virtual when where window with without`) {
		m[w] = true
	}
	return m
}()

// sqliteReserved are the keywords SQLite never reads as names. Any other word
// at the spot where vitess fails is a name to SQLite, and normalize retries
// with it backquoted.
var sqliteReserved = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`add all alter and as autoincrement between case check collate commit
		constraint create cross default deferrable delete distinct drop else escape except exists foreign
		from full group having in index inner insert intersect into is isnull join left limit natural not
		notnull null on or order outer primary references returning right select set table then to
		transaction union unique update using values when where`) {
		m[w] = true
	}
	return m
}()
