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
	return c.Local() && (c.JWTSigningKeys == "" && c.JWTPublicKeys == "" || c.AppSecret == "")
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
	if a.Config.JWTSigningKeys == "" && a.Config.JWTPublicKeys == "" {
		a.Config.JWTSigningKeys = f.JWTSigningKeys
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

// createDevSecrets writes f as a new DATA_DIR/dev-secrets.json (mode 0600);
// O_EXCL: when two processes start at once, one writes, the other gets
// fs.ErrExist and reads.
func (a *App) createDevSecrets(f DevSecrets) error {
	if err := os.MkdirAll(a.Config.DataDir, 0o700); err != nil {
		return fmt.Errorf("app: %w", err)
	}
	path := filepath.Join(a.Config.DataDir, DevSecretsFile)
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return err
	}
	if err != nil {
		return fmt.Errorf("app: %w", err)
	}
	data, _ := json.MarshalIndent(f, "", "  ")
	if _, err := fh.Write(data); err != nil {
		fh.Close()
		return fmt.Errorf("app: %w", err)
	}
	if err := fh.Close(); err != nil {
		return fmt.Errorf("app: %w", err)
	}
	a.Log.Info("generated development secrets", "path", path)
	return nil
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
	tmp, err := os.CreateTemp(a.Config.DataDir, DevSecretsFile+".*")
	if err != nil {
		return DevSecrets{}, fmt.Errorf("app: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename, nothing is there
	data, _ := json.MarshalIndent(f, "", "  ")
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return DevSecrets{}, fmt.Errorf("app: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return DevSecrets{}, fmt.Errorf("app: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return DevSecrets{}, fmt.Errorf("app: %w", err)
	}
	a.Log.Info("added an ES256 development key to the development secrets", "path", path)
	return ReadDevSecrets(a.Config.DataDir)
}
