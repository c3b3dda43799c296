package registry

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	_ "embed"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Key file formats GenerateKey can write. Both are read back by
// ReadPrivateKey and ParsePublicKey, which detect the format themselves.
const (
	FormatPEM    = "pem"    // PKCS #8 private key, PKIX public key
	FormatBase64 = "base64" // the raw key bytes in standard base64
)

// Names of the files GenerateKey writes into its output directory.
const (
	PrivateKeyFile = "skyql-registry.key"
	PublicKeyFile  = "skyql-registry.pub"
)

// embeddedPublicKey is the key skyql's own registry is signed with. Its
// private half is kept outside the repository.
//
//go:embed trusted/skyql-registry.pub
var embeddedPublicKey []byte

// EmbeddedPublicKey returns the public key built into skyql, trusted by every
// client unless verification is switched off.
func EmbeddedPublicKey() ed25519.PublicKey {
	key, err := ParsePublicKey(string(embeddedPublicKey))
	if err != nil {
		panic("registry: the embedded public key does not parse: " + err.Error())
	}
	return key
}

// GenerateKey creates an Ed25519 key pair and writes it into dir as
// PrivateKeyFile (mode 0600) and PublicKeyFile, in format FormatPEM or
// FormatBase64. It refuses to overwrite an existing private key, since that
// would orphan every archive signed with it.
func GenerateKey(dir, format string) (privatePath, publicPath string, err error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", "", fmt.Errorf("generating an Ed25519 key: %w", err)
	}
	var privText, pubText []byte
	switch format {
	case FormatPEM, "":
		der, err := x509.MarshalPKCS8PrivateKey(priv)
		if err != nil {
			return "", "", err
		}
		privText = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
		pubText = []byte(EncodePublicKeyPEM(pub))
	case FormatBase64:
		privText = []byte(base64.StdEncoding.EncodeToString(priv) + "\n")
		pubText = []byte(EncodePublicKeyBase64(pub) + "\n")
	default:
		return "", "", fmt.Errorf("unknown key format %q: use %q or %q", format, FormatPEM, FormatBase64)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", fmt.Errorf("creating the key directory: %w", err)
	}
	privatePath = filepath.Join(dir, PrivateKeyFile)
	publicPath = filepath.Join(dir, PublicKeyFile)
	f, err := os.OpenFile(privatePath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return "", "", fmt.Errorf("%s already exists: move it away or choose another --out directory; skyql never overwrites a signing key", privatePath)
	}
	if err != nil {
		return "", "", err
	}
	if _, err := f.Write(privText); err != nil {
		f.Close()
		return "", "", fmt.Errorf("writing %s: %w", privatePath, err)
	}
	if err := f.Close(); err != nil {
		return "", "", fmt.Errorf("writing %s: %w", privatePath, err)
	}
	if err := os.WriteFile(publicPath, pubText, 0o644); err != nil {
		return "", "", fmt.Errorf("writing %s: %w", publicPath, err)
	}
	return privatePath, publicPath, nil
}

// EncodePublicKeyPEM returns pub as a PEM "PUBLIC KEY" block.
func EncodePublicKeyPEM(pub ed25519.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		panic("registry: an Ed25519 public key always marshals: " + err.Error())
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// EncodePublicKeyBase64 returns pub in the base64 form verifyConfig.publicKeys accepts.
func EncodePublicKeyBase64(pub ed25519.PublicKey) string {
	return base64.StdEncoding.EncodeToString(pub)
}

// ReadPrivateKey reads a private key file written by GenerateKey (PEM or
// base64; a base64 file may hold the 64-byte key or its 32-byte seed).
func ReadPrivateKey(path string) (ed25519.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the signing key: %w", err)
	}
	key, err := ParsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return key, nil
}

// ParsePrivateKey decodes a PEM (PKCS #8) or base64 Ed25519 private key.
func ParsePrivateKey(data []byte) (ed25519.PrivateKey, error) {
	if block, _ := pem.Decode(data); block != nil {
		parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("not a PKCS #8 private key: %w", err)
		}
		key, ok := parsed.(ed25519.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("the PEM key is a %T, not an Ed25519 key", parsed)
		}
		return key, nil
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data)))
	if err != nil {
		return nil, errors.New("not a PEM or base64 Ed25519 private key")
	}
	switch len(raw) {
	case ed25519.PrivateKeySize:
		return ed25519.PrivateKey(raw), nil
	case ed25519.SeedSize:
		return ed25519.NewKeyFromSeed(raw), nil
	}
	return nil, fmt.Errorf("a base64 Ed25519 private key has %d or %d bytes, this one %d", ed25519.PrivateKeySize, ed25519.SeedSize, len(raw))
}

// ParsePublicKey decodes a PEM (PKIX "PUBLIC KEY") or base64 (32 raw bytes)
// Ed25519 public key.
func ParsePublicKey(text string) (ed25519.PublicKey, error) {
	if block, _ := pem.Decode([]byte(text)); block != nil {
		parsed, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("not a PKIX public key: %w", err)
		}
		key, ok := parsed.(ed25519.PublicKey)
		if !ok {
			return nil, fmt.Errorf("the PEM key is a %T, not an Ed25519 key", parsed)
		}
		return key, nil
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(text))
	if err != nil || len(raw) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("not a PEM or base64 Ed25519 public key (base64 keys are %d bytes)", ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(raw), nil
}

// ReadPublicKey reads a public key file (PEM or base64).
func ReadPublicKey(path string) (ed25519.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading a public key: %w", err)
	}
	key, err := ParsePublicKey(string(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return key, nil
}

// Sign returns the signature file content for data: the Ed25519 signature in
// standard base64.
func Sign(key ed25519.PrivateKey, data []byte) []byte {
	return []byte(base64.StdEncoding.EncodeToString(ed25519.Sign(key, data)))
}

// SignFile writes <path>.sig beside path and returns its name.
func SignFile(path string, key ed25519.PrivateKey) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("reading the file to sign: %w", err)
	}
	sigPath := path + ".sig"
	if err := os.WriteFile(sigPath, Sign(key, data), 0o644); err != nil {
		return "", fmt.Errorf("writing the signature: %w", err)
	}
	return sigPath, nil
}

// signedByAny reports whether sigText (base64) is a valid signature of data
// by one of keys.
func signedByAny(keys []ed25519.PublicKey, data, sigText []byte) bool {
	sig, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(sigText)))
	if err != nil || len(sig) != ed25519.SignatureSize {
		return false
	}
	for _, key := range keys {
		if ed25519.Verify(key, data, sig) {
			return true
		}
	}
	return false
}
