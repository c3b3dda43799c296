package output

import (
	"bufio"
	"encoding/base64"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// yamlWriter writes a result as a YAML list with one mapping per row, keys
// in column order, the way `az ... -o yaml` prints: JSON columns become
// nested YAML, NULL is null, an empty result is []. Each row is encoded as
// it arrives.
type yamlWriter struct {
	printer
	out   *bufio.Writer
	cols  []Column
	names []string
	rows  int
}

func newYAMLWriter(d *destination) *yamlWriter {
	return &yamlWriter{printer: printer{d}, out: bufio.NewWriterSize(d, 64<<10)}
}

func (y *yamlWriter) Begin(cols []Column) error {
	y.cols = cols
	y.names = uniqueNames(cols)
	y.rows = 0
	return nil
}

func (y *yamlWriter) Row(values []any) error {
	if err := checkRow(y.cols, values); err != nil {
		return err
	}
	row := &yaml.Node{Kind: yaml.MappingNode}
	for i, v := range values {
		key := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: y.names[i]}
		value, err := yamlValue(y.cols[i], v)
		if err != nil {
			return err
		}
		row.Content = append(row.Content, key, value)
	}
	// A one-item list per row: concatenated, they make the result's list.
	// An encoder per row, since one encoder separates what it encodes
	// into documents.
	enc := yaml.NewEncoder(y.out)
	enc.SetIndent(2)
	if err := enc.Encode([]*yaml.Node{row}); err != nil {
		return err
	}
	y.rows++
	return enc.Close()
}

func (y *yamlWriter) End() error {
	if y.rows == 0 {
		if _, err := y.out.WriteString("[]\n"); err != nil {
			return err
		}
	}
	return y.out.Flush()
}

// yamlValue is one value's node: JSON text of a JSON column as nested block
// YAML (JSON is YAML, so the YAML parser reads it, keeping key order),
// binary blobs as !!binary, anything else as the YAML scalar of its type.
func yamlValue(col Column, v any) (*yaml.Node, error) {
	if col.JSON {
		text := jsonText(v)
		var doc yaml.Node
		if text != nil && yaml.Unmarshal(text, &doc) == nil && len(doc.Content) == 1 {
			node := doc.Content[0]
			blockStyle(node)
			return node, nil
		}
	}
	if b, ok := v.([]byte); ok {
		if utf8.Valid(b) {
			v = string(b)
		} else {
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!binary", Value: base64.StdEncoding.EncodeToString(b)}, nil
		}
	}
	node := &yaml.Node{}
	if err := node.Encode(v); err != nil {
		return nil, err
	}
	return node, nil
}

// blockStyle drops the styles the parser recorded for JSON text (flow
// {...} and [...], double-quoted strings), so nested values print as
// indented YAML, quoted only where YAML needs it.
func blockStyle(n *yaml.Node) {
	n.Style = 0
	for _, c := range n.Content {
		blockStyle(c)
	}
}
