package parser

import "strings"

// inSubquery is one `col IN (SELECT ...)` in a statement's text: the
// column as written and the span of the subquery inside the parentheses.
type inSubquery struct {
	qualifier, column string
	span              Span
}

// inSubqueries finds every `col IN (SELECT ...)` and `col IN (WITH ...)`
// in the statement's text, in order. NOT IN is left out, as predicates
// leaves it out.
func (s *Select) inSubqueries() []inSubquery {
	code, ok := s.code()
	if !ok {
		return nil
	}
	var out []inSubquery
	for i := 1; i+2 < len(code); i++ {
		if !code[i].is("in") || !code[i+1].isOp("(") || !(code[i+2].is("select") || code[i+2].is("with")) {
			continue
		}
		if !code[i-1].isIdent() || code[i-1].is("not") {
			continue
		}
		sq := inSubquery{column: code[i-1].identName()}
		if i >= 3 && code[i-2].isOp(".") && code[i-3].isIdent() {
			sq.qualifier = code[i-3].identName()
		}
		depth := 0
		for j := i + 1; j < len(code); j++ {
			switch {
			case code[j].isOp("("):
				depth++
			case code[j].isOp(")"):
				depth--
			}
			if depth == 0 {
				sq.span = Span{code[i+2].start, code[j].start}
				break
			}
		}
		if sq.span.End > sq.span.Start {
			out = append(out, sq)
		}
	}
	return out
}

// locateSubqueries sets Predicate.Subquery for the statement's "IN SELECT"
// predicates, matching them to the text by column, in order.
func (s *Select) locateSubqueries() {
	found := s.inSubqueries()
	used := make([]bool, len(found))
	seenBlock := map[int]bool{}
	for _, t := range s.Tables {
		if seenBlock[t.Block] {
			continue // a block's tables share its predicates
		}
		seenBlock[t.Block] = true
		for i := range t.Predicates {
			p := &t.Predicates[i]
			if p.Op != "IN SELECT" || p.Left.Column == nil {
				continue
			}
			for k, f := range found {
				if used[k] || !strings.EqualFold(f.column, p.Left.Column.Name) ||
					(p.Left.Column.Qualifier != "" && f.qualifier != "" && !strings.EqualFold(f.qualifier, lastPart(p.Left.Column.Qualifier))) {
					continue
				}
				used[k] = true
				p.Subquery = f.span
				break
			}
		}
	}
}

func lastPart(qualifier string) string {
	return qualifier[strings.LastIndex(qualifier, ".")+1:]
}
