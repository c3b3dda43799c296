package registry

import (
	"crypto/ed25519"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGenerateKeyRoundTripsInBothFormats(t *testing.T) {
	for _, format := range []string{FormatPEM, FormatBase64} {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			privPath, pubPath, err := GenerateKey(dir, format)
			if err != nil {
				t.Fatal(err)
			}
			info, err := os.Stat(privPath)
			if err != nil {
				t.Fatal(err)
			}
			if info.Mode().Perm() != 0o600 {
				t.Errorf("private key mode %v, want 0600", info.Mode().Perm())
			}
			priv, err := ReadPrivateKey(privPath)
			if err != nil {
				t.Fatal(err)
			}
			pub, err := ReadPublicKey(pubPath)
			if err != nil {
				t.Fatal(err)
			}
			if !pub.Equal(priv.Public()) {
				t.Error("the public key file does not match the private key")
			}

			doc := filepath.Join(dir, "provider.yaml")
			if err := os.WriteFile(doc, []byte("id: tiny\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			sigPath, err := SignFile(doc, priv)
			if err != nil {
				t.Fatal(err)
			}
			sig, err := os.ReadFile(sigPath)
			if err != nil {
				t.Fatal(err)
			}
			if !signedByAny([]ed25519.PublicKey{pub}, []byte("id: tiny\n"), sig) {
				t.Error("SignFile wrote a signature that does not verify")
			}
			if signedByAny([]ed25519.PublicKey{pub}, []byte("id: tinY\n"), sig) {
				t.Error("the signature verifies for other content")
			}

			if _, _, err := GenerateKey(dir, format); err == nil || !strings.Contains(err.Error(), "never overwrites") {
				t.Errorf("second GenerateKey into the same dir: %v", err)
			}
		})
	}
	if _, _, err := GenerateKey(t.TempDir(), "der"); err == nil || !strings.Contains(err.Error(), "unknown key format") {
		t.Errorf("GenerateKey(der): %v", err)
	}
}

func TestParsePrivateKeyAcceptsASeed(t *testing.T) {
	_, priv := newKey(t)
	seedText := []byte("  " + base64.StdEncoding.EncodeToString(priv.Seed()) + "\n")
	got, err := ParsePrivateKey(seedText)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(priv) {
		t.Error("a base64 seed did not yield the same key")
	}
	if _, err := ParsePrivateKey([]byte("bm90IGEga2V5")); err == nil || !strings.Contains(err.Error(), "bytes") {
		t.Errorf("short key: %v", err)
	}
}

func TestEmbeddedPublicKeyParses(t *testing.T) {
	if len(EmbeddedPublicKey()) != ed25519.PublicKeySize {
		t.Fatal("embedded key has the wrong size")
	}
}
