package emulator

import (
	"time"
)

// fault is what the injector decided for one request.
type fault int

const (
	faultNone fault = iota
	faultDrop
	faultThrottle
	faultFail500
	faultFail503
)

// mix is splitmix64: a fixed function of (seed, request number, purpose),
// so faults and jitter repeat exactly for the same seed and request order
// no matter how requests interleave on goroutines.
func mix(seed int64, n uint64, purpose uint64) uint64 {
	z := uint64(seed) ^ (n * 0x9e3779b97f4a7c15) ^ (purpose * 0xbf58476d1ce4e5b9)
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// unit maps a mixed value to [0, 1).
func unit(v uint64) float64 { return float64(v>>11) / (1 << 53) }

const (
	purposeThrottle = 1
	purposeJitter   = 2
)

// faultFor decides request n's fault (n counts from 1).
func (o *Options) faultFor(n uint64) fault {
	if o.DropEvery > 0 && n%uint64(o.DropEvery) == 0 {
		return faultDrop
	}
	if o.ThrottleEvery > 0 && n%uint64(o.ThrottleEvery) == 0 {
		return faultThrottle
	}
	if o.ThrottleRate > 0 && unit(mix(o.Seed, n, purposeThrottle)) < o.ThrottleRate {
		return faultThrottle
	}
	if o.FailEvery > 0 && n >= uint64(o.FailEvery) {
		pos := n % uint64(o.FailEvery) // 0 starts a burst
		if pos < uint64(o.FailBurst) {
			switch {
			case o.FailStatus == 503, o.FailStatus == 0 && pos%2 == 1:
				return faultFail503
			default:
				return faultFail500
			}
		}
	}
	return faultNone
}

// delayFor is request n's added latency.
func (o *Options) delayFor(n uint64) time.Duration {
	d := o.Latency
	if o.Jitter > 0 {
		d += time.Duration(unit(mix(o.Seed, n, purposeJitter)) * float64(o.Jitter))
	}
	return d
}
