package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/todofn/todofn/pkg/account"
	"github.com/todofn/todofn/pkg/api"
	"github.com/todofn/todofn/pkg/auth"
	"github.com/todofn/todofn/pkg/bolt"
	"github.com/todofn/todofn/pkg/password"
	"github.com/todofn/todofn/pkg/todo"
)

// App is everything a function needs, built once per process.
type App struct {
	Config   Config
	Log      *slog.Logger
	Store    todo.Store
	Bolt     *bolt.Store // the embedded engine, or nil on a cloud engine
	Tokens   *auth.Tokens
	Codes    *account.Codes
	Accounts *account.Service
	API      *api.Server
}

// Open validates cfg and builds the App. On the embedded store, a missing
// JWT key or app secret is generated once and kept in DATA_DIR/dev-secrets.json,
// so a local run needs no configuration; on a cloud store both are required.
func Open(cfg Config) (*App, error) {
	return OpenWithLog(cfg, os.Stderr)
}

// OpenWithLog is Open with the log written to w.
func OpenWithLog(cfg Config, w io.Writer) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Log: newLogger(cfg, w)}
	if cfg.Local() && (cfg.JWTKeys == "" || cfg.AppSecret == "") {
		if err := a.devSecrets(); err != nil {
			return nil, err
		}
	}
	keys, err := auth.ParseKeys(a.Config.JWTKeys)
	if err != nil {
		return nil, fmt.Errorf("app: JWT_KEYS: %w", err)
	}
	a.Tokens, err = auth.New(auth.Config{Keys: keys, Issuer: cfg.JWTIssuer, Audience: cfg.JWTAudience, TTL: cfg.JWTTTL})
	if err != nil {
		return nil, fmt.Errorf("app: JWT_KEYS: %w", err)
	}
	secret, _ := decodeSecret(a.Config.AppSecret) // checked by Validate or generated
	a.Codes = account.NewCodes(secret)

	if a.Store, err = a.openStore(context.Background()); err != nil {
		return nil, err
	}
	a.Accounts = &account.Service{Users: a.Store, Throttles: a.Store, Hasher: password.NewHasher(password.DefaultParams),
		Tokens: a.Tokens, Codes: a.Codes, Policy: account.DefaultPolicy}
	a.API = &api.Server{Accounts: a.Accounts, Todos: a.Store, Claims: a.Store, Tokens: a.Tokens,
		Cursors: api.NewCursors(secret), AppURL: cfg.AppURL, AllowedOrigins: cfg.AllowedOrigins, Log: a.Log}
	return a, nil
}

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel)) // unknown: info
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func (a *App) openStore(ctx context.Context) (todo.Store, error) {
	c := a.Config
	if c.Store == "bolt" {
		s, err := bolt.Open(filepath.Join(c.DataDir, "todofn.db"), bolt.Options{Shared: c.BoltShared})
		if err != nil {
			return nil, err
		}
		a.Bolt = s
		return s, nil
	}
	if c.Store == "dynamodb" {
		return openDynamoDB(ctx, c)
	}
	return openTablestore(ctx, c)
}

// Close releases the store.
func (a *App) Close() error { return a.Store.Close() }

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
		key, err := auth.NewKey("dev")
		if err != nil {
			return err
		}
		secret := make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			return fmt.Errorf("app: dev secret: %w", err)
		}
		f = devSecretsFile{JWTKeys: auth.FormatKeys([]auth.Key{key}), AppSecret: base64.RawURLEncoding.EncodeToString(secret)}
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

// verifyURL is the mailed link's base: VERIFY_URL, else APP_URL's origin
// with /verify (right when one origin serves the app and the functions,
// as the local server does).
func (c Config) verifyURL() string {
	if c.VerifyURL != "" {
		return c.VerifyURL
	}
	u, err := url.Parse(c.AppURL)
	if err != nil || c.AppURL == "" {
		return "/verify"
	}
	return strings.TrimSuffix((&url.URL{Scheme: u.Scheme, Host: u.Host}).String(), "/") + "/verify"
}
