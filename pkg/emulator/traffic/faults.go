package traffic

import (
	"time"

	"github.com/skyql/skyql/pkg/emulator/internal/seeded"
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

const (
	purposeThrottle = 1
	purposeJitter   = 2
)

// faultFor decides request n's fault (n counts from 1).
func (o *Config) faultFor(n uint64) fault {
	if o.DropEvery > 0 && n%uint64(o.DropEvery) == 0 {
		return faultDrop
	}
	if o.ThrottleEvery > 0 && n%uint64(o.ThrottleEvery) == 0 {
		return faultThrottle
	}
	if o.ThrottleRate > 0 && seeded.Unit(seeded.Mix(o.Seed, n, purposeThrottle)) < o.ThrottleRate {
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
func (o *Config) delayFor(n uint64) time.Duration {
	d := o.Latency
	if o.Jitter > 0 {
		d += time.Duration(seeded.Unit(seeded.Mix(o.Seed, n, purposeJitter)) * float64(o.Jitter))
	}
	return d
}
