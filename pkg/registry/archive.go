package registry

import (
	"archive/tar"
	"bytes"
	"cmp"
	"compress/gzip"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Limits bound what a pull will download and unpack, so that a hostile or
// broken registry cannot fill the disk or memory (a gzip bomb, say).
type Limits struct {
	IndexBytes   int64 // providers.yaml
	ArchiveBytes int64 // a .tgz as downloaded (compressed)
	EntryBytes   int64 // one file inside an archive
	TotalBytes   int64 // all files of an archive, unpacked
	Entries      int   // files and folders in an archive

	// HeaderTimeout bounds the wait for an http(s) registry's answer to
	// begin, Timeout the whole download of one file; zero means the default.
	HeaderTimeout time.Duration
	Timeout       time.Duration
}

// DefaultLimits leave room for the largest published Azure service
// documents (tens of MB each) while stopping runaway archives.
var DefaultLimits = Limits{
	IndexBytes:   16 << 20,
	ArchiveBytes: 512 << 20,
	EntryBytes:   256 << 20,
	TotalBytes:   2 << 30,
	Entries:      20000,

	HeaderTimeout: 30 * time.Second,
	Timeout:       10 * time.Minute,
}

// withDefaults gives every zero field of l DefaultLimits' value.
func (l *Limits) withDefaults() {
	d := DefaultLimits
	l.IndexBytes = cmp.Or(l.IndexBytes, d.IndexBytes)
	l.ArchiveBytes = cmp.Or(l.ArchiveBytes, d.ArchiveBytes)
	l.EntryBytes = cmp.Or(l.EntryBytes, d.EntryBytes)
	l.TotalBytes = cmp.Or(l.TotalBytes, d.TotalBytes)
	l.Entries = cmp.Or(l.Entries, d.Entries)
	l.HeaderTimeout = cmp.Or(l.HeaderTimeout, d.HeaderTimeout)
	l.Timeout = cmp.Or(l.Timeout, d.Timeout)
}

// archiveModTime is the modification time of every archive entry, so that
// building the same tree twice gives byte-identical archives.
var archiveModTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// writeArchive writes a gzip tar holding one top-level "<version>/" folder
// with files (paths relative to that folder, '/'-separated). Entries are
// sorted and carry fixed times, modes and owners.
func writeArchive(w io.Writer, version string, files map[string][]byte) error {
	dirs := map[string]bool{version + "/": true}
	names := make([]string, 0, len(files))
	for name := range files {
		full := version + "/" + name
		names = append(names, full)
		for dir := path.Dir(full); dir != version && dir != "."; dir = path.Dir(dir) {
			dirs[dir+"/"] = true
		}
	}
	for dir := range dirs {
		names = append(names, dir)
	}
	sort.Strings(names)

	gz, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(gz)
	for _, name := range names {
		hdr := &tar.Header{Name: name, ModTime: archiveModTime, Format: tar.FormatPAX}
		if strings.HasSuffix(name, "/") {
			hdr.Typeflag, hdr.Mode = tar.TypeDir, 0o755
		} else {
			data := files[strings.TrimPrefix(name, version+"/")]
			hdr.Typeflag, hdr.Mode, hdr.Size = tar.TypeReg, 0o644, int64(len(data))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if hdr.Typeflag == tar.TypeReg {
			if _, err := tw.Write(files[strings.TrimPrefix(name, version+"/")]); err != nil {
				return err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

// errTooLarge is wrapped by every limit violation.
var errTooLarge = errors.New("exceeds the size limit")

// cappedReader fails once more than max bytes have been read through it.
type cappedReader struct {
	r    io.Reader
	left int64
	what string
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.left < 0 {
		return 0, fmt.Errorf("%s %w", c.what, errTooLarge)
	}
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		return n, fmt.Errorf("%s %w", c.what, errTooLarge)
	}
	return n, err
}

// extractArchive unpacks a version archive into dest (an empty directory),
// dropping the top-level "<version>/" folder. It extracts folders and
// regular files named provider.yaml, services/<name>.yaml and their .sig
// files. Other regular files and folders inside the version folder (a
// packer's .DS_Store, which the public registry's archives carry) are left
// out and returned as skipped, since the anchor tool ignores them; anything
// unsafe (absolute or escaping paths, links, devices, entries outside the
// version folder, oversized entries) aborts the extraction. It returns the
// extracted file names relative to dest, '/'-separated.
func extractArchive(r io.Reader, version, dest string, limits Limits) (files, skipped []string, err error) {
	gz, err := gzip.NewReader(&cappedReader{r: r, left: limits.ArchiveBytes, what: "the archive"})
	if err != nil {
		return nil, nil, fmt.Errorf("not a gzip archive: %w", err)
	}
	tr := tar.NewReader(gz)
	seen := map[string]bool{}
	var total int64
	for entries := 1; ; entries++ {
		hdr, err := tr.Next()
		if err == io.EOF {
			if err := drainGzip(gz); err != nil {
				return nil, nil, err
			}
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("reading the archive: %w", err)
		}
		if entries > limits.Entries {
			return nil, nil, fmt.Errorf("the archive has more than %d entries, the limit", limits.Entries)
		}
		rel, err := archiveEntryPath(hdr.Name, version)
		if err != nil {
			return nil, nil, err
		}
		if seen[rel] {
			return nil, nil, fmt.Errorf("archive entry %q appears twice", hdr.Name)
		}
		seen[rel] = true
		switch hdr.Typeflag {
		case tar.TypeDir:
			if rel != "" && rel != "services" {
				skipped = append(skipped, hdr.Name)
				continue
			}
			if err := os.MkdirAll(filepath.Join(dest, filepath.FromSlash(rel)), 0o755); err != nil {
				return nil, nil, err
			}
			continue
		case tar.TypeReg:
		default:
			return nil, nil, fmt.Errorf("archive entry %q is a %s; only regular files and folders are accepted", hdr.Name, entryKind(hdr.Typeflag))
		}
		if !isDocumentPath(strings.TrimSuffix(rel, ".sig")) {
			skipped = append(skipped, hdr.Name)
			continue
		}
		if hdr.Size > limits.EntryBytes {
			return nil, nil, fmt.Errorf("archive entry %q has %d bytes, over the %d-byte limit", hdr.Name, hdr.Size, limits.EntryBytes)
		}
		if total += hdr.Size; total > limits.TotalBytes {
			return nil, nil, fmt.Errorf("the archive unpacks to more than %d bytes, the limit", limits.TotalBytes)
		}
		if err := writeExtracted(filepath.Join(dest, filepath.FromSlash(rel)), tr, hdr.Size); err != nil {
			return nil, nil, fmt.Errorf("extracting %q: %w", hdr.Name, err)
		}
		files = append(files, rel)
	}
	sort.Strings(files)
	return files, skipped, nil
}

// tarPadding bounds what may follow the tar end marker inside the gzip
// stream: tar writers pad to a 10 KiB record, nothing legitimate needs more.
const tarPadding = 64 << 10

// drainGzip reads the gzip stream to its end so its checksum is verified:
// the tar reader stops at the end marker and would otherwise never see a
// corrupted trailer.
func drainGzip(gz io.Reader) error {
	_, err := io.CopyN(io.Discard, gz, tarPadding+1)
	switch err {
	case io.EOF:
		return nil
	case nil:
		return errors.New("unexpected data after the end of the tar archive")
	}
	return fmt.Errorf("corrupt gzip stream: %w", err)
}

// archiveEntryPath checks an entry name and returns it relative to the
// "<version>/" folder ("" for that folder itself).
func archiveEntryPath(name, version string) (string, error) {
	if name == "" || strings.HasPrefix(name, "/") || strings.Contains(name, `\`) || filepath.IsAbs(name) {
		return "", fmt.Errorf("archive entry %q has an absolute or non-portable path", name)
	}
	trimmed := strings.TrimSuffix(name, "/")
	for _, part := range strings.Split(trimmed, "/") {
		if part == ".." {
			return "", fmt.Errorf("archive entry %q climbs out of its folder with '..'", name)
		}
	}
	if path.Clean(trimmed) != trimmed {
		return "", fmt.Errorf("archive entry %q is not a clean path", name)
	}
	if trimmed == version {
		return "", nil
	}
	rel, ok := strings.CutPrefix(trimmed, version+"/")
	if !ok {
		return "", fmt.Errorf("archive entry %q is outside the %s/ folder the archive must hold", name, version)
	}
	return rel, nil
}

// isDocumentPath reports whether rel names a provider document inside a
// version folder: provider.yaml or services/<name>.yaml.
func isDocumentPath(rel string) bool {
	if rel == "provider.yaml" {
		return true
	}
	name, ok := strings.CutPrefix(rel, "services/")
	return ok && !strings.Contains(name, "/") && strings.HasSuffix(name, ".yaml") &&
		len(name) > len(".yaml") && !strings.HasPrefix(name, ".")
}

func entryKind(flag byte) string {
	switch flag {
	case tar.TypeSymlink:
		return "symbolic link"
	case tar.TypeLink:
		return "hard link"
	case tar.TypeChar, tar.TypeBlock:
		return "device"
	case tar.TypeFifo:
		return "named pipe"
	}
	return fmt.Sprintf("entry of tar type %q", flag)
}

func writeExtracted(dest string, r io.Reader, size int64) error {
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.CopyN(f, r, size); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// verifySignatures checks that every document among files (relative to dir)
// has a .sig beside it made by one of keys, and that no signature is left
// without its document. The error names the first file that fails.
func verifySignatures(dir string, files []string, keys []ed25519.PublicKey) error {
	have := map[string]bool{}
	for _, f := range files {
		have[f] = true
	}
	for _, f := range files {
		if doc, isSig := strings.CutSuffix(f, ".sig"); isSig {
			if !have[doc] {
				return fmt.Errorf("signature %s has no document %s beside it", f, doc)
			}
			continue
		}
		if !have[f+".sig"] {
			return fmt.Errorf("%s has no signature (%s.sig is missing)", f, f)
		}
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f)))
		if err != nil {
			return err
		}
		sig, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f+".sig")))
		if err != nil {
			return err
		}
		if !signedByAny(keys, data, sig) {
			if size, foreign := foreignSignature(sig); foreign {
				return fmt.Errorf("%s.sig is not a skyql signature (it decodes to %d bytes, not an Ed25519 signature's %d: the public StackQL registry signs with certificate-bound, timestamped signatures that skyql cannot check); to install these documents without checking them, pass --insecure-skip-verify (or verifyConfig.nopVerify in --registry)", f, size, ed25519.SignatureSize)
			}
			return fmt.Errorf("bad signature for %s: %s.sig is not a valid signature of it by any trusted key (tampered file, or signed with a key you do not trust)", f, f)
		}
	}
	return nil
}

// foreignSignature reports whether sigText is base64 of something other
// than a bare Ed25519 signature (the public registry's are 79 bytes), and
// its decoded size: such a file was made by another signing tool, not
// tampered with, and deserves its own message.
func foreignSignature(sigText []byte) (int, bool) {
	sig, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(sigText)))
	return len(sig), err == nil && len(sig) != ed25519.SignatureSize
}

// archiveBytes builds an archive in memory; Build and tests use it.
func archiveBytes(version string, files map[string][]byte) ([]byte, error) {
	var buf bytes.Buffer
	if err := writeArchive(&buf, version, files); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
