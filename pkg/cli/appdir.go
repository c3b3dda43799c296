package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/skyql/skyql/pkg/store"
)

// appDirectory returns where skyql keeps its cache, history and pulled
// providers: --app-dir, else $SKYQL_HOME, else <user config dir>/skyql.
func (o *globalOptions) appDirectory() (string, error) {
	if o.appDir != "" {
		return filepath.Abs(o.appDir)
	}
	if home := os.Getenv("SKYQL_HOME"); home != "" {
		return filepath.Abs(home)
	}
	config, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no app directory: pass --app-dir or set SKYQL_HOME (%w)", err)
	}
	return filepath.Join(config, "skyql"), nil
}

// indexDir is where compiled service indexes are kept (see provider.IndexCache).
func indexDir(appDir string) string { return filepath.Join(appDir, "index") }

// cacheOptions are the store's files in an app directory: the cache
// database and, beside it, the kept query results (see store.ResultSlot).
func cacheOptions(appDir string) store.Options {
	return store.Options{Path: filepath.Join(appDir, "cache.db"), ResultDir: filepath.Join(appDir, "results")}
}
