package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"os"
	"runtime/debug"
	"slices"
	"sync"

	"github.com/skyql/skyql/pkg/output"
	"github.com/skyql/skyql/pkg/parser"
	"github.com/skyql/skyql/pkg/store"
)

// resultSlot returns where the store keeps the result of a statement
// whose views fetchPlan bound as f, or nil when the result must not be
// kept: the statement has parameters (its text does not say which values
// it ran with) or reads no API rows, names one of the store's own tables
// (whose rows change without a new call generation), or, as SQLite's
// authorizer tells, reads anything but its views and their
// tables or calls a function whose result is not its arguments' alone.
func (s *Session) resultSlot(ctx context.Context, sel *parser.Select, f fetched, instance, query string) *store.ResultSlot {
	if instance == "" || len(s.args) > 0 || len(f.views) == 0 || slices.ContainsFunc(sel.Names(), store.InternalName) {
		return nil
	}
	reads, err := s.cfg.Store.Reads(ctx, query)
	if err != nil || !reads.Deterministic(append(slices.Collect(maps.Keys(f.views)), f.tables...)) {
		return nil // a query that does not prepare fails by itself
	}
	return s.cfg.Store.ResultSlot(resultKey(instance, query, f))
}

// queryKept prints the result kept in slot if there is one, and otherwise
// runs the query and keeps what it printed there. Only what a Writer from
// output.New prints is kept.
func (s *Session) queryKept(ctx context.Context, query string, isJSON func(string) bool, w output.Writer, slot *store.ResultSlot) error {
	if slot == nil || !output.Recordable(w) {
		return s.query(ctx, query, isJSON, w)
	}
	if kept, found, err := slot.Open(); err == nil && found {
		err := output.Replay(kept, w)
		kept.Close()
		// A result not kept in the format asked for is computed again
		// (Replay then printed nothing).
		if !errors.Is(err, output.ErrNotReplayable) {
			return err
		}
	}
	result, err := slot.Create()
	if err != nil {
		fmt.Fprintf(s.cfg.Stderr, "skyql: warning: the result cannot be kept for a repeat: %v\n", err)
		return s.query(ctx, query, isJSON, w)
	}
	rec := output.NewRecorder(w, result)
	err = s.query(ctx, query, isJSON, rec)
	rec.Close()
	if err != nil || !rec.Kept() {
		result.Discard()
		return err
	}
	if err := result.Commit(); err != nil {
		fmt.Fprintf(s.cfg.Stderr, "skyql: warning: the result was printed but could not be kept for a repeat: %v\n", err)
	}
	return nil
}

// resultKey names a statement's result in the store's result cache. It
// covers everything the result depends on: the cache's instance, the SQL
// SQLite runs, what each view shows (its definition names the table, the
// calls, and which JSON columns are text), the generation of every call,
// and the build of skyql that computed it (the store adds SQLite's
// version).
func resultKey(instance, query string, f fetched) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s", instance, buildVersion())
	for _, name := range slices.Sorted(maps.Keys(f.views)) {
		fmt.Fprintf(h, "\x00%s\x00%s", name, f.views[name])
	}
	for _, c := range f.calls {
		fmt.Fprintf(h, "\x00%d:%d", c.ID, c.Generation)
	}
	fmt.Fprintf(h, "\x00%s", query)
	return hex.EncodeToString(h.Sum(nil))
}

// buildVersion identifies the build of skyql running: its module version
// and VCS revision as the go command stamps them, and the executable's
// size and modification time, which tell apart builds the go command
// stamps alike (-buildvcs=false, a modified tree, a source archive).
var buildVersion = sync.OnceValue(func() string {
	var v string
	if info, ok := debug.ReadBuildInfo(); ok {
		v = info.Main.Path + "@" + info.Main.Version
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" || s.Key == "vcs.modified" {
				v += " " + s.Key + "=" + s.Value
			}
		}
	}
	if exe, err := os.Executable(); err == nil {
		if st, err := os.Stat(exe); err == nil {
			v += fmt.Sprintf(" %s:%d:%d", exe, st.Size(), st.ModTime().UnixNano())
		}
	}
	return v
})
