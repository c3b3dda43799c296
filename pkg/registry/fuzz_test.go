package registry

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// FuzzExtractArchive feeds arbitrary bytes to the archive reader a pull
// uses: it must refuse or unpack, never panic, and never write outside
// the folder it was given or beyond its limits.
// Run: go test ./pkg/registry -run '^$' -fuzz FuzzExtractArchive
func FuzzExtractArchive(f *testing.F) {
	var valid bytes.Buffer
	if err := writeArchive(&valid, "v1", map[string][]byte{"provider.yaml": []byte("id: p\n"), "services/s.yaml": []byte("openapi: 3.0.0\n")}); err != nil {
		f.Fatal(err)
	}
	f.Add(valid.Bytes())
	f.Add(hostileTar(f, &tar.Header{Name: "v1/../../escape", Typeflag: tar.TypeReg, Size: 1, Mode: 0o644}))
	f.Add(hostileTar(f, &tar.Header{Name: "v1/link", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd", Mode: 0o777}))
	f.Add([]byte("not an archive"))
	limits := Limits{IndexBytes: 1 << 10, ArchiveBytes: 64 << 10, EntryBytes: 16 << 10, TotalBytes: 64 << 10, Entries: 50}
	f.Fuzz(func(t *testing.T, archive []byte) {
		root := t.TempDir()
		dest := filepath.Join(root, "dest")
		if err := os.Mkdir(dest, 0o755); err != nil {
			t.Fatal(err)
		}
		files, _, err := extractArchive(bytes.NewReader(archive), "v1", dest, limits)
		var total int64
		walkErr := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(dest, p)
			if p != root && !filepath.IsLocal(rel) && rel != "." {
				t.Fatalf("wrote %s, outside %s", p, dest)
			}
			if d.Type()&fs.ModeSymlink != 0 {
				t.Fatalf("unpacked a symbolic link %s", p)
			}
			if info, err := d.Info(); err == nil && d.Type().IsRegular() {
				total += info.Size()
			}
			return nil
		})
		if walkErr != nil {
			t.Fatal(walkErr)
		}
		if total > limits.TotalBytes {
			t.Fatalf("unpacked %d bytes, over the %d limit", total, limits.TotalBytes)
		}
		if err == nil {
			for _, name := range files {
				if _, statErr := os.Stat(filepath.Join(dest, filepath.FromSlash(name))); statErr != nil || slices.Contains([]string{"", "."}, name) {
					t.Fatalf("listed %q, which was not unpacked: %v", name, statErr)
				}
			}
		}
	})
}

// hostileTar is a gzip tar with one crafted entry.
func hostileTar(f *testing.F, hdr *tar.Header) []byte {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	if err := tw.WriteHeader(hdr); err != nil {
		f.Fatal(err)
	}
	if hdr.Size > 0 {
		if _, err := tw.Write(bytes.Repeat([]byte("x"), int(hdr.Size))); err != nil {
			f.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		f.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		f.Fatal(err)
	}
	return buf.Bytes()
}
