// Package app is the composition root: it reads the configuration once into
// a typed Config, validates it, and opens the store of the configured engine
// (see engine.go). Each part a function builds on top of it has its own
// small constructor package: app/apiserver (the HTTP API's shared server),
// app/accounts (sign-up, verify, log-in), app/todos (the todo service) and
// app/mailer (the stream-fired mailer), so that a function links only what
// it uses. Function mains call these and package platform.
package app

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/todofn/todofn/pkg/keyset"
	"github.com/todofn/todofn/pkg/limit"
)

// Config is every setting, read from the environment by ConfigFromEnv
// through the settings table (settings.go), which the README's
// Configuration table is generated from. Fields are grouped by what they
// configure; each names its variable.
type Config struct {
	Store   string // STORE: bolt, dynamodb or tablestore
	DataDir string // DATA_DIR: the embedded store and dev secrets
	// BoltShared (BOLT_SHARED=1) opens the embedded file per transaction so
	// several function binaries can share it.
	BoltShared bool
	Tables     TableSettings // the cloud engines' tables and call timeouts
	AWS        AWSSettings   // the DynamoDB engine
	Alibaba    AlibabaSettings
	Tokens     TokenSettings
	AppSecret  string // APP_SECRET: base64, >= 32 bytes; keys verification codes and cursors

	AppURL         string   // APP_URL: the web app (verify redirects and mail links)
	VerifyURL      string   // VERIFY_URL: the verify route's URL used in mails (unset: APP_URL's origin + /verify)
	AllowedOrigins []string // ALLOWED_ORIGINS: comma-separated browser origins allowed cross-origin

	LogFormat string // LOG_FORMAT: json or text
	LogLevel  string // LOG_LEVEL: debug, info, warn, error

	Mail   MailSettings
	Limits Limits

	// TrustedProxies (TRUSTED_PROXIES: comma-separated addresses or CIDR
	// prefixes; default none) are the proxies whose X-Forwarded-For is
	// believed; from any other peer the client IP is the platform's source
	// IP. None is needed for the platforms' own front ends: Lambda function
	// URLs and FC's go1 runtime report the source IP in the event, and on
	// FC's custom runtime package platform takes the client from the hop FC
	// itself adds (pkg/platform fcClientAddr). List here only proxies of
	// your own in front of the function (a CDN, a WAF, a load balancer),
	// never a range a client can send from.
	TrustedProxies []netip.Prefix
	// MemoryMB is the memory the process may use (MEMORY_MB, else Lambda's
	// AWS_LAMBDA_FUNCTION_MEMORY_SIZE or FC's FC_FUNCTION_MEMORY_SIZE):
	// it sizes how many password hashes run at once.
	MemoryMB int
	// TrafficSample (TRAFFIC_SAMPLE, 0 to 1, 0: off) is the share of
	// sessions package record records (apiserver.Wrap passes it in).
	TrafficSample float64

	problems []string // parse errors found by ConfigFrom, reported by Validate
}

// TableSettings name the cloud engines' tables and bound their calls.
type TableSettings struct {
	Users    string // USERS_TABLE
	Todos    string // TODOS_TABLE
	Keys     string // KEYS_TABLE
	Sessions string // SESSIONS_TABLE: refresh sessions
	// CallTimeout (STORE_CALL_TIMEOUT) bounds one DynamoDB or Tablestore
	// call, SDK retries included; AttemptTimeout (STORE_ATTEMPT_TIMEOUT,
	// at most the call's) one HTTP attempt of it.
	CallTimeout, AttemptTimeout time.Duration
}

// AWSSettings configure the DynamoDB engine.
type AWSSettings struct {
	Region           string // AWS_REGION, else AWS_DEFAULT_REGION (set by Lambda)
	DynamoDBEndpoint string // DYNAMODB_ENDPOINT: e.g. http://127.0.0.1:8000 for dynalite
	AccessKeyID      string // AWS_ACCESS_KEY_ID (Lambda sets it from the function's role)
	SecretAccessKey  string // AWS_SECRET_ACCESS_KEY
	SessionToken     string // AWS_SESSION_TOKEN
}

// AlibabaSettings configure the Tablestore engine.
type AlibabaSettings struct {
	TablestoreEndpoint string // TABLESTORE_ENDPOINT
	TablestoreInstance string // TABLESTORE_INSTANCE
	AccessKeyID        string // ALIBABA_CLOUD_ACCESS_KEY_ID (FC passes the role's temporary key)
	AccessKeySecret    string // ALIBABA_CLOUD_ACCESS_KEY_SECRET
	SecurityToken      string // ALIBABA_CLOUD_SECURITY_TOKEN
}

// TokenSettings configure the access tokens.
type TokenSettings struct {
	// SigningKeys (JWT_SIGNING_KEYS: "kid=KEY[,kid2=KEY2]", each KEY the
	// base64url PKCS#8 DER of an EC P-256 private key) sign access tokens
	// (ES256), the first signing; their public halves also verify. Only the
	// functions that issue tokens (login, refresh) get them.
	SigningKeys string
	// PublicKeys (JWT_PUBLIC_KEYS: "kid=KEY[,...]", each KEY the base64url
	// PKIX DER of an EC P-256 public key) verify access tokens; every
	// function gets them. A token's kid selects the key.
	PublicKeys string
	Issuer     string        // JWT_ISSUER
	Audience   string        // JWT_AUDIENCE
	TTL        time.Duration // JWT_TTL: from 1s to 1h
}

// MailSettings configure the mailer.
type MailSettings struct {
	Dir          string // MAIL_DIR: dev mail sink folder; used when SMTP_HOST is empty
	From         string // MAIL_FROM
	SMTPHost     string // SMTP_HOST
	SMTPPort     int    // SMTP_PORT
	SMTPUsername string // SMTP_USERNAME
	SMTPPassword string // SMTP_PASSWORD
	SMTPSecurity string // SMTP_SECURITY: starttls, tls or none
}

// Limits are the abuse limits (the README's "Limits" section); the
// settings table holds each one's variable, default and range.
type Limits struct {
	// PerIP turns the per-client-IP budgets on (RATE_LIMITS=on) or off
	// (RATE_LIMITS=off, for load tests from one machine). The per-address
	// limits apply either way.
	PerIP bool
	// Per client IP:
	IPSignups       limit.Budget // IP_SIGNUP_LIMIT: sign-up and forgot-password requests
	IPVerifies      limit.Budget // IP_VERIFY_LIMIT: verify and password-reset requests
	IPRefreshes     limit.Budget // IP_REFRESH_LIMIT: refresh requests
	IPLoginFailures limit.Budget // IP_LOGIN_FAILURE_LIMIT: failed log-ins, across all addresses
	// Per address:
	LoginBackoffAfter int           // LOGIN_BACKOFF_AFTER: failures from one client IP before it must wait 1 s, 2 s, 4 s ...
	LoginBackoffMax   time.Duration // LOGIN_BACKOFF_MAX: the longest wait
	LoginAlert        limit.Budget  // LOGIN_ALERT_LIMIT: failures across all IPs after which the owner is mailed (a fixed window: one alert per window)
	LoginAccount      limit.Budget  // LOGIN_ACCOUNT_LIMIT: failed log-ins across all IPs; beyond, 429 until a try refills
	CodeMailsPerDay   int           // CODE_MAILS_PER_DAY: code and notice mails per address per UTC day (and one a minute)
	CodeTriesPerDay   int           // CODE_TRIES_PER_DAY: wrong codes per address per UTC day, across all its codes
	// Per user (RATE_LIMITS=off leaves them on: they are not per-IP budgets):
	TodoQuota  int          // TODO_QUOTA: the most todos one user may have
	UserWrites limit.Budget // USER_WRITE_LIMIT: adds, changes and deletes per user
}

// ConfigFromEnv reads the configuration from the process environment.
func ConfigFromEnv() Config { return ConfigFrom(os.Getenv) }

// ConfigFrom reads the configuration through getenv, one row of the
// settings table at a time, applying defaults; Validate reports what was
// wrong.
func ConfigFrom(getenv func(string) string) Config {
	c := Config{}
	vals := map[string]string{}
	for _, s := range settings {
		if s.field == nil {
			continue
		}
		v, problem := s.parse(&c, getenv, vals)
		vals[s.Name] = v
		if problem != "" {
			c.problems = append(c.problems, problem)
		}
	}
	return c
}

// Local reports whether the configuration runs on this machine only: the
// embedded store, or a cloud engine's endpoint on loopback (dynalite, the
// Tablestore double). There missing secrets may be generated (see Open).
func (c Config) Local() bool {
	e := lookupEngine(c.Store)
	return e != nil && e.local(c)
}

// loopback reports whether endpoint is on this machine.
//
//lint:ignore U1000 only the cloud engines use it, and make run's tags (no_dynamodb,no_tablestore) leave both out
func loopback(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	h := u.Hostname()
	return h == "localhost" || h == "::1" || strings.HasPrefix(h, "127.")
}

// Validate names every missing or invalid setting at once.
func (c Config) Validate() error {
	p := append([]string(nil), c.problems...)
	if tag, ok := leftOutBy[c.Store]; ok && lookupEngine(c.Store) == nil {
		// The rest depends on the engine (is it local?), so this is the
		// one thing to say.
		return fmt.Errorf("app: configuration: STORE=%s is not built into this binary (built with -tags %s; "+
			"make run builds the local server so, make run-services builds it with DynamoDB)", c.Store, tag)
	}
	if e := lookupEngine(c.Store); e != nil {
		p = append(p, e.problems(c)...)
	} else {
		p = append(p, fmt.Sprintf("STORE must be one of %s (the engines built into this binary), not %q",
			strings.Join(engineNames(), ", "), c.Store))
	}
	if !c.Local() {
		if c.Tokens.SigningKeys == "" && c.Tokens.PublicKeys == "" {
			p = append(p, "JWT_PUBLIC_KEYS is required (kid=base64url PKIX DER of an EC P-256 public key; `make jwks` prints them), or JWT_SIGNING_KEYS where tokens are issued")
		}
		if c.AppSecret == "" {
			p = append(p, "APP_SECRET is required (base64, at least 32 bytes)")
		}
	}
	p = append(p, c.jwtKeyProblems()...)
	if len(p) == 0 {
		return nil
	}
	return errors.New("app: configuration: " + strings.Join(p, "; "))
}

func decodeSecret(s string) ([]byte, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "=")
	if b, err := base64.RawStdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawURLEncoding.DecodeString(s)
}

// jwtKeyProblems names what is wrong with JWT_SIGNING_KEYS and
// JWT_PUBLIC_KEYS: a malformed item or key (by its ID), and a key ID the
// two give different keys.
func (c Config) jwtKeyProblems() []string {
	signing, serr := keyset.ParseSigning(c.Tokens.SigningKeys)
	public, perr := keyset.ParsePublic(c.Tokens.PublicKeys)
	var p []string
	if serr != nil {
		p = append(p, "JWT_SIGNING_KEYS: "+serr.Error())
	}
	if perr != nil {
		p = append(p, "JWT_PUBLIC_KEYS: "+perr.Error())
	}
	if serr == nil && perr == nil {
		if _, err := keyset.Verifying(signing, public); err != nil {
			p = append(p, "JWT_SIGNING_KEYS and JWT_PUBLIC_KEYS: "+err.Error())
		}
	}
	return p
}

// JWTSigning returns the keys of JWT_SIGNING_KEYS (none when it is empty);
// the first signs.
func (c Config) JWTSigning() ([]keyset.SigningKey, error) {
	return keyset.ParseSigning(c.Tokens.SigningKeys)
}

// JWTVerifying returns the keys that verify access tokens: the public
// halves of JWT_SIGNING_KEYS, then JWT_PUBLIC_KEYS, each key ID once.
func (c Config) JWTVerifying() ([]keyset.PublicKey, error) {
	signing, err := keyset.ParseSigning(c.Tokens.SigningKeys)
	if err != nil {
		return nil, err
	}
	public, err := keyset.ParsePublic(c.Tokens.PublicKeys)
	if err != nil {
		return nil, err
	}
	return keyset.Verifying(signing, public)
}

// VerifyLink is the mailed link's base: VERIFY_URL, else APP_URL's origin
// with /verify (right when one origin serves the app and the functions, as
// the local server does).
func (c Config) VerifyLink() string {
	if c.VerifyURL != "" {
		return c.VerifyURL
	}
	u, err := url.Parse(c.AppURL)
	if err != nil || c.AppURL == "" {
		return "/verify"
	}
	return strings.TrimSuffix((&url.URL{Scheme: u.Scheme, Host: u.Host}).String(), "/") + "/verify"
}
