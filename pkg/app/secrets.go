package app

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/todofn/todofn/pkg/keyset"
)

// DevSecretsFile is the name, under DATA_DIR, of the development secrets
// a local configuration generates on its first run.
const DevSecretsFile = "dev-secrets.json"

// DevSecrets are the development secrets kept in DATA_DIR/dev-secrets.json.
type DevSecrets struct {
	// JWTSigningKeys is a JWT_SIGNING_KEYS value: one ES256 key, ID "dev".
	JWTSigningKeys string `json:"jwtSigningKeys"`
	AppSecret      string `json:"appSecret"` // an APP_SECRET value
}

// ReadDevSecrets reads DATA_DIR/dev-secrets.json under dataDir, without
// creating it; a missing file is an error satisfying errors.Is(err,
// fs.ErrNotExist).
func ReadDevSecrets(dataDir string) (DevSecrets, error) {
	path := filepath.Join(dataDir, DevSecretsFile)
	var f DevSecrets
	data, err := os.ReadFile(path)
	if err != nil {
		return DevSecrets{}, fmt.Errorf("app: %w", err)
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return DevSecrets{}, fmt.Errorf("app: %s: %w", path, err)
	}
	return f, nil
}

// needsDevSecrets reports whether Open fills in development secrets: on a
// local configuration with no JWT key at all or no APP_SECRET.
func (c Config) needsDevSecrets() bool {
	return c.Local() && (c.Tokens.SigningKeys == "" && c.Tokens.PublicKeys == "" || c.AppSecret == "")
}

// devSecrets loads, or creates, DATA_DIR/dev-secrets.json and fills in the
// secrets the configuration lacks: the signing key only when no JWT key is
// configured at all. A file from before ES256 (an HS256 "jwtKeys" and no
// "jwtSigningKeys") gets a signing key added and keeps its app secret.
func (a *App) devSecrets() error {
	f, err := ReadDevSecrets(a.Config.DataDir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if f, err = newDevSecrets(); err != nil {
			return err
		}
		if err := a.createDevSecrets(f); errors.Is(err, fs.ErrExist) {
			return a.devSecrets() // another process wrote it first: use theirs
		} else if err != nil {
			return err
		}
	case err != nil:
		return err
	case f.JWTSigningKeys == "" || f.AppSecret == "":
		if f, err = a.upgradeDevSecrets(f); err != nil {
			return err
		}
	}
	if a.Config.Tokens.SigningKeys == "" && a.Config.Tokens.PublicKeys == "" {
		a.Config.Tokens.SigningKeys = f.JWTSigningKeys
	}
	if a.Config.AppSecret == "" {
		a.Config.AppSecret = f.AppSecret
	}
	return nil
}

// newDevSecrets makes an ES256 key pair with ID "dev" and an app secret.
func newDevSecrets() (DevSecrets, error) {
	var f DevSecrets
	if err := f.fill(); err != nil {
		return DevSecrets{}, err
	}
	return f, nil
}

// fill generates what f lacks.
func (f *DevSecrets) fill() error {
	if f.JWTSigningKeys == "" {
		key, err := keyset.Generate("dev")
		if err != nil {
			return err
		}
		if f.JWTSigningKeys, err = keyset.FormatSigning([]keyset.SigningKey{key}); err != nil {
			return err
		}
	}
	if f.AppSecret == "" {
		secret := make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			return fmt.Errorf("app: dev secret: %w", err)
		}
		f.AppSecret = base64.RawURLEncoding.EncodeToString(secret)
	}
	return nil
}

// createDevSecrets writes f as a new DATA_DIR/dev-secrets.json (mode 0600):
// the whole file is written under a temporary name first and then linked
// to its name, which fails with fs.ErrExist when the name is taken. So
// when two processes start at once, one file wins, the other process gets
// fs.ErrExist and reads it, and nobody ever reads a file half-written (an
// O_EXCL create followed by a write let a reader see it empty).
func (a *App) createDevSecrets(f DevSecrets) error {
	if err := os.MkdirAll(a.Config.DataDir, 0o700); err != nil {
		return fmt.Errorf("app: %w", err)
	}
	path := filepath.Join(a.Config.DataDir, DevSecretsFile)
	tmp, err := writeTemp(a.Config.DataDir, f)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); errors.Is(err, fs.ErrExist) {
		return err
	} else if err != nil {
		return fmt.Errorf("app: %w", err)
	}
	a.Log.Info("generated development secrets", "path", path)
	return nil
}

// writeTemp writes f to a new temporary file (mode 0600) in dir and
// returns its path; on a failure nothing is left behind.
func writeTemp(dir string, f DevSecrets) (path string, err error) {
	tmp, err := os.CreateTemp(dir, DevSecretsFile+".*")
	if err != nil {
		return "", fmt.Errorf("app: %w", err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name()) // best effort: a stray temporary file holds no live secret
		}
	}()
	data, _ := json.MarshalIndent(f, "", "  ")
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return "", fmt.Errorf("app: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("app: %w", err)
	}
	return tmp.Name(), nil
}

// upgradeDevSecrets adds what an older dev-secrets.json lacks, replaces the
// file (write to a temporary file, then rename) and returns what the file
// then holds. Two processes upgrading the same old file at the same instant
// may each keep their own key for the run; the next start agrees.
func (a *App) upgradeDevSecrets(f DevSecrets) (DevSecrets, error) {
	if err := f.fill(); err != nil {
		return DevSecrets{}, err
	}
	path := filepath.Join(a.Config.DataDir, DevSecretsFile)
	tmp, err := writeTemp(a.Config.DataDir, f)
	if err != nil {
		return DevSecrets{}, err
	}
	defer os.Remove(tmp) // after a successful rename, nothing is there
	if err := os.Rename(tmp, path); err != nil {
		return DevSecrets{}, fmt.Errorf("app: %w", err)
	}
	a.Log.Info("added an ES256 development key to the development secrets", "path", path)
	return ReadDevSecrets(a.Config.DataDir)
}
