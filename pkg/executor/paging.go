package executor

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/buger/jsonparser"
)

// pageCursor is what one call's paging remembers between pages for the
// styles whose next position is not a token in the body.
type pageCursor struct {
	pages     int // pages read so far, this one included
	firstSize int // items on the first page: the page size when the request sets none
	seen      int64
}

// nextAfterPage finds the next page's URL for the header and page-number
// styles; body tokens are parsePage's job. "" means this was the last page.
func (c *Call) nextAfterPage(current string, header http.Header, body []byte, items int, cur *pageCursor) (string, error) {
	p := c.Method.Pagination
	if p == nil {
		return "", nil
	}
	cur.pages++
	cur.seen += int64(items)
	if cur.pages == 1 {
		cur.firstSize = items
	}
	switch {
	case p.ResponseTokenLocation == "header":
		return c.nextFromHeader(current, header)
	case p.ByPageNumber():
		return c.nextPageNumber(current, body, items, cur)
	}
	return "", nil
}

// nextFromHeader reads the next position from a response header: a Link
// header (RFC 8288) gives the rel="next" target; another header gives a URL
// or a token, as the request token's location says.
func (c *Call) nextFromHeader(current string, header http.Header) (string, error) {
	p := c.Method.Pagination
	if strings.EqualFold(p.ResponseTokenKey, "link") {
		target := nextLinkTarget(header.Values("Link"))
		if target == "" {
			return "", nil
		}
		return sameOrigin(current, target, "Link rel=\"next\"")
	}
	token := strings.TrimSpace(header.Get(p.ResponseTokenKey))
	if token == "" {
		return "", nil
	}
	return c.nextURL(current, token)
}

// nextPageNumber counts the page parameter up. The page just read was the
// last when it was empty, shorter than the page size (the size parameter
// of the request, else the first page's length), when its body says there
// are no more (moreKey false), when its number reached the declared number
// of pages, or when the declared total has arrived.
func (c *Call) nextPageNumber(current string, body []byte, items int, cur *pageCursor) (string, error) {
	p := c.Method.Pagination
	if items == 0 {
		return "", nil
	}
	u, err := url.Parse(current)
	if err != nil {
		return "", err
	}
	q := u.Query()
	page := p.FirstPage
	if n, err := strconv.Atoi(q.Get(p.RequestTokenKey)); err == nil {
		page = n
	}
	if p.MoreKey != "" {
		if more, err := jsonparser.GetBoolean(body, objectKeyPath(p.MoreKey)...); err == nil && !more {
			return "", nil
		}
	}
	if p.PagesKey != "" {
		if pages, err := jsonparser.GetInt(body, objectKeyPath(p.PagesKey)...); err == nil && int64(page) >= pages {
			return "", nil
		}
	}
	if p.TotalKey != "" {
		if total, err := jsonparser.GetInt(body, objectKeyPath(p.TotalKey)...); err == nil && cur.seen >= total {
			return "", nil
		}
	}
	size := cur.firstSize
	if p.PageSizeKey != "" {
		if n, err := strconv.Atoi(q.Get(p.PageSizeKey)); err == nil && n > 0 {
			size = n
		}
	}
	if items < size {
		return "", nil
	}
	q.Set(p.RequestTokenKey, strconv.Itoa(page+1))
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// nextLinkTarget returns the target of the first link with relation type
// "next" in Link header values (RFC 8288: `<uri>; rel="next"`, several
// links per value separated by commas, rel holding space-separated types).
func nextLinkTarget(values []string) string {
	for _, v := range values {
		for rest := strings.TrimSpace(v); rest != ""; {
			if rest[0] != '<' {
				// Not a link-value: skip to the next comma.
				_, after, found := strings.Cut(rest, ",")
				if !found {
					break
				}
				rest = strings.TrimSpace(after)
				continue
			}
			end := strings.IndexByte(rest, '>')
			if end < 0 {
				break
			}
			target := rest[1:end]
			rest = rest[end+1:]
			params, tail := splitLinkParams(rest)
			rest = tail
			for _, rel := range strings.Fields(params["rel"]) {
				if strings.EqualFold(rel, "next") {
					return target
				}
			}
		}
	}
	return ""
}

// splitLinkParams reads `; name=value; name="quoted, value"` up to the
// comma that ends one link-value, returning the params (names lower-cased)
// and what follows the comma.
func splitLinkParams(s string) (map[string]string, string) {
	params := map[string]string{}
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			return params, ""
		}
		if s[0] == ',' {
			return params, strings.TrimSpace(s[1:])
		}
		if s[0] != ';' {
			// Malformed: drop up to the next comma.
			_, after, _ := strings.Cut(s, ",")
			return params, strings.TrimSpace(after)
		}
		s = strings.TrimLeft(s[1:], " \t")
		nameEnd := strings.IndexAny(s, "=;,")
		if nameEnd < 0 {
			return params, ""
		}
		name := strings.ToLower(strings.TrimSpace(s[:nameEnd]))
		if s[nameEnd] != '=' {
			params[name] = ""
			s = s[nameEnd:]
			continue
		}
		s = strings.TrimLeft(s[nameEnd+1:], " \t")
		var value string
		if strings.HasPrefix(s, `"`) {
			var b strings.Builder
			i := 1
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				b.WriteByte(s[i])
			}
			value = b.String()
			s = s[min(i+1, len(s)):]
		} else {
			end := strings.IndexAny(s, ";,")
			if end < 0 {
				end = len(s)
			}
			value = strings.TrimSpace(s[:end])
			s = s[end:]
		}
		if _, dup := params[name]; !dup { // RFC 8288: only the first rel counts
			params[name] = value
		}
	}
}
