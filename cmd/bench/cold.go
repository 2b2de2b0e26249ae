package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/todofn/todofn/internal/devstack"
	"github.com/todofn/todofn/internal/lambdaurltest"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/tables"
	"github.com/todofn/todofn/pkg/keyset"
	"github.com/todofn/todofn/pkg/route"
)

// awsTags are the AWS flavour's build tags (the Makefile's AWS_TAGS).
const awsTags = "lambda.norpc,no_tablestore,no_bolt"

// runTags build the functions that cold starts and memory run: the AWS
// flavour with the embedded store put back (awsTags without no_bolt), so
// that one binary runs on the embedded store and on dynalite. The deployed
// build is that binary less bbolt, so it starts no slower.
var runTags = strings.Replace(awsTags, ",no_bolt", "", 1)

// hello is the name the hello-world bootstrap is reported under.
const hello = "hello-lambda"

// functionEnv is what every function gets under the emulator: a signing
// key (every function may verify; login and refresh sign), an APP_SECRET
// and the URLs, as the local cloud gives them (cmd/localcloud's baseEnv).
func functionEnv() ([]string, error) {
	key, err := keyset.Generate("bench")
	if err != nil {
		return nil, err
	}
	signing, err := keyset.FormatSigning([]keyset.SigningKey{key})
	if err != nil {
		return nil, err
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	return []string{"JWT_SIGNING_KEYS=" + signing, "APP_SECRET=" + base64.RawURLEncoding.EncodeToString(secret),
		"APP_URL=http://127.0.0.1/", "VERIFY_URL=http://127.0.0.1/verify", "LOG_FORMAT=json", "SMTP_SECURITY=none"}, nil
}

// firstEvent is the event a cold start answers: for an HTTP function, a
// function-URL request of its first route with an empty JSON body and no
// token (answered 4xx after the function has opened its store and keys);
// for the mailer, the stream record of events/mailer.json turned into the
// removal of that pending account, which mails nothing; for the
// hello-world, the same function-URL event as todos-list.
func firstEvent(root string, f route.Function) ([]byte, error) {
	if !f.HTTP() {
		b, err := os.ReadFile(filepath.Join(root, "events", f.Name+".json"))
		if err != nil {
			return nil, err
		}
		var ev struct{ Records []map[string]any }
		if err := json.Unmarshal(b, &ev); err != nil || len(ev.Records) == 0 {
			return nil, fmt.Errorf("events/%s.json: no records (%v)", f.Name, err)
		}
		rec := ev.Records[0]
		ddb, _ := rec["dynamodb"].(map[string]any)
		if ddb == nil {
			return nil, fmt.Errorf("events/%s.json: no dynamodb record", f.Name)
		}
		rec["eventName"] = "REMOVE"
		ddb["OldImage"] = ddb["NewImage"]
		delete(ddb, "NewImage")
		return json.Marshal(map[string]any{"Records": []any{rec}})
	}
	rt := f.Routes[0]
	path := strings.ReplaceAll(rt.Pattern, "{id}", "01JBENCH0000000000000000")
	req, err := http.NewRequest(rt.Method, "https://fn.lambda-url.us-east-1.on.aws"+path, strings.NewReader("{}"))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = "198.51.100.7:4000"
	return lambdaurltest.FunctionURLEvent(req, "bench-cold")
}

// coldStart starts bin under the runtime interface emulator and returns
// the time from the start of the emulator to the first answer of event.
func coldStart(ctx context.Context, rie, bin string, env []string, event []byte) (time.Duration, error) {
	addr, err := devstack.FreeAddr()
	if err != nil {
		return 0, err
	}
	api, err := devstack.FreeAddr()
	if err != nil {
		return 0, err
	}
	url := "http://" + addr + "/2015-03-31/functions/function/invocations"
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 30 * time.Second}
	t0 := time.Now()
	p, err := devstack.Start(ctx, devstack.Spec{Name: filepath.Base(filepath.Dir(bin)), Bin: rie, Group: true, Grace: 2 * time.Second,
		Args: []string{"--runtime-interface-emulator-address", addr, "--runtime-api-address", api, bin},
		Env:  append(slices.Clip(env), "AWS_LAMBDA_FUNCTION_NAME="+filepath.Base(filepath.Dir(bin)), "AWS_LAMBDA_FUNCTION_TIMEOUT=30", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128")})
	if err != nil {
		return 0, err
	}
	defer p.Stop()
	deadline := t0.Add(20 * time.Second)
	for {
		res, err := hc.Post(url, "application/json", bytes.NewReader(event))
		if err == nil {
			b, _ := io.ReadAll(res.Body)
			_ = res.Body.Close()
			d := time.Since(t0)
			if res.StatusCode != 200 || bytes.Contains(b, []byte(`"errorType"`)) {
				return 0, fmt.Errorf("%s: invoke answered %d %s\n%s", bin, res.StatusCode, b, p.Tail(10))
			}
			return d, nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("%s: no answer in 20 s: %v\n%s", bin, err, p.Tail(10))
		}
		select {
		case <-p.Exited():
			return 0, fmt.Errorf("%s: the emulator exited: %v\n%s", bin, p.Err(), p.Tail(10))
		case <-time.After(time.Millisecond):
		}
	}
}

// coldStarts measures every function's cold start under the emulator, on
// the embedded store and on DynamoDB (dynalite), against the hello-world
// bootstrap, in o.rounds interleaved rounds, and compares the medians.
func coldStarts(ctx context.Context, o options, r *report) error {
	rie, ok := devstack.LookBinary("aws-lambda-rie")
	if !ok {
		return fmt.Errorf("aws-lambda-rie is not installed: run make tools")
	}
	dir := filepath.Join(o.work, "cold")
	fns := route.All()
	bins := map[string]string{}
	for _, f := range fns {
		bins[f.Name] = filepath.Join(dir, f.Name, "bootstrap")
		if err := buildFn(ctx, o.root, f.Name, runtime.GOOS, runtime.GOARCH, runTags, bins[f.Name]); err != nil {
			return err
		}
	}
	bins[hello] = filepath.Join(dir, hello, "bootstrap")
	if err := buildFn(ctx, o.root, "../bench/hello-lambda", runtime.GOOS, runtime.GOARCH, "lambda.norpc,benchfloor", bins[hello]); err != nil {
		return err
	}
	events := map[string][]byte{}
	for _, f := range fns {
		ev, err := firstEvent(o.root, f)
		if err != nil {
			return err
		}
		events[f.Name] = ev
	}
	events[hello] = events[route.TodosList]

	base, err := functionEnv()
	if err != nil {
		return err
	}
	data, err := os.MkdirTemp(o.work, "cold-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(data)
	d, err := devstack.StartDynalite(ctx, devstack.DynaliteOptions{Root: o.root, Fast: true})
	if err != nil {
		return err
	}
	defer d.Stop()
	dynEnv := append(slices.Clip(base), "STORE=dynamodb", "DYNAMODB_ENDPOINT="+d.Endpoint, "AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=bench", "AWS_SECRET_ACCESS_KEY=bench")
	if err := tables.Create(ctx, app.ConfigFrom(func(k string) string { return devstack.Lookup(dynEnv, k) })); err != nil {
		return fmt.Errorf("dynalite tables: %w", err)
	}
	stores := []struct {
		name string
		env  func(fn string) []string
	}{
		{"embedded", func(fn string) []string {
			return append(slices.Clip(base), "STORE=bolt", "DATA_DIR="+filepath.Join(data, fn))
		}},
		{"dynalite", func(string) []string { return dynEnv }},
	}
	names := append([]string{hello}, route.Names(fns)...)
	times := map[string]map[string][]time.Duration{} // store → function → starts
	for _, s := range stores {
		times[s.name] = map[string][]time.Duration{}
	}
	for round := range o.rounds {
		for _, s := range stores {
			// Each round starts with a different function, hello-world
			// included, so none always goes first.
			order := append(slices.Clone(names[round%len(names):]), names[:round%len(names)]...)
			for _, fn := range order {
				if fn == route.Mailer && s.name == "embedded" {
					continue // the embedded store has no stream to fire it
				}
				t, err := coldStart(ctx, rie, bins[fn], s.env(fn), events[fn])
				if err != nil {
					return fmt.Errorf("%s on %s: %w", fn, s.name, err)
				}
				times[s.name][fn] = append(times[s.name][fn], t)
			}
		}
	}
	fmt.Fprintf(r.w, "start of the emulator → first answer, median of %d interleaved rounds (host %s/%s, -tags %s)\n", o.rounds, runtime.GOOS, runtime.GOARCH, runTags)
	fmt.Fprintf(r.w, "%-16s", "")
	for _, s := range stores {
		fmt.Fprintf(r.w, " %-26s", s.name)
	}
	fmt.Fprintln(r.w)
	for _, fn := range names {
		fmt.Fprintf(r.w, "%-16s", fn)
		for _, s := range stores {
			if len(times[s.name][fn]) == 0 {
				fmt.Fprintf(r.w, " %-26s", "-")
				continue
			}
			m, h := median(times[s.name][fn]), median(times[s.name][hello])
			fmt.Fprintf(r.w, " %-26s", fmt.Sprintf("%s (%.2f ×)", ms(m), float64(m)/float64(h)))
		}
		fmt.Fprintln(r.w)
	}
	for _, s := range stores {
		h := median(times[s.name][hello])
		worst, worstFn := 0.0, ""
		for _, fn := range names[1:] {
			if len(times[s.name][fn]) == 0 {
				continue
			}
			if x := float64(median(times[s.name][fn])) / float64(h); x > worst {
				worst, worstFn = x, fn
			}
		}
		r.target("cold start ≤ 1.1 × hello-world for every function, "+s.name+" store",
			fmt.Sprintf("worst %s %s against %s", worstFn, ms(median(times[s.name][worstFn])), ms(h)),
			fmt.Sprintf("%.2f ×", worst), worst <= 1.1)
	}
	return nil
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
