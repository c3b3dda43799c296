package registry

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/skyql/skyql/pkg/provider"
)

// Config is what users pass with --registry, in StackQL's JSON shape so
// scripts move over unchanged:
//
//	{"url": "https://...", "localDocRoot": "...", "verifyConfig": {"nopVerify": true}}
type Config struct {
	// URL addresses the registry's dist directory (the folder holding
	// providers.yaml): https://..., file:///abs/path, or http:// for a
	// loopback host only.
	URL string `json:"url"`
	// LocalDocRoot, when set, replaces the app directory as the place
	// providers are pulled into (<localDocRoot>/src/<provider>/<version>).
	LocalDocRoot string       `json:"localDocRoot,omitempty"`
	VerifyConfig VerifyConfig `json:"verifyConfig"`
	// Pins selects the version of a provider queries use, by name
	// ({"azure": "v0.1.0"}), over the default: the newest installed one,
	// else the newest built into skyql.
	Pins map[string]string `json:"pins,omitempty"`

	// Warnings receives the warning printed whenever verification is off
	// (default os.Stderr).
	Warnings io.Writer `json:"-"`
	// HeaderTimeout and DownloadTimeout, Go durations such as "30s" or
	// "20m", set Limits' waits for an http(s) registry: for its answer to
	// begin, and for the whole download of one file.
	HeaderTimeout   string `json:"headerTimeout,omitempty"`
	DownloadTimeout string `json:"downloadTimeout,omitempty"`
	// Limits bounds downloads and archives; a zero field means DefaultLimits'.
	Limits Limits `json:"-"`
	// HTTPClient sends requests for http(s) registries; nil means a client
	// that refuses redirects to non-HTTPS, non-loopback addresses.
	HTTPClient *http.Client `json:"-"`
}

// VerifyConfig says which signatures are trusted. The key embedded in skyql
// is always trusted; PublicKeys (PEM or base64 text) and PublicKeyFiles add
// more. NopVerify switches verification off entirely.
type VerifyConfig struct {
	NopVerify      bool     `json:"nopVerify,omitempty"`
	PublicKeys     []string `json:"publicKeys,omitempty"`
	PublicKeyFiles []string `json:"publicKeyFiles,omitempty"`
}

// ParseConfig decodes the --registry JSON. Unknown keys are errors, so that a
// misspelt key is not silently ignored.
func ParseConfig(text string) (Config, error) {
	var cfg Config
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return Config{}, fmt.Errorf(`--registry must be JSON like '{"url":"https://...","verifyConfig":{"publicKeys":["..."]}}': %w`, err)
	}
	for _, t := range []struct {
		key, text string
		into      *time.Duration
	}{{"headerTimeout", cfg.HeaderTimeout, &cfg.Limits.HeaderTimeout}, {"downloadTimeout", cfg.DownloadTimeout, &cfg.Limits.Timeout}} {
		if t.text == "" {
			continue
		}
		d, err := time.ParseDuration(t.text)
		if err != nil || d <= 0 {
			return Config{}, fmt.Errorf(`--registry: %s must be a positive duration such as "30s" or "10m", got %q`, t.key, t.text)
		}
		*t.into = d
	}
	if err := CheckPins(cfg.Pins); err != nil {
		return Config{}, fmt.Errorf("--registry: %w", err)
	}
	return cfg, nil
}

// CheckPins checks that pins map provider names to versions.
func CheckPins(pins map[string]string) error {
	for name, version := range pins {
		if err := checkProviderName(name); err != nil {
			return fmt.Errorf(`pins: %w`, err)
		}
		if err := checkVersion(version); err != nil {
			return fmt.Errorf(`pins.%s: %w (pins look like {"azure": "v24.01.00200"})`, name, err)
		}
	}
	return nil
}

// SplitPinned splits "provider@version" (as `skyql registry pull
// azure@v24.01.00200` takes it); version is "" without '@'.
func SplitPinned(arg string) (name, version string, err error) {
	name, version, pinned := strings.Cut(arg, "@")
	if err := checkProviderName(name); err != nil {
		return "", "", err
	}
	if pinned {
		if err := checkVersion(version); err != nil {
			return "", "", err
		}
	}
	return name, version, nil
}

// Registry is an opened registry: where it is and which keys it trusts.
type Registry struct {
	base       *url.URL
	keys       []ed25519.PublicKey
	skipVerify bool
	warnings   io.Writer
	limits     Limits
	client     *http.Client
}

// Open checks cfg and returns a client for the registry it names. Nothing is
// fetched yet.
func Open(cfg Config) (*Registry, error) {
	if cfg.URL == "" {
		return nil, errors.New(`no registry URL: pass --registry '{"url":"https://<host>/<dist dir>"}' or '{"url":"file:///abs/path/to/dist"}'`)
	}
	base, err := parseRegistryURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	r := &Registry{
		base:       base,
		skipVerify: cfg.VerifyConfig.NopVerify,
		warnings:   cfg.Warnings,
		limits:     cfg.Limits,
		client:     cfg.HTTPClient,
	}
	if r.warnings == nil {
		r.warnings = os.Stderr
	}
	r.limits.withDefaults()
	if r.client == nil {
		r.client = &http.Client{CheckRedirect: checkRedirect}
	}
	r.keys = append(r.keys, EmbeddedPublicKey())
	for i, text := range cfg.VerifyConfig.PublicKeys {
		key, err := ParsePublicKey(text)
		if err != nil {
			return nil, fmt.Errorf("verifyConfig.publicKeys[%d]: %w", i, err)
		}
		r.keys = append(r.keys, key)
	}
	for _, file := range cfg.VerifyConfig.PublicKeyFiles {
		key, err := ReadPublicKey(file)
		if err != nil {
			return nil, fmt.Errorf("verifyConfig.publicKeyFiles: %w", err)
		}
		r.keys = append(r.keys, key)
	}
	if r.skipVerify {
		r.warn()
	}
	return r, nil
}

func (r *Registry) warn() {
	fmt.Fprintf(r.warnings, "skyql: WARNING: signature verification is OFF for registry %s; pulled documents may have been tampered with\n", r.base)
}

// URL returns the registry's address.
func (r *Registry) URL() string { return r.base.String() }

// parseRegistryURL accepts https, file with an absolute path, and http only
// for loopback hosts (a local test registry): plain HTTP to anywhere else
// would let the network rewrite what gets installed.
func parseRegistryURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("registry url %q does not parse: %w", raw, err)
	}
	switch u.Scheme {
	case "https":
		if u.Host == "" {
			return nil, fmt.Errorf("registry url %q has no host", raw)
		}
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("registry url %q uses plain http, which is allowed for loopback hosts (localhost, 127.0.0.1, ::1) only: use https", raw)
		}
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return nil, fmt.Errorf("registry url %q names host %q: a file url looks like file:///abs/path", raw, u.Host)
		}
		if !path.IsAbs(u.Path) {
			return nil, fmt.Errorf("registry url %q needs an absolute path, e.g. file:///srv/registry/dist", raw)
		}
	default:
		return nil, fmt.Errorf("registry url %q: use https://..., file:///abs/path, or http://localhost:<port>/...", raw)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return u, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if req.URL.Scheme == "https" || (req.URL.Scheme == "http" && isLoopback(req.URL.Hostname())) {
		return nil
	}
	return fmt.Errorf("refusing the redirect to %s: registries are fetched over https only", req.URL)
}

// open returns the registry file at rel ('/'-separated, below the dist
// directory). A missing file yields an error wrapping fs.ErrNotExist.
func (r *Registry) open(ctx context.Context, rel string) (io.ReadCloser, error) {
	if r.base.Scheme == "file" {
		f, err := os.Open(filepath.Join(filepath.FromSlash(r.base.Path), filepath.FromSlash(rel)))
		if err != nil {
			return nil, err
		}
		return f, nil
	}
	target := r.base.JoinPath(rel).String()
	// The registry has HeaderTimeout to start answering and Timeout to
	// send the whole file, so a silent or trickling server cannot hang a
	// pull or a listing.
	ctx, cancel := context.WithCancelCause(ctx)
	headers := time.AfterFunc(r.limits.HeaderTimeout, func() {
		cancel(fmt.Errorf("GET %s: no answer within %s", target, r.limits.HeaderTimeout))
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		cancel(nil)
		return nil, err
	}
	resp, err := r.client.Do(req)
	headers.Stop()
	if err != nil {
		err = causeOr(ctx, err)
		cancel(nil)
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		cancel(nil)
		if resp.StatusCode == http.StatusNotFound {
			return nil, fmt.Errorf("GET %s: %s: %w", target, resp.Status, os.ErrNotExist)
		}
		return nil, fmt.Errorf("GET %s: %s", target, resp.Status)
	}
	download := time.AfterFunc(r.limits.Timeout, func() {
		cancel(fmt.Errorf("GET %s: the download did not complete within %s", target, r.limits.Timeout))
	})
	return &timedBody{ReadCloser: resp.Body, ctx: ctx, end: func() { download.Stop(); cancel(nil) }}, nil
}

// timedBody is a response body whose read errors name the deadline that
// ended it, and whose Close releases its timer.
type timedBody struct {
	io.ReadCloser
	ctx context.Context
	end func()
}

func (d *timedBody) Read(p []byte) (int, error) {
	n, err := d.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		err = causeOr(d.ctx, err)
	}
	return n, err
}

func (d *timedBody) Close() error {
	err := d.ReadCloser.Close()
	d.end()
	return err
}

// causeOr returns why ctx ended, when it did, else err.
func causeOr(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); cause != nil {
		return cause
	}
	return err
}

// Index fetches and parses the registry's providers.yaml.
func (r *Registry) Index(ctx context.Context) (*Index, error) {
	body, err := r.open(ctx, IndexFile)
	if err != nil {
		return nil, fmt.Errorf("registry %s is unreachable or is not a registry dist directory (no %s): %w", r.base, IndexFile, err)
	}
	defer body.Close()
	data, err := io.ReadAll(&cappedReader{r: body, left: r.limits.IndexBytes, what: IndexFile})
	if err != nil {
		return nil, fmt.Errorf("registry %s: reading %s: %w", r.base, IndexFile, err)
	}
	idx, err := parseIndex(data)
	if err != nil {
		return nil, fmt.Errorf("registry %s: %w", r.base, err)
	}
	return idx, nil
}

// Listing is one provider version a registry offers.
type Listing struct {
	Name    string
	Version string
}

// List returns the newest version of every provider, sorted by name.
func (r *Registry) List(ctx context.Context) ([]Listing, error) {
	idx, err := r.Index(ctx)
	if err != nil {
		return nil, err
	}
	var out []Listing
	for _, name := range idx.Names() {
		if versions := idx.Providers[name].Versions; len(versions) > 0 {
			out = append(out, Listing{Name: name, Version: versions[0]})
		}
	}
	return out, nil
}

// Versions returns the versions of one provider, newest first. An unknown
// provider's error suggests the nearest name the registry has.
func (r *Registry) Versions(ctx context.Context, provider string) ([]string, error) {
	idx, err := r.Index(ctx)
	if err != nil {
		return nil, err
	}
	return idx.versions(provider, r.base.String())
}

func (idx *Index) versions(name, where string) ([]string, error) {
	entry, ok := idx.Providers[name]
	if !ok || len(entry.Versions) == 0 {
		msg := fmt.Sprintf("registry %s has no provider %q", where, name)
		if near := provider.Nearest(name, idx.Names()); near != "" {
			msg += fmt.Sprintf("; did you mean %q?", near)
		}
		return nil, errors.New(msg + " (`skyql registry list` shows them all)")
	}
	return entry.Versions, nil
}

// Pull downloads one version of provider (the newest when version is ""),
// verifies every file's signature, validates the documents and installs them
// into <appDir>/src/<provider>/<version>/. The install is atomic: the archive
// is unpacked into a temporary folder beside the target and renamed into
// place only after every check passed, so a failed pull leaves what was
// installed before untouched.
func (r *Registry) Pull(ctx context.Context, provider, version, appDir string) (Entry, error) {
	idx, err := r.Index(ctx)
	if err != nil {
		return Entry{}, err
	}
	versions, err := idx.versions(provider, r.base.String())
	if err != nil {
		return Entry{}, err
	}
	if version == "" {
		version = versions[0]
	} else if !slices.Contains(versions, version) {
		return Entry{}, fmt.Errorf("registry %s has no version %s of %s; available: %s", r.base, version, provider, strings.Join(versions, ", "))
	}
	return install(appDir, provider, version, OriginPulled, r.base.String(), r.warnings, func(staging string) ([]error, error) {
		return r.fetchVerified(ctx, provider, version, staging)
	})
}

// install fills a staging folder beside <appDir>/src/<name>/<version>/ with
// fill, records the origin and renames it into place only when fill
// succeeded, so a failed install leaves what was installed before
// untouched. fill's warnings are printed to w.
func install(appDir, name, version, origin, from string, w io.Writer, fill func(staging string) ([]error, error)) (Entry, error) {
	target := filepath.Join(appDir, "src", name, version)
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return Entry{}, fmt.Errorf("creating the provider folder: %w", err)
	}
	staging, err := os.MkdirTemp(filepath.Dir(target), "."+version+".pull-")
	if err != nil {
		return Entry{}, fmt.Errorf("creating a staging folder: %w", err)
	}
	defer os.RemoveAll(staging)

	verb := "installing"
	if origin == OriginPulled {
		verb = "pulling"
	}
	warnings, err := fill(staging)
	if err != nil {
		return Entry{}, fmt.Errorf("%s %s %s: %w; nothing was installed", verb, name, version, err)
	}
	if err := writeOrigin(staging, origin, from); err != nil {
		return Entry{}, fmt.Errorf("%s %s %s: recording its origin: %w; nothing was installed", verb, name, version, err)
	}
	if err := replaceDir(staging, target); err != nil {
		return Entry{}, fmt.Errorf("installing %s %s into %s: %w", name, version, target, err)
	}
	printWarnings(w, name+" "+version, target, warnings)
	return Entry{Name: name, Version: version, Origin: origin, From: from, Dir: target}, nil
}

// maxWarningLines bounds the warnings an install prints; the rest are
// counted, and `skyql provider validate` lists them all.
const maxWarningLines = 10

// printWarnings tells what an installed version's documents get wrong,
// never silently: the first few in full, then how many more.
func printWarnings(w io.Writer, what, dir string, warnings []error) {
	for i, warning := range warnings {
		if i == maxWarningLines {
			fmt.Fprintf(w, "skyql: warning: %s: %d more warning(s); `skyql provider validate %s` lists them all\n", what, len(warnings)-i, dir)
			return
		}
		fmt.Fprintf(w, "skyql: warning: %s: %v\n", what, warning)
	}
}

// archiveFolders names the dist folders of providers the public registry
// files under another name than its index uses (its tool knows them too):
// google's archives are in googleapis.com/.
var archiveFolders = map[string]string{"google": "googleapis.com"}

// fetchVerified unpacks the archive of provider version into dir and checks
// signatures and documents.
func (r *Registry) fetchVerified(ctx context.Context, provider, version, dir string) ([]error, error) {
	rel := provider + "/" + version + ".tgz"
	body, err := r.open(ctx, rel)
	if folder, ok := archiveFolders[provider]; ok && errors.Is(err, fs.ErrNotExist) {
		rel = folder + "/" + version + ".tgz"
		body, err = r.open(ctx, rel)
	}
	if err != nil {
		return nil, fmt.Errorf("registry %s lists it but its archive %s cannot be fetched: %w", r.base, rel, err)
	}
	defer body.Close()
	files, skipped, err := extractArchive(body, version, dir, r.limits)
	if err != nil {
		return nil, fmt.Errorf("archive %s refused: %w", rel, err)
	}
	if !slices.Contains(files, "provider.yaml") {
		return nil, fmt.Errorf("archive %s has no %s/provider.yaml", rel, version)
	}
	if r.skipVerify {
		r.warn()
	} else if err := verifySignatures(dir, files, r.keys); err != nil {
		return nil, fmt.Errorf("archive %s: %w", rel, err)
	}
	warnings, err := validateVersionDir(dir, provider, version)
	if err != nil {
		return nil, fmt.Errorf("archive %s holds invalid documents: %w", rel, err)
	}
	for _, name := range skipped {
		warnings = append(warnings, fmt.Errorf("archive %s: left out %q, which is not a provider document", rel, name))
	}
	return warnings, nil
}

// replaceDir moves staging to target. When target exists it is first moved
// aside and restored if the second rename fails, so the previous install
// survives any failure.
func replaceDir(staging, target string) error {
	if err := os.Rename(staging, target); err == nil {
		return nil
	} else if _, statErr := os.Lstat(target); statErr != nil {
		return err
	}
	previous, err := os.MkdirTemp(filepath.Dir(target), "."+filepath.Base(target)+".previous-")
	if err != nil {
		return err
	}
	aside := filepath.Join(previous, "old")
	if err := os.Rename(target, aside); err != nil {
		os.Remove(previous)
		return err
	}
	if err := os.Rename(staging, target); err != nil {
		if restoreErr := os.Rename(aside, target); restoreErr != nil {
			return fmt.Errorf("%w; the previous install could not be restored from %s: %v", err, aside, restoreErr)
		}
		os.Remove(previous)
		return err
	}
	return os.RemoveAll(previous)
}
