package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"

	"github.com/skyql/skyql/pkg/registry"
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

// providerPins returns the provider versions the user pinned: the app
// directory's config.json {"pins": {"azure": "v0.1.0"}}, overridden name by
// name by the "pins" of --registry (else $SKYQL_REGISTRY).
func (o *globalOptions) providerPins(appDir string) (map[string]string, error) {
	pins := map[string]string{}
	if appDir != "" {
		file := filepath.Join(appDir, scopeConfigFile)
		data, err := os.ReadFile(file)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("reading %s: %w", file, err)
		}
		if err == nil {
			var config struct {
				Pins map[string]string `json:"pins"`
			}
			if err := json.Unmarshal(data, &config); err != nil {
				return nil, fmt.Errorf(`%s is not valid: %v; pins look like {"pins": {"azure": "v24.01.00200"}}`, file, err)
			}
			if err := registry.CheckPins(config.Pins); err != nil {
				return nil, fmt.Errorf("%s: %w", file, err)
			}
			maps.Copy(pins, config.Pins)
		}
	}
	text := o.registry
	if text == "" {
		text = os.Getenv(registryEnv)
	}
	if text != "" {
		cfg, err := registry.ParseConfig(text)
		if err != nil {
			return nil, usageError{err}
		}
		maps.Copy(pins, cfg.Pins)
	}
	return pins, nil
}
