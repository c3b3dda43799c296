package cli

import (
	"fmt"
	"strconv"
	"strings"
)

// byteSize is a flag holding a number of bytes, written with a binary unit
// (256MiB, 1GiB, 512KiB) or as plain bytes.
type byteSize int64

var sizeUnits = []struct {
	suffix string
	size   int64
}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}

func (b *byteSize) String() string {
	for _, u := range sizeUnits {
		if int64(*b) >= u.size && int64(*b)%u.size == 0 {
			return strconv.FormatInt(int64(*b)/u.size, 10) + u.suffix
		}
	}
	return strconv.FormatInt(int64(*b), 10)
}

func (b *byteSize) Set(text string) error {
	number, scale := strings.TrimSpace(text), int64(1)
	for _, u := range sizeUnits {
		if rest, ok := strings.CutSuffix(number, u.suffix); ok {
			number, scale = strings.TrimSpace(rest), u.size
			break
		}
	}
	n, err := strconv.ParseInt(number, 10, 64)
	if err != nil || n < 1 || n > (1<<62)/scale {
		return fmt.Errorf("%q is not a size: use a positive number of bytes with a unit, e.g. 256MiB, 1GiB or 512KiB", text)
	}
	*b = byteSize(n * scale)
	return nil
}

func (b *byteSize) Type() string { return "size" }
