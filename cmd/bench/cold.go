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

// runTags build the functions that cold starts on the embedded store and
// memory run: the AWS flavour with the embedded store put back (awsTags
// without no_bolt). The dynalite runs start the deployed build itself
// (awsTags: no bbolt).
var runTags = strings.Replace(awsTags, ",no_bolt", "", 1)

// hello is the name the hello-world bootstrap is reported under.
const hello = "hello-lambda"

// floorDynamo is the name the SDK floor (bench/floor-dynamodb: a
// hello-world bootstrap that makes one GetItem) is reported under.
const floorDynamo = "floor-dynamodb"

// functionEnv returns what each function gets under the emulator, as
// template.yml and s.yaml give it: JWT_PUBLIC_KEYS for every function and
// JWT_SIGNING_KEYS only for login and refresh (the functions that issue
// tokens; the others parse public keys only), an APP_SECRET and the URLs,
// as the local cloud gives them (cmd/localcloud's baseEnv).
func functionEnv() (func(fn string) []string, error) {
	key, err := keyset.Generate("bench")
	if err != nil {
		return nil, err
	}
	signing, err := keyset.FormatSigning([]keyset.SigningKey{key})
	if err != nil {
		return nil, err
	}
	public, err := keyset.FormatPublic([]keyset.PublicKey{{ID: key.ID, Public: &key.Private.PublicKey}})
	if err != nil {
		return nil, err
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	base := []string{"JWT_PUBLIC_KEYS=" + public, "APP_SECRET=" + base64.RawURLEncoding.EncodeToString(secret),
		"APP_URL=http://127.0.0.1/", "VERIFY_URL=http://127.0.0.1/verify", "LOG_FORMAT=json", "SMTP_SECURITY=none"}
	return func(fn string) []string {
		if fn == route.Login || fn == route.Refresh {
			return append(slices.Clip(base), "JWT_SIGNING_KEYS="+signing)
		}
		return slices.Clip(base)
	}, nil
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
	// bins[store][function]: the embedded store's builds keep bbolt, the
	// dynalite runs start the deployed AWS build.
	bins := map[string]map[string]string{"embedded": {}, "dynalite": {}}
	for _, f := range fns {
		for store, tags := range map[string]string{"embedded": runTags, "dynalite": awsTags} {
			bins[store][f.Name] = filepath.Join(dir, store, f.Name, "bootstrap")
			if err := buildFn(ctx, o.root, f.Name, runtime.GOOS, runtime.GOARCH, tags, bins[store][f.Name]); err != nil {
				return err
			}
		}
	}
	for _, ref := range []string{hello, floorDynamo} {
		b := filepath.Join(dir, ref, "bootstrap")
		if err := buildFn(ctx, o.root, "../bench/"+ref, runtime.GOOS, runtime.GOARCH, "lambda.norpc,benchfloor", b); err != nil {
			return err
		}
		bins["embedded"][ref], bins["dynalite"][ref] = b, b
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
	events[floorDynamo] = events[route.TodosList]

	env, err := functionEnv()
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
	dyn := []string{"STORE=dynamodb", "DYNAMODB_ENDPOINT=" + d.Endpoint, "AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=bench", "AWS_SECRET_ACCESS_KEY=bench"}
	if err := tables.Create(ctx, app.ConfigFrom(func(k string) string { return devstack.Lookup(dyn, k) })); err != nil {
		return fmt.Errorf("dynalite tables: %w", err)
	}
	// The floor's one GetItem reads the users table (keyed by email) for an
	// absent item: an answer as cheap as a present one.
	dyn = append(dyn, "TABLE=todofn_users", "TABLE_KEY=email")
	stores := []struct {
		name string
		env  func(fn string) []string
	}{
		{"embedded", func(fn string) []string {
			return append(env(fn), "STORE=bolt", "DATA_DIR="+filepath.Join(data, fn))
		}},
		{"dynalite", func(fn string) []string { return append(env(fn), dyn...) }},
	}
	names := append([]string{hello, floorDynamo}, route.Names(fns)...)
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
				if (fn == route.Mailer || fn == floorDynamo) && s.name == "embedded" {
					continue // the embedded store has no stream to fire it, nor a table to read
				}
				t, err := coldStart(ctx, rie, bins[s.name][fn], s.env(fn), events[fn])
				if err != nil {
					return fmt.Errorf("%s on %s: %w", fn, s.name, err)
				}
				times[s.name][fn] = append(times[s.name][fn], t)
			}
		}
	}
	fmt.Fprintf(r.w, "start of the emulator → first answer, median of %d interleaved rounds (host %s/%s; embedded: -tags %s, dynalite: the deployed -tags %s; JWT signing keys for login and refresh only, as deployed)\n", o.rounds, runtime.GOOS, runtime.GOARCH, runTags, awsTags)
	fmt.Fprintf(r.w, "%-16s", "")
	for _, s := range stores {
		fmt.Fprintf(r.w, " %-40s", s.name)
	}
	fmt.Fprintln(r.w)
	for _, fn := range names {
		fmt.Fprintf(r.w, "%-16s", fn)
		for _, s := range stores {
			if len(times[s.name][fn]) == 0 {
				fmt.Fprintf(r.w, " %-40s", "-")
				continue
			}
			m, h := median(times[s.name][fn]), median(times[s.name][hello])
			cell := fmt.Sprintf("%s (%.2f ×", ms(m), float64(m)/float64(h))
			if f := median(times[s.name][floorDynamo]); f > 0 && fn != hello {
				cell += fmt.Sprintf("; %.2f × the SDK floor", float64(m)/float64(f))
			}
			fmt.Fprintf(r.w, " %-40s", cell+")")
		}
		fmt.Fprintln(r.w)
	}
	for _, s := range stores {
		h := median(times[s.name][hello])
		worst, worstFn := 0.0, ""
		for _, fn := range names[2:] { // the functions, not the two references
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
