// Package parser reads skyql's SQL: queries and writes on provider tables
// (`provider.service.resource`), EXEC of a resource method, and the SHOW,
// DESCRIBE and REGISTRY commands. It knows no HTTP and no provider.
//
// Parsing engine. Queries, INSERT/REPLACE, UPDATE and DELETE are parsed by
// upstream vitess.io/vitess v0.24.4 (go/vt/sqlparser: its tokenizer and
// parser) under a thin front end of our own; the maintained fork
// (stackql-parser) is not served by the Go module proxy. The small command
// statements, which vitess does not know, are read by this package directly.
//
// Two dialects. Vitess speaks MySQL, while the user's SELECT text is finally
// executed by SQLite. So the package lexes the input with SQLite's lexical
// rules (strings without backslash escapes, `--` comments, double-quoted
// identifiers), and vitess parses a normalized copy of each statement for
// analysis only: provider names become placeholder identifiers, `||` becomes
// an operator vitess reads with the same precedence, table-valued functions in
// FROM become placeholder tables, a RETURNING tail is cut off (see normalize).
// A position map leads vitess' errors back to the user's line and column. The
// text SQLite runs is the user's original text with only the provider table
// names replaced at their exact byte positions ((*Select).SQLiteText), so
// SQLite-only syntax the analysis does not need survives unchanged.
//
// Analysis. For a query the package reports every provider table reference
// (CTEs, subqueries, union arms, joins) with the `=` and `IN` conjuncts of its
// query block's WHERE and join conditions, whose operands are rendered back to
// SQLite text (Expr.SQL) so the planner can evaluate constant expressions such
// as lower('X') or 'a' || 'b' into request parameters.
package parser
