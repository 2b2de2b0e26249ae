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

type devSecretsFile struct {
	JWTKeys   string `json:"jwtKeys"`
	AppSecret string `json:"appSecret"`
}

// devSecrets loads, or creates, DATA_DIR/dev-secrets.json and fills in the
// secrets the configuration lacks.
func (a *App) devSecrets() error {
	path := filepath.Join(a.Config.DataDir, "dev-secrets.json")
	var f devSecretsFile
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(data, &f); err != nil {
			return fmt.Errorf("app: %s: %w", path, err)
		}
	case errors.Is(err, fs.ErrNotExist):
		key, err := keyset.New("dev")
		if err != nil {
			return err
		}
		secret := make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			return fmt.Errorf("app: dev secret: %w", err)
		}
		f = devSecretsFile{JWTKeys: keyset.Format([]keyset.Key{key}), AppSecret: base64.RawURLEncoding.EncodeToString(secret)}
		if err := os.MkdirAll(a.Config.DataDir, 0o700); err != nil {
			return fmt.Errorf("app: %w", err)
		}
		data, _ := json.MarshalIndent(f, "", "  ")
		// O_EXCL: when two processes start at once, one writes, the other reads.
		fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			return a.devSecrets()
		}
		if err != nil {
			return fmt.Errorf("app: %w", err)
		}
		if _, err := fh.Write(data); err != nil {
			fh.Close()
			return fmt.Errorf("app: %w", err)
		}
		if err := fh.Close(); err != nil {
			return fmt.Errorf("app: %w", err)
		}
		a.Log.Info("generated development secrets", "path", path)
	default:
		return fmt.Errorf("app: %w", err)
	}
	if a.Config.JWTKeys == "" {
		a.Config.JWTKeys = f.JWTKeys
	}
	if a.Config.AppSecret == "" {
		a.Config.AppSecret = f.AppSecret
	}
	return nil
}
