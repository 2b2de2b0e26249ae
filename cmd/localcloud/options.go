package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/todofn/todofn/internal/devstack"
)

// options is the tool's configuration: flags, each defaulting from an
// environment variable.
type options struct {
	mode string // lambda or fc
	bin  string // folder of the function binaries: <bin>/<fn>/bootstrap or <bin>/<fn>
	host string
	port string
	web  string // the web app's folder

	rie string // aws-lambda-rie

	dynamoEndpoint string // an existing DynamoDB-API server; empty: start dynalite
	dynalite       string
	dynalitePort   int

	smtp            string // an existing SMTP server (host:port); empty: start Mailpit
	mailpit         string
	mailpitSMTPPort int
	mailpitPort     int
	mailbox         string // the mailbox web UI for config.json

	tablestorePort int // the Tablestore double's port; 0 for any free one

	only            []string // the functions to run; empty: all (gray.go's tests and make gray-demo run one)
	candidateBin    string   // a gray release's candidate builds, as bin; empty: none (gray.go)
	candidateWeight float64  // share of a function's calls its candidate gets
	graySeed        uint64   // seeds the draws

	getenv func(string) string // for the functions' optional settings
}

// parseOptions reads the flags in args, with defaults from getenv.
func parseOptions(args []string, getenv func(string) string) (options, error) {
	env := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	envInt := func(name string, def int) int {
		n, err := strconv.Atoi(env(name, strconv.Itoa(def)))
		if err != nil {
			return -1 // reported by the port check below
		}
		return n
	}
	smtp := ""
	if h := env("SMTP_HOST", ""); h != "" {
		smtp = net.JoinHostPort(h, env("SMTP_PORT", "587"))
	}
	o := options{getenv: getenv}
	fs := flag.NewFlagSet("localcloud", flag.ContinueOnError)
	fs.StringVar(&o.mode, "mode", env("LOCALCLOUD_MODE", "lambda"), "`platform`: lambda (aws-lambda-rie, DynamoDB) or fc (FC3 runtime double, Tablestore) ($LOCALCLOUD_MODE)")
	fs.StringVar(&o.bin, "bin", env("LOCALCLOUD_BIN", ""), "`folder` of the function binaries, as <fn>/bootstrap or <fn> (default build/localcloud/<mode>; $LOCALCLOUD_BIN)")
	fs.StringVar(&o.host, "host", env("HOST", "127.0.0.1"), "front `host` ($HOST)")
	fs.StringVar(&o.port, "port", env("PORT", "8080"), "front `port` ($PORT)")
	fs.StringVar(&o.web, "web", env("WEB_DIR", "web"), "the web app's `folder` ($WEB_DIR)")
	fs.StringVar(&o.rie, "rie", env("LOCALCLOUD_RIE", ""), "aws-lambda-rie `binary` (default: on PATH or in $(go env GOPATH)/bin; $LOCALCLOUD_RIE)")
	fs.StringVar(&o.dynamoEndpoint, "dynamodb-endpoint", env("DYNAMODB_ENDPOINT", ""), "use this DynamoDB-API `URL` instead of starting dynalite ($DYNAMODB_ENDPOINT)")
	fs.StringVar(&o.dynalite, "dynalite", env("DYNALITE", filepath.Join("node_modules", ".bin", "dynalite")), "dynalite `binary` ($DYNALITE)")
	fs.IntVar(&o.dynalitePort, "dynalite-port", envInt("DYNALITE_PORT", 8000), "`port` of the dynalite started ($DYNALITE_PORT)")
	fs.StringVar(&o.smtp, "smtp", smtp, "use this SMTP server (`host:port`) instead of starting Mailpit ($SMTP_HOST, $SMTP_PORT)")
	fs.StringVar(&o.mailpit, "mailpit", env("MAILPIT", ""), "mailpit `binary` (default: on PATH or in $(go env GOPATH)/bin; $MAILPIT)")
	fs.IntVar(&o.mailpitSMTPPort, "mailpit-smtp-port", envInt("MAILPIT_SMTP_PORT", 1025), "SMTP `port` of the Mailpit started ($MAILPIT_SMTP_PORT)")
	fs.IntVar(&o.mailpitPort, "mailpit-port", envInt("MAILPIT_PORT", 8025), "web UI `port` of the Mailpit started ($MAILPIT_PORT)")
	fs.StringVar(&o.mailbox, "mailbox", env("LOCALCLOUD_MAILBOX", ""), "mailbox web UI `URL` for the web app (default: the Mailpit started; $LOCALCLOUD_MAILBOX)")
	fs.IntVar(&o.tablestorePort, "tablestore-port", envInt("TABLESTORE_PORT", 0), "`port` of the Tablestore double, 0 for any ($TABLESTORE_PORT)")
	only := o.grayFlags(fs, env)
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	for _, fn := range strings.Split(*only, ",") {
		if fn = strings.TrimSpace(fn); fn != "" {
			o.only = append(o.only, fn)
		}
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var problems []string
	if o.mode != "lambda" && o.mode != "fc" {
		problems = append(problems, fmt.Sprintf("-mode must be lambda or fc, not %q", o.mode))
	}
	for name, p := range map[string]int{"-dynalite-port": o.dynalitePort, "-mailpit-smtp-port": o.mailpitSMTPPort, "-mailpit-port": o.mailpitPort} {
		if p < 1 || p > 65535 {
			problems = append(problems, name+" must be a port number")
		}
	}
	problems = append(problems, o.grayProblems()...)
	if o.tablestorePort < 0 || o.tablestorePort > 65535 {
		problems = append(problems, "-tablestore-port must be a port number or 0")
	}
	if p, err := strconv.Atoi(o.port); err != nil || p < 1 || p > 65535 {
		problems = append(problems, "-port must be a port number")
	}
	if len(problems) > 0 {
		return o, errors.New(strings.Join(problems, "; "))
	}
	if o.bin == "" {
		o.bin = filepath.Join("build", "localcloud", o.mode)
	}
	return o, nil
}

// grayFlags adds -only and a gray release's flags (gray.go) to fs, and
// returns -only's value.
func (o *options) grayFlags(fs *flag.FlagSet, env func(name, def string) string) *string {
	fs.StringVar(&o.candidateBin, "candidate-bin", env("LOCALCLOUD_CANDIDATE_BIN", ""), "`folder` of candidate builds, as -bin: each HTTP function found there gets -candidate-weight of its calls ($LOCALCLOUD_CANDIDATE_BIN)")
	fs.Float64Var(&o.candidateWeight, "candidate-weight", envFloat(env("LOCALCLOUD_CANDIDATE_WEIGHT", "0.1")), "`share` of calls to a candidate, 0 to 1 ($LOCALCLOUD_CANDIDATE_WEIGHT)")
	fs.Uint64Var(&o.graySeed, "gray-seed", 1, "seed of the candidate draws")
	return fs.String("only", env("LOCALCLOUD_ONLY", ""), "run only these `functions` (comma-separated; default all; $LOCALCLOUD_ONLY)")
}

func (o options) grayProblems() []string {
	var problems []string
	for _, fn := range o.only {
		if !slices.Contains(functions, fn) {
			problems = append(problems, fmt.Sprintf("-only: %s is no function", fn))
		}
	}
	if o.candidateWeight < 0 || o.candidateWeight > 1 {
		problems = append(problems, "-candidate-weight must be from 0 to 1")
	}
	return problems
}

// envFloat reads a number, or -1 (reported by the weight check).
func envFloat(s string) float64 {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return -1
	}
	return f
}

// names is the functions this run starts: -only, else all of them.
func (o options) names() []string {
	if len(o.only) > 0 {
		return o.only
	}
	return functions
}

// tool finds a Go-installed tool: given, else devstack.LookBinary's (on
// PATH, in GOPATH/bin or in ~/go/bin).
func tool(given, name, install string) (string, error) {
	if given != "" {
		return given, nil
	}
	if p, ok := devstack.LookBinary(name); ok {
		return p, nil
	}
	return "", fmt.Errorf("%s not found on PATH, in $GOPATH/bin or in ~/go/bin; install it with %s (or make tools)", name, install)
}

// binary finds function fn's binary in dir.
func binary(dir, fn string) (string, error) {
	for _, p := range []string{filepath.Join(dir, fn, "bootstrap"), filepath.Join(dir, fn)} {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return filepath.Abs(p)
		}
	}
	return "", fmt.Errorf("no binary for %s in %s (want %s); make run-lambda and make run-fc build them",
		fn, dir, filepath.Join(dir, fn, "bootstrap"))
}
