package app

import (
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/todofn/todofn/pkg/limit"
)

// Setting is one row of the settings table: one environment variable, its
// type, its default, what it configures, where it applies and one line of
// doc. ConfigFrom parses and checks every variable through its row, the
// README's Configuration table is generated from the rows (TestReadme
// fails on drift), and the deploy tests check every variable the
// descriptors set is a row.
type Setting struct {
	Name string // the environment variable
	// Default is the value used when the variable is unset or blank, as
	// the variable would spell it; a "$NAME" in it is that setting's value.
	// Empty: none.
	Default string
	Group   string // what it configures (GroupStore, GroupMail, ...)
	Applies string // where it applies: "every function", "STORE=dynamodb", ...
	Doc     string // one line

	// Local is the local server's own default (cmd/local), where it
	// differs: documentation only.
	Local string
	// Fallbacks are variables read, in order, when Name is unset (the
	// platform's spelling of the same setting).
	Fallbacks []string
	// Choices are the values allowed (compared in lower case); on a bool
	// field the first means true.
	Choices []string
	// Min and Max bound a number or duration, in the variable's spelling;
	// a Max of "$NAME" is that (already parsed) setting's value.
	Min, Max string
	// Required names the engine (STORE value) that cannot run without the
	// setting; RequiredUnless names a setting that, when set, lifts it.
	Required, RequiredUnless string
	// Fold reads the value in lower case (as Choices do).
	Fold bool
	// Secret settings are never trimmed, printed or given a default.
	Secret bool
	// Check reports what is wrong with a set value ("" if nothing).
	Check func(v string) string
	// Owner is the package that reads the variable when it is not
	// ConfigFrom (platform- or tool-owned rows), with the reason.
	Owner string

	field func(c *Config) any // a pointer to the Config field; nil for Owner rows
}

// The groups of settings, in the README's order.
const (
	GroupStore      = "store"
	GroupDynamoDB   = "DynamoDB (AWS)"
	GroupTablestore = "Tablestore (Alibaba Cloud)"
	GroupTokens     = "tokens"
	GroupWeb        = "web app and CORS"
	GroupMail       = "mail"
	GroupLimits     = "limits"
	GroupRuntime    = "runtime and logs"
)

// Type names the row's type: string, secret, bool, int, float, duration,
// budget (N/duration or off), list or prefixes.
func (s Setting) Type() string {
	if s.field == nil {
		return "string"
	}
	switch s.field(&Config{}).(type) {
	case *bool:
		if len(s.Choices) > 0 {
			return strings.Join(s.Choices, "|")
		}
		return "bool"
	case *int:
		return "int"
	case *float64:
		return "float"
	case *time.Duration:
		return "duration"
	case *limit.Budget:
		return "budget"
	case *[]string:
		return "list"
	case *[]netip.Prefix:
		return "prefixes"
	}
	if s.Secret {
		return "secret"
	}
	if len(s.Choices) > 0 {
		return strings.Join(s.Choices, "|")
	}
	return "string"
}

func ptr[T any](f func(c *Config) *T) func(c *Config) any {
	return func(c *Config) any { return f(c) }
}

// settings is the table. Every variable's name and default is a public
// interface: change one only with the README's changelog in mind.
var settings = []Setting{
	// store
	{Name: "STORE", Default: "bolt", Fold: true, Group: GroupStore, Applies: "every function", Doc: "`bolt` (embedded file), `dynamodb` or `tablestore`; the engines built into the binary (`make run` builds only `bolt` in, `make run-services` all three; a deployed function has its cloud's engine only, without `bolt`)",
		field: ptr(func(c *Config) *string { return &c.Store })},
	{Name: "DATA_DIR", Default: "data", Group: GroupStore, Applies: "`bolt`; local", Doc: "embedded store file, generated dev secrets, dev mail",
		field: ptr(func(c *Config) *string { return &c.DataDir })},
	{Name: "BOLT_SHARED", Default: "false", Group: GroupStore, Applies: "`bolt`", Doc: "open the embedded file per transaction so several function binaries can share it",
		field: ptr(func(c *Config) *bool { return &c.BoltShared })},
	{Name: "USERS_TABLE", Default: "todofn_users", Group: GroupStore, Applies: "cloud engines", Doc: "users table (letters, digits and `_`: Tablestore allows no `-`)",
		field: ptr(func(c *Config) *string { return &c.Tables.Users })},
	{Name: "TODOS_TABLE", Default: "todofn_todos", Group: GroupStore, Applies: "cloud engines", Doc: "todos table",
		field: ptr(func(c *Config) *string { return &c.Tables.Todos })},
	{Name: "KEYS_TABLE", Default: "todofn_keys", Group: GroupStore, Applies: "cloud engines", Doc: "keys table: idempotency keys, counters and budgets",
		field: ptr(func(c *Config) *string { return &c.Tables.Keys })},
	{Name: "SESSIONS_TABLE", Default: "todofn_sessions", Group: GroupStore, Applies: "cloud engines", Doc: "refresh sessions table",
		field: ptr(func(c *Config) *string { return &c.Tables.Sessions })},
	{Name: "STORE_CALL_TIMEOUT", Default: "5s", Min: "100ms", Max: "1m", Group: GroupStore, Applies: "cloud engines",
		Doc:   "one store call with the SDK's retries (never past the invocation's deadline less 1 s); a slow, throttled or unreachable store answers `503 unavailable` with `Retry-After`",
		field: ptr(func(c *Config) *time.Duration { return &c.Tables.CallTimeout })},
	{Name: "STORE_ATTEMPT_TIMEOUT", Default: "2s", Min: "100ms", Max: "$STORE_CALL_TIMEOUT", Group: GroupStore, Applies: "cloud engines", Doc: "one HTTP attempt of a store call",
		field: ptr(func(c *Config) *time.Duration { return &c.Tables.AttemptTimeout })},

	// DynamoDB
	{Name: "AWS_REGION", Required: "dynamodb", Fallbacks: []string{"AWS_DEFAULT_REGION"}, Group: GroupDynamoDB, Applies: "`dynamodb`", Doc: "the region (Lambda sets it; else `AWS_DEFAULT_REGION`)",
		field: ptr(func(c *Config) *string { return &c.AWS.Region })},
	{Name: "AWS_DEFAULT_REGION", Group: GroupDynamoDB, Applies: "`dynamodb`", Doc: "the AWS CLI's spelling of `AWS_REGION`, read when that is unset", Owner: "pkg/app, as `AWS_REGION`'s fallback"},
	{Name: "DYNAMODB_ENDPOINT", Group: GroupDynamoDB, Applies: "`dynamodb`", Doc: "the endpoint, only for dynalite (such as `http://127.0.0.1:8000`); on loopback no credentials are needed",
		field: ptr(func(c *Config) *string { return &c.AWS.DynamoDBEndpoint })},
	{Name: "AWS_ACCESS_KEY_ID", Required: "dynamodb", RequiredUnless: "DYNAMODB_ENDPOINT", Secret: true, Group: GroupDynamoDB, Applies: "`dynamodb`", Doc: "DynamoDB access key: Lambda sets it from the function's role; locally `eval \"$(aws configure export-credentials --format env)\"`",
		field: ptr(func(c *Config) *string { return &c.AWS.AccessKeyID })},
	{Name: "AWS_SECRET_ACCESS_KEY", Required: "dynamodb", RequiredUnless: "DYNAMODB_ENDPOINT", Secret: true, Group: GroupDynamoDB, Applies: "`dynamodb`", Doc: "the secret of `AWS_ACCESS_KEY_ID` (Lambda sets it)",
		field: ptr(func(c *Config) *string { return &c.AWS.SecretAccessKey })},
	{Name: "AWS_SESSION_TOKEN", Secret: true, Group: GroupDynamoDB, Applies: "`dynamodb`", Doc: "the session token of temporary credentials (Lambda sets it)",
		field: ptr(func(c *Config) *string { return &c.AWS.SessionToken })},

	// Tablestore
	{Name: "TABLESTORE_ENDPOINT", Required: "tablestore", Group: GroupTablestore, Applies: "`tablestore`", Doc: "the instance's endpoint",
		field: ptr(func(c *Config) *string { return &c.Alibaba.TablestoreEndpoint })},
	{Name: "TABLESTORE_INSTANCE", Required: "tablestore", Group: GroupTablestore, Applies: "`tablestore`", Doc: "the instance's name",
		field: ptr(func(c *Config) *string { return &c.Alibaba.TablestoreInstance })},
	{Name: "ALIBABA_CLOUD_ACCESS_KEY_ID", Required: "tablestore", Secret: true, Group: GroupTablestore, Applies: "`tablestore`", Doc: "Tablestore access key: FC sets a temporary one from the function's role",
		field: ptr(func(c *Config) *string { return &c.Alibaba.AccessKeyID })},
	{Name: "ALIBABA_CLOUD_ACCESS_KEY_SECRET", Required: "tablestore", Secret: true, Group: GroupTablestore, Applies: "`tablestore`", Doc: "the secret of `ALIBABA_CLOUD_ACCESS_KEY_ID` (FC sets it)",
		field: ptr(func(c *Config) *string { return &c.Alibaba.AccessKeySecret })},
	{Name: "ALIBABA_CLOUD_SECURITY_TOKEN", Secret: true, Group: GroupTablestore, Applies: "`tablestore`", Doc: "the security token of the temporary key (FC sets it)",
		field: ptr(func(c *Config) *string { return &c.Alibaba.SecurityToken })},

	// tokens
	{Name: "JWT_SIGNING_KEYS", Secret: true, Group: GroupTokens, Applies: "login, refresh", Local: "generated",
		Doc:   "`kid=<base64url PKCS#8 P-256 key>[,…]`: sign access tokens (ES256), the first signs, all verify (`go run ./cmd/jwks -new k1`)",
		field: ptr(func(c *Config) *string { return &c.Tokens.SigningKeys })},
	{Name: "JWT_PUBLIC_KEYS", Group: GroupTokens, Applies: "every function", Local: "generated", Doc: "`kid=<base64url PKIX P-256 key>[,…]`: verify access tokens; a token's kid selects the key",
		field: ptr(func(c *Config) *string { return &c.Tokens.PublicKeys })},
	{Name: "JWT_ISSUER", Default: "todofn", Group: GroupTokens, Applies: "every function", Doc: "`iss` of issued and accepted tokens",
		field: ptr(func(c *Config) *string { return &c.Tokens.Issuer })},
	{Name: "JWT_AUDIENCE", Default: "todofn-api", Group: GroupTokens, Applies: "every function", Doc: "`aud` of issued and accepted tokens",
		field: ptr(func(c *Config) *string { return &c.Tokens.Audience })},
	{Name: "JWT_TTL", Default: "10m", Min: "1s", Max: "1h", Group: GroupTokens, Applies: "login, refresh", Doc: "access-token lifetime",
		field: ptr(func(c *Config) *time.Duration { return &c.Tokens.TTL })},
	{Name: "APP_SECRET", Secret: true, Group: GroupTokens, Applies: "every function", Local: "generated on `bolt`",
		Doc:   "base64, ≥ 32 bytes: keys verification codes, paging cursors and recorded traffic (the traffic recorder derives its key from it); never the cloud access key",
		Check: func(v string) string { return appSecretProblem(v) }, field: ptr(func(c *Config) *string { return &c.AppSecret })},

	// web app and CORS
	{Name: "APP_URL", Group: GroupWeb, Applies: "HTTP functions, mailer", Local: "`http://127.0.0.1:$PORT/`", Doc: "the web app: `GET /verify` redirects there; mails link to it",
		Check: httpURLProblem, field: ptr(func(c *Config) *string { return &c.AppURL })},
	{Name: "VERIFY_URL", Group: GroupWeb, Applies: "mailer", Doc: "the verify function's URL used in mailed links; unset: `APP_URL`'s origin + `/verify`",
		field: ptr(func(c *Config) *string { return &c.VerifyURL })},
	{Name: "ALLOWED_ORIGINS", Group: GroupWeb, Applies: "HTTP functions", Local: "the server's origin", Doc: "comma-separated browser origins allowed cross-origin",
		field: ptr(func(c *Config) *[]string { return &c.AllowedOrigins })},
	{Name: "TRUSTED_PROXIES", Group: GroupWeb, Applies: "HTTP functions",
		Doc:   "your own proxies in front of the function (CDN, WAF, load balancer): comma-separated IPs or CIDR prefixes whose `X-Forwarded-For` names the client; Lambda's and FC's own front ends need no entry",
		field: ptr(func(c *Config) *[]netip.Prefix { return &c.TrustedProxies })},
	{Name: "WEB_DIR", Default: "web", Group: GroupWeb, Applies: "local server", Doc: "the web app's files", Owner: "cmd/local (a local server setting: no function serves files)"},
	{Name: "MAILBOX_URL", Group: GroupWeb, Applies: "local server", Doc: "where the web app's \"check your mail\" page links (`make run-services`: Mailpit's UI); unset: the dev sink's page, none with SMTP", Owner: "cmd/local (a local server setting)"},

	// mail
	{Name: "MAIL_DIR", Default: "$DATA_DIR/mail", Group: GroupMail, Applies: "mailer", Doc: "dev mail sink folder, used when `SMTP_HOST` is empty",
		field: ptr(func(c *Config) *string { return &c.Mail.Dir })},
	{Name: "MAIL_FROM", Default: "todofn <no-reply@localhost>", Group: GroupMail, Applies: "mailer", Doc: "sender address",
		field: ptr(func(c *Config) *string { return &c.Mail.From })},
	{Name: "SMTP_HOST", Group: GroupMail, Applies: "mailer", Doc: "SMTP server; empty: mail goes to `MAIL_DIR`",
		field: ptr(func(c *Config) *string { return &c.Mail.SMTPHost })},
	{Name: "SMTP_PORT", Default: "587", Min: "1", Max: "65535", Group: GroupMail, Applies: "mailer", Doc: "SMTP port",
		field: ptr(func(c *Config) *int { return &c.Mail.SMTPPort })},
	{Name: "SMTP_USERNAME", Secret: true, Group: GroupMail, Applies: "mailer", Doc: "SMTP user",
		field: ptr(func(c *Config) *string { return &c.Mail.SMTPUsername })},
	{Name: "SMTP_PASSWORD", Secret: true, Group: GroupMail, Applies: "mailer", Doc: "SMTP password",
		field: ptr(func(c *Config) *string { return &c.Mail.SMTPPassword })},
	{Name: "SMTP_SECURITY", Default: "starttls", Choices: []string{"starttls", "tls", "none"}, Group: GroupMail, Applies: "mailer", Doc: "SMTP transport security",
		field: ptr(func(c *Config) *string { return &c.Mail.SMTPSecurity })},

	// limits (the README's "Limits" section)
	{Name: "RATE_LIMITS", Default: "on", Choices: []string{"on", "off"}, Group: GroupLimits, Applies: "HTTP functions", Doc: "`off` turns the per-client-IP budgets off (load tests only); the per-address and per-user limits stay",
		field: ptr(func(c *Config) *bool { return &c.Limits.PerIP })},
	{Name: "IP_SIGNUP_LIMIT", Default: "30/5m", Group: GroupLimits, Applies: "register, password-forgot", Doc: "sign-up and forgot-password requests per client IP",
		field: ptr(func(c *Config) *limit.Budget { return &c.Limits.IPSignups })},
	{Name: "IP_VERIFY_LIMIT", Default: "30/5m", Group: GroupLimits, Applies: "verify, password-reset", Doc: "verify and password-reset requests per client IP",
		field: ptr(func(c *Config) *limit.Budget { return &c.Limits.IPVerifies })},
	{Name: "IP_REFRESH_LIMIT", Default: "300/5m", Group: GroupLimits, Applies: "refresh", Doc: "refreshes per client IP",
		field: ptr(func(c *Config) *limit.Budget { return &c.Limits.IPRefreshes })},
	{Name: "IP_LOGIN_FAILURE_LIMIT", Default: "30/5m", Group: GroupLimits, Applies: "login", Doc: "failed log-ins per client IP, across all addresses",
		field: ptr(func(c *Config) *limit.Budget { return &c.Limits.IPLoginFailures })},
	{Name: "LOGIN_BACKOFF_AFTER", Default: "5", Min: "1", Max: "1000", Group: GroupLimits, Applies: "login", Doc: "failures of one (address, IP) pair before it waits 1 s, 2 s, 4 s …",
		field: ptr(func(c *Config) *int { return &c.Limits.LoginBackoffAfter })},
	{Name: "LOGIN_BACKOFF_MAX", Default: "15m", Min: "1s", Max: "24h", Group: GroupLimits, Applies: "login", Doc: "the longest back-off wait",
		field: ptr(func(c *Config) *time.Duration { return &c.Limits.LoginBackoffMax })},
	{Name: "LOGIN_ALERT_LIMIT", Default: "100/1h", Group: GroupLimits, Applies: "login", Doc: "failures of one address across all IPs before its owner is mailed (a fixed window: one alert per window)",
		field: ptr(func(c *Config) *limit.Budget { return &c.Limits.LoginAlert })},
	{Name: "LOGIN_ACCOUNT_LIMIT", Default: "10/6m", Group: GroupLimits, Applies: "login", Doc: "failed log-ins of one address across all IPs (a bucket: 10 at once, 100 an hour); beyond, 429 until a try refills",
		field: ptr(func(c *Config) *limit.Budget { return &c.Limits.LoginAccount })},
	{Name: "CODE_MAILS_PER_DAY", Default: "5", Min: "1", Max: "1000", Group: GroupLimits, Applies: "register, password-forgot", Doc: "code and notice mails per address per UTC day (and one a minute); resets have a budget of the same size",
		field: ptr(func(c *Config) *int { return &c.Limits.CodeMailsPerDay })},
	{Name: "CODE_TRIES_PER_DAY", Default: "20", Min: "1", Max: "10000", Group: GroupLimits, Applies: "verify, password-reset", Doc: "wrong codes per address per UTC day, across all its codes",
		field: ptr(func(c *Config) *int { return &c.Limits.CodeTriesPerDay })},
	{Name: "TODO_QUOTA", Default: "5000", Min: "1", Max: "1000000", Group: GroupLimits, Applies: "todo functions", Doc: "the most todos one user may have",
		field: ptr(func(c *Config) *int { return &c.Limits.TodoQuota })},
	{Name: "USER_WRITE_LIMIT", Default: "100/10s", Group: GroupLimits, Applies: "todo functions", Doc: "adds, changes and deletes per user (a burst of 100, then 10 a second)",
		field: ptr(func(c *Config) *limit.Budget { return &c.Limits.UserWrites })},

	// runtime and logs
	{Name: "LOG_FORMAT", Default: "json", Local: "`text`", Choices: []string{"json", "text"}, Group: GroupRuntime, Applies: "every function", Doc: "a plain server's lines: one per request (request id, route, method, path, status, latency, in `log/slog`'s shape) and errors through `log/slog`; in the cloud the request line is EMF (Lambda) or JSON (FC) whatever this says",
		field: ptr(func(c *Config) *string { return &c.LogFormat })},
	{Name: "LOG_LEVEL", Default: "info", Choices: []string{"debug", "info", "warn", "error"}, Group: GroupRuntime, Applies: "every function", Doc: "the least level logged; `warn` drops a plain server's request lines, while the cloud writes them at every level (its metrics, alarms and gray-release window are made from them)",
		field: ptr(func(c *Config) *string { return &c.LogLevel })},
	{Name: "MEMORY_MB", Default: "1024", Min: "64", Max: "1048576", Fallbacks: []string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "FC_FUNCTION_MEMORY_SIZE"}, Group: GroupRuntime, Applies: "login, register, password-reset",
		Doc:   "the memory the process may use: sizes how many password hashes run at once (unset: Lambda's or FC's memory setting, else 1024)",
		field: ptr(func(c *Config) *int { return &c.MemoryMB })},
	{Name: "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", Group: GroupRuntime, Applies: "Lambda", Doc: "set by Lambda: the function's memory, read when `MEMORY_MB` is unset", Owner: "pkg/app, as `MEMORY_MB`'s fallback"},
	{Name: "FC_FUNCTION_MEMORY_SIZE", Group: GroupRuntime, Applies: "FC", Doc: "set by FC: the function's memory, read when `MEMORY_MB` is unset", Owner: "pkg/app, as `MEMORY_MB`'s fallback"},
	{Name: "TRAFFIC_SAMPLE", Default: "0", Min: "0", Max: "1", Group: GroupRuntime, Applies: "HTTP functions", Doc: "share of sessions recorded for replay (`0`: off), by pkg/record, which apiserver.Wrap adds with this value",
		field: ptr(func(c *Config) *float64 { return &c.TrafficSample })},
	{Name: "HOST", Default: "127.0.0.1", Group: GroupRuntime, Applies: "plain-HTTP mode", Doc: "listen host (on FC's custom runtime the server listens on 0.0.0.0)",
		Owner: "pkg/platform (it picks the runtime before any configuration is read)"},
	{Name: "PORT", Default: "9000", Local: "`8080`", Group: GroupRuntime, Applies: "plain-HTTP mode", Doc: "listen port",
		Owner: "pkg/platform (it picks the runtime before any configuration is read)"},
	{Name: "FC_CUSTOM_LISTEN_PORT", Group: GroupRuntime, Applies: "FC custom runtime", Doc: "set by FC's custom runtime: the port to listen on",
		Owner: "pkg/platform (it picks the runtime)"},
	{Name: "AWS_LAMBDA_RUNTIME_API", Group: GroupRuntime, Applies: "Lambda", Doc: "set by Lambda: its runtime API", Owner: "pkg/platform (it picks the runtime)"},
	{Name: "FC_RUNTIME_API", Group: GroupRuntime, Applies: "FC go1 runtime", Doc: "set by FC's Go runtime: its runtime API", Owner: "pkg/platform (it picks the runtime)"},
	{Name: "AWS_LAMBDA_FUNCTION_NAME", Group: GroupRuntime, Applies: "Lambda", Doc: "set by Lambda: the function's name in metrics", Owner: "pkg/platform (metrics)"},
	{Name: "AWS_LAMBDA_FUNCTION_VERSION", Group: GroupRuntime, Applies: "Lambda", Doc: "set by Lambda: the version in metrics", Owner: "pkg/platform (metrics)"},
	{Name: "FC_FUNCTION_NAME", Group: GroupRuntime, Applies: "FC", Doc: "set by FC: the function's name in metrics", Owner: "pkg/platform (metrics)"},
	{Name: "SMOKE_TARGETS", Group: GroupRuntime, Applies: "deploy hook", Doc: "comma-separated function versions the pre-traffic hook smoke-checks", Owner: "deploy/hook (the CodeDeploy hook, not a route)"},
	{Name: "SMOKE_PREFIX", Group: GroupRuntime, Applies: "deploy hook", Doc: "the hook's function-name prefix", Owner: "deploy/hook (the CodeDeploy hook, not a route)"},
}

// Settings returns a copy of the settings table, in the README's order.
func Settings() []Setting { return append([]Setting(nil), settings...) }

// LookupSetting returns the row of the variable name.
func LookupSetting(name string) (Setting, bool) {
	for _, s := range settings {
		if s.Name == name {
			return s, true
		}
	}
	return Setting{}, false
}

// requiredFor returns the check of the settings the engine store cannot
// run without: the engine table's problems, read from the rows.
func requiredFor(store string) func(c Config) []string {
	return func(c Config) []string {
		var p []string
		for _, s := range settings {
			if s.Required != store || s.field == nil || s.value(c) != "" {
				continue
			}
			if u, ok := LookupSetting(s.RequiredUnless); ok && u.value(c) != "" {
				continue
			}
			msg := s.Name + " is required with STORE=" + store
			if s.RequiredUnless != "" {
				msg += " unless " + s.RequiredUnless + " is set"
			}
			p = append(p, msg+" ("+s.Doc+")")
		}
		return p
	}
}

// value is the row's field of c as a string (strings only; else "set").
func (s Setting) value(c Config) string {
	if v, ok := s.field(&c).(*string); ok {
		return *v
	}
	return "set"
}

// read returns the row's raw value through getenv (its fallbacks when it
// is unset) and whether one was set.
func (s Setting) read(getenv func(string) string) (string, bool) {
	for _, name := range append([]string{s.Name}, s.Fallbacks...) {
		v := getenv(name)
		if !s.Secret {
			v = strings.TrimSpace(v)
		}
		if v != "" {
			return v, true
		}
	}
	return "", false
}

// parse sets the row's field of c from getenv, or its default, and
// returns the effective value as a string (for "$NAME" references) and
// the problem found, if any.
func (s Setting) parse(c *Config, getenv func(string) string, vals map[string]string) (string, string) {
	v, set := s.read(getenv)
	if !set {
		v = os.Expand(s.Default, func(n string) string { return vals[n] })
		if v != s.Default { // a path made of another setting's
			v = filepath.Clean(v)
		}
	}
	if s.Fold || len(s.Choices) > 0 {
		v = strings.ToLower(v)
	}
	if set && s.Check != nil {
		if p := s.Check(v); p != "" {
			return v, p
		}
	}
	if len(s.Choices) > 0 && !contains(s.Choices, v) {
		return v, fmt.Sprintf("%s must be %s", s.Name, orList(s.Choices))
	}
	bound := func(b string) string {
		if strings.HasPrefix(b, "$") {
			return vals[b[1:]]
		}
		return b
	}
	switch f := s.field(c).(type) {
	case *string:
		*f = v
	case *bool:
		if len(s.Choices) > 0 {
			*f = v == s.Choices[0]
			break
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return v, s.Name + " must be true or false (1 or 0)"
		}
		*f = b
	case *int:
		n, err := strconv.Atoi(v)
		lo, _ := strconv.Atoi(s.Min)
		hi, _ := strconv.Atoi(s.Max)
		*f = n
		if err != nil || n < lo || n > hi {
			return v, fmt.Sprintf("%s must be a whole number from %d to %d", s.Name, lo, hi)
		}
	case *float64:
		x, err := strconv.ParseFloat(v, 64)
		lo, _ := strconv.ParseFloat(s.Min, 64)
		hi, _ := strconv.ParseFloat(s.Max, 64)
		if err != nil || !(x >= lo && x <= hi) {
			return v, fmt.Sprintf("%s must be a number from %s to %s", s.Name, s.Min, s.Max)
		}
		*f = x
	case *time.Duration:
		d, err := time.ParseDuration(v)
		lo, _ := time.ParseDuration(bound(s.Min))
		hi, _ := time.ParseDuration(bound(s.Max))
		hi = max(hi, lo)
		*f = d
		if err != nil || d < lo || d > hi {
			return v, fmt.Sprintf("%s must be a duration from %s to %s, such as %s", s.Name, bound(s.Min), bound(s.Max), s.Default)
		}
	case *limit.Budget:
		b, err := limit.ParseBudget(v)
		*f = b
		if err != nil {
			return v, s.Name + " must be N/duration (such as 30/5m) or off"
		}
	case *[]string:
		for _, o := range strings.Split(v, ",") {
			if o = strings.TrimSpace(o); o != "" {
				*f = append(*f, strings.TrimSuffix(o, "/"))
			}
		}
	case *[]netip.Prefix:
		p, problem := prefixes(s.Name, v)
		*f = p
		return v, problem
	}
	return v, ""
}

// prefixes reads a comma-separated list of IP addresses and CIDR prefixes.
func prefixes(name, v string) ([]netip.Prefix, string) {
	var out []netip.Prefix
	var bad []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		p, err := netip.ParsePrefix(item)
		if err != nil {
			a, aerr := netip.ParseAddr(item)
			if aerr != nil {
				bad = append(bad, fmt.Sprintf("%s: %q is not an IP address or CIDR prefix", name, item))
				continue
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, strings.Join(bad, "; ")
}

func appSecretProblem(v string) string {
	if b, err := decodeSecret(v); err != nil || len(b) < 32 {
		return "APP_SECRET must be base64 of at least 32 bytes"
	}
	return ""
}

func httpURLProblem(v string) string {
	if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "APP_URL must be an http(s) URL"
	}
	return ""
}

func contains(l []string, v string) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}

func orList(l []string) string {
	if len(l) < 2 {
		return strings.Join(l, "")
	}
	return strings.Join(l[:len(l)-1], ", ") + " or " + l[len(l)-1]
}
