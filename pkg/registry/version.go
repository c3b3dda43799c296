package registry

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Provider names and versions become path components on the user's disk and
// in URLs, so only a conservative alphabet is accepted from an index.
var (
	providerNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
	versionPattern      = regexp.MustCompile(`^v[0-9]+(\.[0-9]+)*(-[0-9A-Za-z.]+)?$`)
)

func checkProviderName(name string) error {
	if !providerNamePattern.MatchString(name) {
		return fmt.Errorf("invalid provider name %q: use lower-case letters, digits, '_' and '-'", name)
	}
	return nil
}

func checkVersion(version string) error {
	if !versionPattern.MatchString(version) {
		return fmt.Errorf("invalid version %q: versions look like v0.3.0 or v24.10.00256", version)
	}
	return nil
}

// CompareVersions orders versions such as v0.3.0 and v24.10.00256: numeric
// parts compare as numbers (so v0.10.0 > v0.9.0 and leading zeros do not
// matter), a version with more parts is newer when the shared parts are equal,
// and a pre-release (v1.0.0-rc1) is older than its release. It returns -1, 0
// or +1.
func CompareVersions(a, b string) int {
	aCore, aPre, _ := strings.Cut(strings.TrimPrefix(a, "v"), "-")
	bCore, bPre, _ := strings.Cut(strings.TrimPrefix(b, "v"), "-")
	aParts, bParts := strings.Split(aCore, "."), strings.Split(bCore, ".")
	for i := 0; i < len(aParts) || i < len(bParts); i++ {
		if i >= len(aParts) {
			return -1
		}
		if i >= len(bParts) {
			return 1
		}
		if c := comparePart(aParts[i], bParts[i]); c != 0 {
			return c
		}
	}
	switch {
	case aPre == bPre:
		return 0
	case aPre == "":
		return 1
	case bPre == "":
		return -1
	}
	return strings.Compare(aPre, bPre)
}

func comparePart(a, b string) int {
	an, aErr := strconv.ParseUint(a, 10, 64)
	bn, bErr := strconv.ParseUint(b, 10, 64)
	if aErr != nil || bErr != nil {
		return strings.Compare(a, b)
	}
	switch {
	case an < bn:
		return -1
	case an > bn:
		return 1
	}
	return 0
}

// SortNewestFirst sorts versions in place, newest first.
func SortNewestFirst(versions []string) {
	slices.SortStableFunc(versions, func(a, b string) int { return CompareVersions(b, a) })
}
