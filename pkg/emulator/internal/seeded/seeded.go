// Package seeded draws the emulator's pseudo-random values: each is a fixed
// function of (seed, ordinal, purpose), so data and faults come out the
// same on every run with the same seed, however goroutines interleave.
package seeded

// Mix is splitmix64 over (seed, n, purpose).
func Mix(seed int64, n, purpose uint64) uint64 {
	z := uint64(seed) ^ (n * 0x9e3779b97f4a7c15) ^ (purpose * 0xbf58476d1ce4e5b9)
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Unit maps a mixed value to [0, 1).
func Unit(v uint64) float64 { return float64(v>>11) / (1 << 53) }

// GUID is a version-4-shaped GUID drawn from (seed, ord, purpose).
func GUID(seed int64, ord, purpose uint64) string {
	const hex = "0123456789abcdef"
	a, b := Mix(seed, ord, purpose), Mix(seed, ord, purpose+100)
	var g [36]byte
	put := func(at int, v uint64, digits int) {
		for i := digits - 1; i >= 0; i-- {
			g[at+i] = hex[v&0xf]
			v >>= 4
		}
	}
	put(0, a, 8)
	g[8] = '-'
	put(9, a>>32, 4)
	g[13], g[14] = '-', '4'
	put(15, a>>48, 3)
	g[18], g[19] = '-', '8'
	put(20, b, 3)
	g[23] = '-'
	put(24, b>>16, 12)
	return string(g[:])
}
