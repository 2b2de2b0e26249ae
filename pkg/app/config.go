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
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/todofn/todofn/pkg/keyset"
	"github.com/todofn/todofn/pkg/limit"
)

// Config is every setting, read from the environment by ConfigFromEnv. The
// README lists each variable.
type Config struct {
	Store   string // STORE: bolt (default), dynamodb or tablestore
	DataDir string // DATA_DIR: the embedded store and dev secrets (default ./data)
	// BoltShared (BOLT_SHARED=1) opens the embedded file per transaction so
	// several function binaries can share it.
	BoltShared bool

	// JWTSigningKeys (JWT_SIGNING_KEYS: "kid=KEY[,kid2=KEY2]", each KEY the
	// base64url PKCS#8 DER of an EC P-256 private key) sign access tokens
	// (ES256), the first signing; their public halves also verify. Only the
	// functions that issue tokens (login, refresh) get them.
	JWTSigningKeys string
	// JWTPublicKeys (JWT_PUBLIC_KEYS: "kid=KEY[,...]", each KEY the
	// base64url PKIX DER of an EC P-256 public key) verify access tokens;
	// every function gets them. A token's kid selects the key.
	JWTPublicKeys string
	JWTIssuer     string        // JWT_ISSUER (default todofn)
	JWTAudience   string        // JWT_AUDIENCE (default todofn-api)
	JWTTTL        time.Duration // JWT_TTL (default 10m, from 1s to 1h)
	AppSecret     string        // APP_SECRET: base64, >= 32 bytes; keys verification codes and cursors

	AppURL         string   // APP_URL: the web app (verify redirects and mail links)
	VerifyURL      string   // VERIFY_URL: the verify route's URL used in mails (default APP_URL's origin + /verify)
	AllowedOrigins []string // ALLOWED_ORIGINS: comma-separated browser origins allowed cross-origin

	LogFormat string // LOG_FORMAT: json (default) or text
	LogLevel  string // LOG_LEVEL: debug, info (default), warn, error

	MailDir      string // MAIL_DIR: dev mail sink folder; used when SMTP_HOST is empty (default DATA_DIR/mail)
	MailFrom     string // MAIL_FROM (default "todofn <no-reply@localhost>")
	SMTPHost     string // SMTP_HOST
	SMTPPort     int    // SMTP_PORT (default 587)
	SMTPUsername string // SMTP_USERNAME
	SMTPPassword string // SMTP_PASSWORD
	SMTPSecurity string // SMTP_SECURITY: starttls (default), tls or none

	UsersTable string // USERS_TABLE (default todofn_users)
	TodosTable string // TODOS_TABLE (default todofn_todos)
	KeysTable  string // KEYS_TABLE (default todofn_keys)
	// SessionsTable is SESSIONS_TABLE (default todofn_sessions): refresh
	// sessions, on the cloud engines.
	SessionsTable string
	// STORE_CALL_TIMEOUT (5s, 100ms to 1m) bounds one DynamoDB or Tablestore call, SDK retries
	// included; STORE_ATTEMPT_TIMEOUT (2s, 100ms up to the call's) one HTTP attempt of it.
	StoreCallTimeout, StoreAttemptTimeout time.Duration

	AWSRegion        string // AWS_REGION (set by Lambda)
	DynamoDBEndpoint string // DYNAMODB_ENDPOINT: e.g. http://127.0.0.1:8000 for dynalite
	AWSAccessKeyID   string // AWS_ACCESS_KEY_ID (Lambda sets it from the function's role)
	AWSSecretKey     string // AWS_SECRET_ACCESS_KEY
	AWSSessionToken  string // AWS_SESSION_TOKEN

	TablestoreEndpoint string // TABLESTORE_ENDPOINT
	TablestoreInstance string // TABLESTORE_INSTANCE
	AccessKeyID        string // ALIBABA_CLOUD_ACCESS_KEY_ID (FC passes the role's temporary key)
	AccessKeySecret    string // ALIBABA_CLOUD_ACCESS_KEY_SECRET
	SecurityToken      string // ALIBABA_CLOUD_SECURITY_TOKEN

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
	// AWS_LAMBDA_FUNCTION_MEMORY_SIZE or FC's FC_FUNCTION_MEMORY_SIZE, else
	// 1024): it sizes how many password hashes run at once.
	MemoryMB int
	// TrafficSample (TRAFFIC_SAMPLE, 0 to 1, default 0: off) is the share of
	// sessions package platform records (it reads the variable: record.go).
	TrafficSample float64

	problems []string // parse errors found by ConfigFromEnv, reported by Validate
}

// Limits are the abuse limits (the README's "Limits" section).
type Limits struct {
	// PerIP turns the per-client-IP budgets on (RATE_LIMITS=on, the
	// default) or off (RATE_LIMITS=off, for load tests from one machine).
	// The per-address limits apply either way.
	PerIP bool
	// Per client IP:
	IPSignups       limit.Budget // IP_SIGNUP_LIMIT (30/5m): sign-up and forgot-password requests
	IPVerifies      limit.Budget // IP_VERIFY_LIMIT (30/5m): verify and password-reset requests
	IPRefreshes     limit.Budget // IP_REFRESH_LIMIT (300/5m): refresh requests
	IPLoginFailures limit.Budget // IP_LOGIN_FAILURE_LIMIT (30/5m): failed log-ins, across all addresses
	// Per address:
	LoginBackoffAfter int           // LOGIN_BACKOFF_AFTER (5): failures from one client IP before it must wait 1 s, 2 s, 4 s ...
	LoginBackoffMax   time.Duration // LOGIN_BACKOFF_MAX (15m): the longest wait
	LoginAlert        limit.Budget  // LOGIN_ALERT_LIMIT (100/1h): failures across all IPs after which the owner is mailed (a fixed window: one alert per window)
	LoginAccount      limit.Budget  // LOGIN_ACCOUNT_LIMIT (10/6m: 10 at once, 100 an hour): failed log-ins across all IPs; beyond, 429 until a try refills
	CodeMailsPerDay   int           // CODE_MAILS_PER_DAY (5): code and notice mails per address per UTC day (and one a minute)
	CodeTriesPerDay   int           // CODE_TRIES_PER_DAY (20): wrong codes per address per UTC day, across all its codes
	// Per user (RATE_LIMITS=off leaves them on: they are not per-IP budgets):
	TodoQuota  int          // TODO_QUOTA (5000): the most todos one user may have
	UserWrites limit.Budget // USER_WRITE_LIMIT (100/10s: a burst of 100, then 10 a second): adds, changes and deletes per user
}

// ConfigFromEnv reads the configuration from the process environment.
func ConfigFromEnv() Config { return ConfigFrom(os.Getenv) }

// ConfigFrom reads the configuration through getenv, applying defaults.
func ConfigFrom(getenv func(string) string) Config {
	c := Config{}
	str := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	c.Store = strings.ToLower(str("STORE", "bolt"))
	c.DataDir = str("DATA_DIR", "data")
	c.BoltShared = boolish(getenv("BOLT_SHARED"))
	c.JWTSigningKeys = strings.TrimSpace(getenv("JWT_SIGNING_KEYS"))
	c.JWTPublicKeys = strings.TrimSpace(getenv("JWT_PUBLIC_KEYS"))
	c.JWTIssuer = str("JWT_ISSUER", "todofn")
	c.JWTAudience = str("JWT_AUDIENCE", "todofn-api")
	c.JWTTTL = 10 * time.Minute
	if v := getenv("JWT_TTL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d > time.Hour {
			c.problems = append(c.problems, "JWT_TTL must be a duration from 1s to 1h, such as 10m")
		} else {
			c.JWTTTL = d
		}
	}
	c.AppSecret = getenv("APP_SECRET")
	c.AppURL = str("APP_URL", "")
	c.VerifyURL = str("VERIFY_URL", "")
	for _, o := range strings.Split(getenv("ALLOWED_ORIGINS"), ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.AllowedOrigins = append(c.AllowedOrigins, strings.TrimSuffix(o, "/"))
		}
	}
	c.LogFormat = strings.ToLower(str("LOG_FORMAT", "json"))
	c.LogLevel = strings.ToLower(str("LOG_LEVEL", "info"))
	c.MailDir = str("MAIL_DIR", filepath.Join(c.DataDir, "mail"))
	c.MailFrom = str("MAIL_FROM", "todofn <no-reply@localhost>")
	c.SMTPHost = str("SMTP_HOST", "")
	c.SMTPPort = 587
	if v := getenv("SMTP_PORT"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 || p > 65535 {
			c.problems = append(c.problems, "SMTP_PORT must be a port number")
		} else {
			c.SMTPPort = p
		}
	}
	c.SMTPUsername = getenv("SMTP_USERNAME")
	c.SMTPPassword = getenv("SMTP_PASSWORD")
	c.SMTPSecurity = strings.ToLower(str("SMTP_SECURITY", "starttls"))
	c.UsersTable = str("USERS_TABLE", "todofn_users")
	c.TodosTable = str("TODOS_TABLE", "todofn_todos")
	c.KeysTable = str("KEYS_TABLE", "todofn_keys")
	c.SessionsTable = str("SESSIONS_TABLE", "todofn_sessions")
	c.StoreCallTimeout = c.duration("STORE_CALL_TIMEOUT", str("STORE_CALL_TIMEOUT", "5s"), 100*time.Millisecond, time.Minute)
	c.StoreAttemptTimeout = c.duration("STORE_ATTEMPT_TIMEOUT", str("STORE_ATTEMPT_TIMEOUT", "2s"), 100*time.Millisecond, max(c.StoreCallTimeout, 100*time.Millisecond))
	c.AWSRegion = str("AWS_REGION", str("AWS_DEFAULT_REGION", ""))
	c.DynamoDBEndpoint = str("DYNAMODB_ENDPOINT", "")
	c.AWSAccessKeyID = getenv("AWS_ACCESS_KEY_ID")
	c.AWSSecretKey = getenv("AWS_SECRET_ACCESS_KEY")
	c.AWSSessionToken = getenv("AWS_SESSION_TOKEN")
	c.TablestoreEndpoint = str("TABLESTORE_ENDPOINT", "")
	c.TablestoreInstance = str("TABLESTORE_INSTANCE", "")
	c.AccessKeyID = getenv("ALIBABA_CLOUD_ACCESS_KEY_ID")
	c.AccessKeySecret = getenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
	c.SecurityToken = getenv("ALIBABA_CLOUD_SECURITY_TOKEN")
	c.limitsFrom(getenv, str)
	c.TrustedProxies = c.prefixes("TRUSTED_PROXIES", getenv("TRUSTED_PROXIES"))
	c.MemoryMB = c.number("MEMORY_MB", str("MEMORY_MB", str("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", str("FC_FUNCTION_MEMORY_SIZE", "1024"))), 64, 1<<20)
	if f, err := strconv.ParseFloat(str("TRAFFIC_SAMPLE", "0"), 64); err != nil || !(f >= 0 && f <= 1) {
		c.problems = append(c.problems, "TRAFFIC_SAMPLE must be a number from 0 to 1")
	} else {
		c.TrafficSample = f
	}
	return c
}

// limitsFrom reads the abuse limits, with their defaults.
func (c *Config) limitsFrom(getenv func(string) string, str func(name, def string) string) {
	switch v := strings.ToLower(str("RATE_LIMITS", "on")); v {
	case "on", "off":
		c.Limits.PerIP = v == "on"
	default:
		c.problems = append(c.problems, "RATE_LIMITS must be on or off")
	}
	l := &c.Limits
	l.IPSignups = c.budget("IP_SIGNUP_LIMIT", str("IP_SIGNUP_LIMIT", "30/5m"))
	l.IPVerifies = c.budget("IP_VERIFY_LIMIT", str("IP_VERIFY_LIMIT", "30/5m"))
	l.IPRefreshes = c.budget("IP_REFRESH_LIMIT", str("IP_REFRESH_LIMIT", "300/5m"))
	l.IPLoginFailures = c.budget("IP_LOGIN_FAILURE_LIMIT", str("IP_LOGIN_FAILURE_LIMIT", "30/5m"))
	l.LoginAlert = c.budget("LOGIN_ALERT_LIMIT", str("LOGIN_ALERT_LIMIT", "100/1h"))
	l.LoginAccount = c.budget("LOGIN_ACCOUNT_LIMIT", str("LOGIN_ACCOUNT_LIMIT", "10/6m"))
	l.LoginBackoffAfter = c.number("LOGIN_BACKOFF_AFTER", str("LOGIN_BACKOFF_AFTER", "5"), 1, 1000)
	l.LoginBackoffMax = c.duration("LOGIN_BACKOFF_MAX", str("LOGIN_BACKOFF_MAX", "15m"), time.Second, 24*time.Hour)
	l.CodeMailsPerDay = c.number("CODE_MAILS_PER_DAY", str("CODE_MAILS_PER_DAY", "5"), 1, 1000)
	l.CodeTriesPerDay = c.number("CODE_TRIES_PER_DAY", str("CODE_TRIES_PER_DAY", "20"), 1, 10000)
	l.TodoQuota = c.number("TODO_QUOTA", str("TODO_QUOTA", "5000"), 1, 1000000)
	l.UserWrites = c.budget("USER_WRITE_LIMIT", str("USER_WRITE_LIMIT", "100/10s"))
}

func (c *Config) budget(name, v string) limit.Budget {
	b, err := limit.ParseBudget(v)
	if err != nil {
		c.problems = append(c.problems, name+" must be N/duration (such as 30/5m) or off")
	}
	return b
}

func (c *Config) number(name, v string, min, max int) int {
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		c.problems = append(c.problems, fmt.Sprintf("%s must be a whole number from %d to %d", name, min, max))
	}
	return n
}

func (c *Config) duration(name, v string, min, max time.Duration) time.Duration {
	d, err := time.ParseDuration(v)
	if err != nil || d < min || d > max {
		c.problems = append(c.problems, fmt.Sprintf("%s must be a duration from %s to %s", name, min, max))
	}
	return d
}

// prefixes reads a comma-separated list of IP addresses and CIDR prefixes.
func (c *Config) prefixes(name, v string) []netip.Prefix {
	var out []netip.Prefix
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		p, err := netip.ParsePrefix(item)
		if err != nil {
			a, aerr := netip.ParseAddr(item)
			if aerr != nil {
				c.problems = append(c.problems, fmt.Sprintf("%s: %q is not an IP address or CIDR prefix", name, item))
				continue
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out
}

func boolish(s string) bool {
	b, _ := strconv.ParseBool(strings.TrimSpace(s))
	return b
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
		if c.JWTSigningKeys == "" && c.JWTPublicKeys == "" {
			p = append(p, "JWT_PUBLIC_KEYS is required (kid=base64url PKIX DER of an EC P-256 public key; `make jwks` prints them), or JWT_SIGNING_KEYS where tokens are issued")
		}
		if c.AppSecret == "" {
			p = append(p, "APP_SECRET is required (base64, at least 32 bytes)")
		}
	}
	p = append(p, c.jwtKeyProblems()...)
	if c.AppSecret != "" {
		if b, err := decodeSecret(c.AppSecret); err != nil || len(b) < 32 {
			p = append(p, "APP_SECRET must be base64 of at least 32 bytes")
		}
	}
	if c.AppURL != "" {
		if u, err := url.Parse(c.AppURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			p = append(p, "APP_URL must be an http(s) URL")
		}
	}
	switch c.LogFormat {
	case "json", "text":
	default:
		p = append(p, "LOG_FORMAT must be json or text")
	}
	switch c.SMTPSecurity {
	case "starttls", "tls", "none":
	default:
		p = append(p, "SMTP_SECURITY must be starttls, tls or none")
	}
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
	signing, serr := keyset.ParseSigning(c.JWTSigningKeys)
	public, perr := keyset.ParsePublic(c.JWTPublicKeys)
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
	return keyset.ParseSigning(c.JWTSigningKeys)
}

// JWTVerifying returns the keys that verify access tokens: the public
// halves of JWT_SIGNING_KEYS, then JWT_PUBLIC_KEYS, each key ID once.
func (c Config) JWTVerifying() ([]keyset.PublicKey, error) {
	signing, err := keyset.ParseSigning(c.JWTSigningKeys)
	if err != nil {
		return nil, err
	}
	public, err := keyset.ParsePublic(c.JWTPublicKeys)
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
