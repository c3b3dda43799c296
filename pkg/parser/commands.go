package parser

import "strings"

// cursor reads the statements vitess does not know (EXEC, SHOW, DESCRIBE,
// REGISTRY) token by token.
type cursor struct {
	c   *stmtContext
	pos int
}

func (r *cursor) peek() (token, bool) {
	if r.pos < len(r.c.sig) {
		return r.c.sig[r.pos], true
	}
	return token{}, false
}

// accept consumes the next token when it is the word w.
func (r *cursor) accept(w string) bool {
	if t, ok := r.peek(); ok && t.is(w) {
		r.pos++
		return true
	}
	return false
}

func (r *cursor) errorHere(msg string) error {
	if t, ok := r.peek(); ok {
		return r.c.errorAt(t, msg)
	}
	return r.c.errorAtEnd(msg)
}

// end checks that the statement has no tokens left.
func (r *cursor) end() error {
	if _, ok := r.peek(); ok {
		return r.errorHere("syntax error: unexpected text after the statement")
	}
	return nil
}

// name reads a dotted name of minParts to maxParts identifiers.
func (r *cursor) name(minParts, maxParts int, what string) ([]string, error) {
	var parts []string
	for {
		t, ok := r.peek()
		if !ok || !t.isIdent() {
			return nil, r.errorHere("expected " + what)
		}
		parts = append(parts, t.identName())
		r.pos++
		if dot, ok := r.peek(); !ok || !dot.isOp(".") || len(parts) == maxParts {
			break
		}
		r.pos++
	}
	if len(parts) < minParts {
		return nil, r.errorHere("expected " + what)
	}
	return parts, nil
}

func qualified(parts []string) QualifiedName {
	var q QualifiedName
	fields := []*string{&q.Provider, &q.Service, &q.Resource}
	for i, p := range parts {
		*fields[i] = p
	}
	return q
}

// stringLiteral reads a string literal.
func (r *cursor) stringLiteral(what string) (string, error) {
	t, ok := r.peek()
	if !ok || t.kind != tokString {
		return "", r.errorHere("expected " + what + " as a quoted string")
	}
	r.pos++
	return t.stringValue(), nil
}

// show reads
//
//	SHOW [EXTENDED] PROVIDERS [LIKE 'x']
//	SHOW [EXTENDED] SERVICES IN provider [LIKE 'x']
//	SHOW [EXTENDED] RESOURCES IN provider.service [LIKE 'x']
//	SHOW [EXTENDED] METHODS IN provider.service.resource [LIKE 'x']
//	SHOW INSERT INTO provider.service.resource
func (c *stmtContext) show() (Statement, error) {
	r := &cursor{c: c, pos: 1}
	s := &Show{source: c.src, Extended: r.accept("extended")}
	parts := map[string]int{"PROVIDERS": 0, "SERVICES": 1, "RESOURCES": 2, "METHODS": 3}
	examples := map[string]string{"SERVICES": "azure", "RESOURCES": "azure.compute", "METHODS": "azure.compute.virtual_machines"}
	t, ok := r.peek()
	if !ok {
		return nil, r.errorHere("SHOW needs PROVIDERS, SERVICES, RESOURCES, METHODS or INSERT")
	}
	s.Kind = strings.ToUpper(t.text)
	r.pos++
	if s.Kind == "INSERT" {
		if !r.accept("into") {
			return nil, r.errorHere("expected INTO: SHOW INSERT INTO provider.service.resource")
		}
		name, err := r.name(3, 3, "a provider table: SHOW INSERT INTO provider.service.resource")
		if err != nil {
			return nil, err
		}
		s.Target = qualified(name)
		return s, r.end()
	}
	n, known := parts[s.Kind]
	if t.kind != tokWord || !known {
		return nil, c.errorAt(t, "SHOW needs PROVIDERS, SERVICES, RESOURCES, METHODS or INSERT")
	}
	if n > 0 {
		if !r.accept("in") && !r.accept("from") {
			return nil, r.errorHere("expected IN: SHOW " + s.Kind + " IN " + examples[s.Kind])
		}
		name, err := r.name(n, n, "a name with "+[]string{"", "one part", "two parts", "three parts"}[n]+": SHOW "+s.Kind+" IN "+examples[s.Kind])
		if err != nil {
			return nil, err
		}
		s.Target = qualified(name)
	}
	if r.accept("like") {
		like, err := r.stringLiteral("the LIKE pattern")
		if err != nil {
			return nil, err
		}
		s.Like = like
	}
	return s, r.end()
}

// describe reads DESCRIBE [EXTENDED] provider.service.resource (or DESC).
func (c *stmtContext) describe() (Statement, error) {
	r := &cursor{c: c, pos: 1}
	d := &Describe{source: c.src, Extended: r.accept("extended")}
	name, err := r.name(3, 3, "a provider table: DESCRIBE provider.service.resource")
	if err != nil {
		return nil, err
	}
	d.Target = qualified(name)
	return d, r.end()
}

// registry reads REGISTRY LIST [provider] and REGISTRY PULL provider [version].
func (c *stmtContext) registry() (Statement, error) {
	r := &cursor{c: c, pos: 1}
	reg := &Registry{source: c.src}
	switch {
	case r.accept("list"):
		reg.Action = "LIST"
	case r.accept("pull"):
		reg.Action = "PULL"
	default:
		return nil, r.errorHere("REGISTRY needs LIST or PULL: REGISTRY LIST [provider], REGISTRY PULL provider [version]")
	}
	t, ok := r.peek()
	if !ok {
		if reg.Action == "PULL" {
			return nil, r.errorHere("REGISTRY PULL needs a provider name, e.g. REGISTRY PULL azure")
		}
		return reg, nil
	}
	if !t.isIdent() && t.kind != tokString {
		return nil, r.errorHere("expected a provider name")
	}
	reg.Provider = r.word()
	if _, ok := r.peek(); ok {
		if reg.Action == "LIST" {
			return nil, r.errorHere("syntax error: REGISTRY LIST takes at most a provider name")
		}
		reg.Version = r.word()
	}
	return reg, r.end()
}

// word reads a provider name or version: a string literal, or the run of
// tokens written without spaces between them (`v0.3.0`, `v24.10.00256`).
func (r *cursor) word() string {
	t, _ := r.peek()
	r.pos++
	if t.kind == tokString {
		return t.stringValue()
	}
	if t.kind == tokQuotedIdent {
		return t.identName()
	}
	end := t.end
	for {
		next, ok := r.peek()
		if !ok || next.start != end || next.kind == tokString {
			break
		}
		end = next.end
		r.pos++
	}
	return r.c.input[t.start:end]
}

// exec reads EXEC provider.service.resource.Method [@name=value [,] ...] [@@json='{...}'].
func (c *stmtContext) exec() (Statement, error) {
	c.sig = joinArgumentNames(c.sig)
	r := &cursor{c: c, pos: 1}
	e := &Exec{source: c.src, NoWait: hasHint(c.comments, "NOWAIT")}
	name, err := r.name(4, 4, "a method: EXEC provider.service.resource.Method @param='value'")
	if err != nil {
		return nil, err
	}
	e.Table, e.Method = qualified(name[:3]), name[3]
	seen := map[string]bool{}
	for {
		t, ok := r.peek()
		if !ok {
			return e, nil
		}
		if t.isOp(",") && len(e.Params) > 0 {
			r.pos++
			continue
		}
		if t.kind != tokParam || t.text[0] != '@' {
			return nil, c.errorAt(t, "expected an argument @name=value")
		}
		r.pos++
		if eq, ok := r.peek(); !ok || !eq.isOp("=") {
			return nil, r.errorHere("expected = after " + t.text)
		}
		r.pos++
		if strings.HasPrefix(t.text, "@@") {
			if !strings.EqualFold(t.text, "@@json") {
				return nil, c.errorAt(t, "unknown argument "+t.text+": the request body is given as @@json='{...}'")
			}
			if e.JSONBody, err = r.stringLiteral("the @@json body"); err != nil {
				return nil, err
			}
			continue
		}
		argName := argumentName(t)
		if seen[argName] {
			return nil, c.errorAt(t, "argument "+t.text+" is given twice")
		}
		seen[argName] = true
		valueToks := r.argument()
		if len(valueToks) == 0 {
			return nil, r.errorHere("expected a value for " + t.text)
		}
		value, err := c.expression(valueToks)
		if err != nil {
			return nil, err
		}
		e.Params = append(e.Params, NamedValue{Name: argName, Value: value})
	}
}

// argument consumes the tokens of one argument value: up to a top-level comma
// or the next `@name =`.
func (r *cursor) argument() []token {
	start, depth := r.pos, 0
	for ; r.pos < len(r.c.sig); r.pos++ {
		t := r.c.sig[r.pos]
		switch {
		case t.isOp("("):
			depth++
		case t.isOp(")"):
			depth--
		case depth == 0 && t.isOp(","):
			return r.c.sig[start:r.pos]
		case depth == 0 && t.kind == tokParam && t.text[0] == '@' && r.pos+1 < len(r.c.sig) && r.c.sig[r.pos+1].isOp("="):
			return r.c.sig[start:r.pos]
		}
	}
	return r.c.sig[start:r.pos]
}
