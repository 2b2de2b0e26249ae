package main

import (
	"bytes"
	"context"
	"fmt"
	"mime"
	"net/http"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/todofn/todofn/internal/benchtest"
	"github.com/todofn/todofn/internal/devstack"
	"github.com/todofn/todofn/pkg/password"
	"github.com/todofn/todofn/pkg/route"
)

// argon2 are the functions that hash passwords; their memory target is
// the hash's memory plus 20 MB.
var argon2 = map[string]bool{
	route.Register: true, route.Verify: true, route.Login: true,
	route.PasswordReset: true, route.PasswordChange: true, route.AccountDelete: true,
}

var mailCode = regexp.MustCompile(`verification code: ([0-9]{6})\b`)

// codeFromDir reads the verification code for email from the .eml files
// of the dev mail sink in dir.
func codeFromDir(ctx context.Context, dir, email string) (string, error) {
	dec := new(mime.WordDecoder)
	for ctx.Err() == nil {
		files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				continue
			}
			m, err := mail.ReadMessage(bytes.NewReader(b))
			if err != nil || !strings.Contains(strings.ToLower(m.Header.Get("To")), email) {
				continue
			}
			subject, err := dec.DecodeHeader(m.Header.Get("Subject"))
			if err != nil {
				continue
			}
			if sub := mailCode.FindStringSubmatch(subject); sub != nil {
				return sub[1], nil
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
	return "", fmt.Errorf("no verification code for %s in %s", email, dir)
}

// vmHWM reads the peak resident memory (VmHWM, KiB) of pid.
func vmHWM(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(v)
			if len(f) == 2 {
				return strconv.Atoi(f[0])
			}
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}

// childWithPort finds our child process whose environment has PORT=port.
func childWithPort(port string) (int, error) {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	me := strconv.Itoa(os.Getpid())
	for _, dir := range dirs {
		st, err := os.ReadFile(filepath.Join(dir, "stat"))
		if err != nil {
			continue
		}
		fields := strings.Fields(string(st[bytes.LastIndexByte(st, ')')+1:]))
		if len(fields) < 2 || fields[1] != me {
			continue
		}
		env, err := os.ReadFile(filepath.Join(dir, "environ"))
		if err != nil {
			continue
		}
		if bytes.Contains(append([]byte{0}, env...), []byte("\x00PORT="+port+"\x00")) {
			return strconv.Atoi(filepath.Base(dir))
		}
	}
	return 0, fmt.Errorf("no child process with PORT=%s", port)
}

// memory runs every function as a plain HTTP server (the AWS build for
// this host; plain HTTP is in every build), all on one embedded store
// (BOLT_SHARED) with the mailer following its change feed, signs a user
// up through register, verify and login, then sends each HTTP function
// o.requests requests, one after another, and reads its peak resident
// memory (VmHWM of /proc/<pid>/status). The todo functions get real calls
// (adds, lists of 50, ticks, deletes); the account functions, after the
// sign-up's real calls (one hash each for register, verify and login),
// get calls they refuse before any hashing (an empty JSON object, 400),
// since 1,000 argon2 hashes each would take minutes here.
func memory(ctx context.Context, o options, r *report) error {
	if runtime.GOOS != "linux" {
		return fmt.Errorf("reads /proc/<pid>/status: linux only")
	}
	dir := filepath.Join(o.work, "memory")
	data, err := os.MkdirTemp(o.work, "memory-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(data)
	fns := route.All()
	urls := map[string]string{}
	pids := map[string]int{}
	for _, f := range fns {
		bin := filepath.Join(dir, f.Name, "bootstrap")
		if err := buildFn(ctx, o.root, f.Name, runtime.GOOS, runtime.GOARCH, runTags, bin); err != nil {
			return err
		}
		port, err := devstack.FreePort()
		if err != nil {
			return err
		}
		srv, err := devstack.StartServer(ctx, devstack.ServerOptions{Name: f.Name, Bin: bin, Port: port, Env: []string{
			"DATA_DIR=" + data, "BOLT_SHARED=1", "APP_URL=http://127.0.0.1/", "LOG_FORMAT=json",
			"RATE_LIMITS=off", "USER_WRITE_LIMIT=1000000/1s", "LOGIN_ACCOUNT_LIMIT=off", "MEMORY_MB=128"}})
		if err != nil {
			return err
		}
		defer srv.Stop()
		urls[f.Name] = srv.URL
		if pids[f.Name], err = childWithPort(strconv.Itoa(port)); err != nil {
			return err
		}
	}
	at := func(fn string) *benchtest.Client {
		return &benchtest.Client{Base: urls[fn], HTTP: &http.Client{Transport: newTransport(), Timeout: 30 * time.Second}}
	}
	const email, pass = "memory@example.com", "a long bench password"
	if _, err := at(route.Register).Expect(ctx, []int{202}, "POST", "/register", map[string]string{"email": email, "password": pass}); err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	code, err := codeFromDir(cctx, filepath.Join(data, "mail"), email)
	cancel()
	if err != nil {
		return err
	}
	if _, err := at(route.Verify).Expect(ctx, []int{200}, "POST", "/verify", map[string]string{"email": email, "code": code, "password": pass}); err != nil {
		return err
	}
	lr, err := at(route.Login).Expect(ctx, []int{200}, "POST", "/login", map[string]string{"email": email, "password": pass})
	if err != nil {
		return err
	}
	var tokens struct{ AccessToken string }
	if err := lr.JSON(&tokens); err != nil {
		return err
	}
	n := o.requests
	var ids []string
	// The todo functions in this order: the adds make the todos the others
	// list, tick and delete.
	for _, fn := range []string{route.TodosAdd, route.TodosList, route.TodosUpdate, route.TodosDelete} {
		c := at(fn)
		c.Token = tokens.AccessToken
		for i := range n {
			var err error
			switch fn {
			case route.TodosAdd:
				var rep benchtest.Reply
				if rep, err = c.Expect(ctx, []int{201}, "POST", "/todos", map[string]any{"title": fmt.Sprintf("memory todo %d", i)}); err == nil {
					var t struct{ ID string }
					_ = rep.JSON(&t)
					ids = append(ids, t.ID)
				}
			case route.TodosList:
				_, err = c.Expect(ctx, []int{200}, "GET", "/todos", nil)
			case route.TodosUpdate:
				_, err = c.Expect(ctx, []int{200}, "PATCH", "/todos/"+ids[i%len(ids)], map[string]any{"done": i%2 == 0})
			case route.TodosDelete:
				_, err = c.Expect(ctx, []int{204}, "DELETE", "/todos/"+ids[i%len(ids)], nil)
			}
			if err != nil {
				return fmt.Errorf("%s: %w", fn, err)
			}
		}
	}
	for _, f := range fns {
		if !f.HTTP() || strings.HasPrefix(f.Name, "todos-") {
			continue
		}
		c := at(f.Name)
		rt := f.Routes[0]
		for range n {
			if _, err := c.Do(ctx, rt.Method, rt.Pattern, map[string]any{}); err != nil {
				return fmt.Errorf("%s: %w", f.Name, err)
			}
		}
	}
	// MB as the issue writes it: 10^6 bytes (VmHWM is in KiB).
	hashMB := float64(password.DefaultParams.Memory) * 1024 / 1e6
	fmt.Fprintf(r.w, "peak resident memory (VmHWM) of each function as a plain HTTP server after %d requests (host %s/%s, -tags %s); argon2id takes %.1f MB a hash\n",
		n, runtime.GOOS, runtime.GOARCH, runTags, hashMB)
	worst, worstFn := 0.0, ""
	for _, f := range fns {
		kb, err := vmHWM(pids[f.Name])
		if err != nil {
			return err
		}
		mb := float64(kb) * 1024 / 1e6
		limit := 20.0
		if argon2[f.Name] {
			limit += hashMB
		}
		fmt.Fprintf(r.w, "  %-16s %6.1f MB (target ≤ %.1f MB)\n", f.Name, mb, limit)
		if f.HTTP() && mb/limit > worst {
			worst, worstFn = mb/limit, f.Name
		}
	}
	r.target(fmt.Sprintf("peak resident memory ≤ 20 MB per HTTP function after %d requests (argon2 functions: + the hash's %.1f MB)", n, hashMB),
		fmt.Sprintf("closest to its limit: %s at %.0f %% of it", worstFn, worst*100), "", worst <= 1)
	return nil
}
