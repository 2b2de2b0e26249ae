// Command jwks prints the JWK Set (RFC 7517) of the keys that verify
// access tokens, for the web bucket to serve at /.well-known/jwks.json:
// the public keys of JWT_PUBLIC_KEYS and JWT_SIGNING_KEYS from the
// environment, or, when both are unset, the development key pair in
// DATA_DIR/dev-secrets.json (written by the first `make run`). It never
// prints a private key.
//
//	go run ./cmd/jwks                  # the JWK Set on stdout
//	go run ./cmd/jwks -o build/jwks.json
//	go run ./cmd/jwks -env             # JWT_PUBLIC_KEYS=... for the verifying functions
//	go run ./cmd/jwks -new k1          # a new key: JWT_SIGNING_KEYS=... and JWT_PUBLIC_KEYS=...
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/keyset"
)

func main() {
	if err := run(os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "jwks: %v\n", err)
		os.Exit(1)
	}
}

func run(args []string, getenv func(string) string, stdout io.Writer) error {
	fl := flag.NewFlagSet("jwks", flag.ContinueOnError)
	out := fl.String("o", "", "write the JWK Set to this file instead of stdout")
	asEnv := fl.Bool("env", false, "print JWT_PUBLIC_KEYS=... instead of the JWK Set")
	newKID := fl.String("new", "", "generate a signing key with this ID and print both settings")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if *newKID != "" {
		return newKey(*newKID, stdout)
	}
	keys, err := publicKeys(app.ConfigFrom(getenv))
	if err != nil {
		return err
	}
	var doc []byte
	if *asEnv {
		s, err := keyset.FormatPublic(keys)
		if err != nil {
			return err
		}
		doc = []byte("JWT_PUBLIC_KEYS=" + s + "\n")
	} else if doc, err = keyset.MarshalJWKS(keys); err != nil {
		return err
	}
	if *out == "" {
		_, err = stdout.Write(doc)
		return err
	}
	return os.WriteFile(*out, doc, 0o644)
}

// publicKeys are the verifying keys of c, else those of the development
// secrets under c.DataDir.
func publicKeys(c app.Config) ([]keyset.PublicKey, error) {
	if c.Tokens.SigningKeys == "" && c.Tokens.PublicKeys == "" {
		f, err := app.ReadDevSecrets(c.DataDir)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no keys: set JWT_PUBLIC_KEYS or JWT_SIGNING_KEYS, or run `make run` once to generate %s/%s", c.DataDir, app.DevSecretsFile)
		}
		if err != nil {
			return nil, err
		}
		c.Tokens.SigningKeys = f.JWTSigningKeys
	}
	keys, err := c.JWTVerifying()
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, errors.New("no keys")
	}
	return keys, nil
}

// newKey prints the settings of a new ES256 key: the private key for login
// and refresh, the public one for every function.
func newKey(kid string, w io.Writer) error {
	k, err := keyset.Generate(kid)
	if err != nil {
		return err
	}
	signing, err := keyset.FormatSigning([]keyset.SigningKey{k})
	if err != nil {
		return err
	}
	public, err := keyset.FormatPublic([]keyset.PublicKey{k.Public()})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "JWT_SIGNING_KEYS=%s\nJWT_PUBLIC_KEYS=%s\n", signing, public)
	return err
}
