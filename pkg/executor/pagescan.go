package executor

import (
	"bytes"

	"github.com/buger/jsonparser"
)

// splitPage reads a page that is a JSON object holding its rows as an array
// of objects under rowsKey and, unless tokenKey is "", the next page's token
// under tokenKey, both top-level members: the shape of nearly every list
// answer (ARM's {"value": [...], "nextLink": "..."}). It finds the items and
// the token in one pass over the body, and skips each string with
// bytes.IndexByte rather than a byte at a time: a page's bytes are mostly
// strings. A token that is not a string means no next page.
//
// ok is false for any other shape, and for anything out of the ordinary (a
// key with an escape, a key given twice, an element that is not an object,
// anything after the object); parsePage then reads the page the general
// way, which reports what is wrong with it.
func splitPage(body []byte, rowsKey, tokenKey string) (items [][]byte, token string, ok bool) {
	i := skipSpace(body, 0)
	if i >= len(body) || body[i] != '{' || rowsKey == tokenKey {
		return nil, "", false
	}
	i = skipSpace(body, i+1)
	sawRows, sawToken := false, false
	for i < len(body) && body[i] != '}' {
		if body[i] != '"' {
			return nil, "", false
		}
		keyEnd := stringEnd(body, i)
		if keyEnd < 0 {
			return nil, "", false
		}
		key := body[i+1 : keyEnd-1]
		if bytes.IndexByte(key, '\\') >= 0 {
			return nil, "", false
		}
		i = skipSpace(body, keyEnd)
		if i >= len(body) || body[i] != ':' {
			return nil, "", false
		}
		i = skipSpace(body, i+1)
		if i >= len(body) {
			return nil, "", false
		}
		switch {
		case string(key) == rowsKey:
			if sawRows || body[i] != '[' {
				return nil, "", false
			}
			sawRows = true
			if items, i = splitObjects(body, i); i < 0 {
				return nil, "", false
			}
		case tokenKey != "" && string(key) == tokenKey:
			if sawToken {
				return nil, "", false
			}
			sawToken = true
			end := skipValue(body, i)
			if end < 0 {
				return nil, "", false
			}
			if body[i] == '"' {
				t, err := jsonparser.ParseString(body[i+1 : end-1])
				if err != nil {
					return nil, "", false
				}
				token = t
			}
			i = end
		default:
			if i = skipValue(body, i); i < 0 {
				return nil, "", false
			}
		}
		i = skipSpace(body, i)
		if i < len(body) && body[i] == ',' {
			i = skipSpace(body, i+1)
			if i < len(body) && body[i] == '}' {
				return nil, "", false // a trailing comma
			}
		} else if i >= len(body) || body[i] != '}' {
			return nil, "", false
		}
	}
	if i >= len(body) || !sawRows || skipSpace(body, i+1) != len(body) {
		return nil, "", false
	}
	return items, token, true
}

// splitObjects splits the array at body[i] into its elements, each an
// object, and returns them with the index after the array, or -1.
func splitObjects(body []byte, i int) ([][]byte, int) {
	var items [][]byte
	i = skipSpace(body, i+1)
	if i < len(body) && body[i] == ']' {
		return items, i + 1
	}
	for i < len(body) {
		if body[i] != '{' {
			return nil, -1
		}
		end := blockEnd(body, i)
		if end < 0 {
			return nil, -1
		}
		items = append(items, body[i:end])
		i = skipSpace(body, end)
		if i >= len(body) {
			break
		}
		switch body[i] {
		case ',':
			i = skipSpace(body, i+1)
		case ']':
			return items, i + 1
		default:
			return nil, -1
		}
	}
	return nil, -1
}

// skipValue returns the index after the JSON value at body[i], or -1.
func skipValue(body []byte, i int) int {
	switch body[i] {
	case '"':
		return stringEnd(body, i)
	case '{', '[':
		return blockEnd(body, i)
	case ',', '}', ']', ':':
		return -1
	}
	j := i
	for j < len(body) && !isDelimiter(body[j]) {
		j++
	}
	return j
}

// stringEnd returns the index after the string whose opening quote is at
// body[i], or -1 when it does not end.
func stringEnd(body []byte, i int) int {
	for from := i + 1; ; {
		q := bytes.IndexByte(body[from:], '"')
		if q < 0 {
			return -1
		}
		q += from
		backslashes := 0
		for p := q - 1; p > i && body[p] == '\\'; p-- {
			backslashes++
		}
		if backslashes%2 == 0 {
			return q + 1
		}
		from = q + 1
	}
}

// blockEnd returns the index after the object or array that opens at
// body[i], or -1 when it does not end, its brackets do not pair up, or it
// nests deeper than maxNesting.
func blockEnd(body []byte, i int) int {
	var open [maxNesting]byte // the closing bracket each open one needs
	depth := 0
	for j := i; j < len(body); j++ {
		switch c := body[j]; c {
		case '"':
			end := stringEnd(body, j)
			if end < 0 {
				return -1
			}
			j = end - 1
		case '{', '[':
			if depth == maxNesting {
				return -1
			}
			open[depth] = c + 2 // '{'+2 is '}', '['+2 is ']'
			depth++
		case '}', ']':
			if depth == 0 || open[depth-1] != c {
				return -1
			}
			depth--
			if depth == 0 {
				return j + 1
			}
		}
	}
	return -1
}

// maxNesting bounds the nesting splitPage follows; deeper pages go the
// general way.
const maxNesting = 64

func skipSpace(body []byte, i int) int {
	for i < len(body) && (body[i] == ' ' || body[i] == '\n' || body[i] == '\r' || body[i] == '\t') {
		i++
	}
	return i
}

func isDelimiter(c byte) bool {
	switch c {
	case ',', '}', ']', ' ', '\n', '\r', '\t', ':', '"', '{', '[':
		return true
	}
	return false
}
