package provider

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"
)

// ServicePaths lists the path templates (the keys of paths) of the named
// service's document without parsing it: a line scan of the YAML's
// top-level paths mapping. A server of hundreds of services routes
// requests by them and parses a document only when a request reaches it.
// It fails for a document it cannot scan (JSON, flow style); Service then
// parses it.
func (p *Provider) ServicePaths(name string) ([]string, error) {
	e, ok := p.services[name]
	if !ok {
		return nil, &NotFoundError{Kind: "service", Name: p.Name + "." + name,
			Suggestion: suggestQualified(p.Name+".", name, p.ServiceNames())}
	}
	f, err := p.fsys.Open(e.file)
	if err != nil {
		return nil, fmt.Errorf("service %s.%s: %w", p.Name, e.Name, err)
	}
	defer f.Close()
	paths, err := scanPathKeys(f)
	if err != nil {
		return nil, &DocumentError{File: e.file, Path: "paths", Msg: err.Error()}
	}
	return paths, nil
}

// scanPathKeys reads the keys of a block-style YAML document's top-level
// "paths:" mapping: the lines indented one level below it. It stops
// reading where the mapping ends, before the (larger) components.
func scanPathKeys(r io.Reader) ([]string, error) {
	var (
		paths   []string
		inPaths bool
		indent  = -1
	)
	lines := bufio.NewScanner(r)
	lines.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for lines.Scan() {
		line := bytes.TrimRight(lines.Bytes(), " \r")
		trimmed := bytes.TrimLeft(line, " ")
		if len(trimmed) == 0 || trimmed[0] == '#' {
			continue
		}
		depth := len(line) - len(trimmed)
		if depth == 0 {
			if inPaths {
				break // the next top-level key ends paths
			}
			if bytes.HasPrefix(line, []byte("paths:")) {
				switch rest := bytes.TrimSpace(line[len("paths:"):]); {
				case string(rest) == "{}" || string(rest) == "null":
					return nil, nil // no paths
				case len(rest) > 0 && rest[0] != '#':
					return nil, fmt.Errorf("paths is written in flow style (%s); only block style can be scanned", rest)
				}
				inPaths = true
			}
			continue
		}
		if !inPaths {
			continue
		}
		if indent < 0 {
			indent = depth
		}
		if depth != indent || trimmed[0] == ':' {
			continue // nested, or the value of a "? key" line
		}
		key, err := mappingKey(trimmed)
		if err != nil {
			return nil, err
		}
		paths = append(paths, key)
	}
	if err := lines.Err(); err != nil {
		return nil, err
	}
	if !inPaths {
		return nil, fmt.Errorf("no top-level paths mapping found")
	}
	return paths, nil
}

// mappingKey is the key of a "key:" or "key: value" line, unquoted, or
// of a "? key" line (YAML's explicit key, which encoders use for long keys).
func mappingKey(line []byte) (string, error) {
	if explicit, ok := bytes.CutPrefix(line, []byte("? ")); ok {
		key, err := mappingKey(append(slices.Clip(bytes.TrimSpace(explicit)), ':'))
		if err != nil {
			return "", fmt.Errorf("cannot read the path key in %q", line)
		}
		return key, nil
	}
	switch line[0] {
	case '\'':
		// In a single-quoted key, '' is a quote.
		var key []byte
		for i := 1; i < len(line); i++ {
			if line[i] != '\'' {
				key = append(key, line[i])
				continue
			}
			if i+1 < len(line) && line[i+1] == '\'' {
				key = append(key, '\'')
				i++
				continue
			}
			if i+1 < len(line) && line[i+1] == ':' {
				return string(key), nil
			}
			break
		}
		return "", fmt.Errorf("cannot read the path key in %q", line)
	case '"':
		end := bytes.Index(line, []byte(`":`))
		if end < 0 {
			return "", fmt.Errorf("cannot read the path key in %q", line)
		}
		key, err := strconv.Unquote(string(line[:end+1]))
		if err != nil {
			return "", fmt.Errorf("cannot read the path key in %q: %v", line, err)
		}
		return key, nil
	}
	i := bytes.Index(line, []byte(": "))
	if i < 0 {
		if !bytes.HasSuffix(line, []byte(":")) {
			return "", fmt.Errorf("cannot read the path key in %q", line)
		}
		i = len(line) - 1
	}
	return string(line[:i]), nil
}
