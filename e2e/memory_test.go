package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestMemoryUnderLoginBurst runs the local server as a 128 MB function
// would (MEMORY_MB=128) and fires 40 log-ins at once with the right
// password: the password hasher's slots must keep the process's peak
// resident memory (VmHWM) under 128 MB, and every answer must be 200 or a
// 503 with Retry-After (busy), never another error, and the server must
// still answer afterwards. The account service lets one (address, client
// IP) pair have only a few log-ins in flight before it hashes, so each
// log-in comes from its own client IP, through X-Forwarded-For from a
// trusted proxy (the test): 40 hashes are asked for at once.
func TestMemoryUnderLoginBurst(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc/<pid>/status")
	}
	const (
		memoryMB = 128
		logins   = 40
	)
	data := t.TempDir()
	port := freePort(t)
	origin := "http://127.0.0.1:" + port
	base := start(t, "local", port, "DATA_DIR="+data, "APP_URL="+origin+"/", "WEB_DIR="+filepath.Join("..", "web"),
		"MEMORY_MB="+strconv.Itoa(memoryMB), "RATE_LIMITS=off", "LOGIN_ACCOUNT_LIMIT=off", "TRUSTED_PROXIES=127.0.0.1", "LOG_LEVEL=warn")
	pid := serverPID(t, port)
	idle := procStatus(t, pid)

	email, pass := "mem.e2e@example.com", "correct horse battery"
	want(t, call(t, "POST", base+"/register", "", map[string]string{"email": email, "password": pass}), 202, "")
	code := codePattern.FindStringSubmatch(dirMail(filepath.Join(data, "mail"))(t, email, 1)[0].Text)
	if code == nil {
		t.Fatal("no code in the mail")
	}
	want(t, call(t, "POST", base+"/verify", "", map[string]string{"email": email, "code": code[1], "password": pass}), 200, "")
	before := procStatus(t, pid)

	type answer struct {
		status     int
		retryAfter string
		body       string
		err        error
	}
	answers := make([]answer, logins)
	body, _ := json.Marshal(map[string]string{"email": email, "password": pass})
	var ready, wg sync.WaitGroup
	ready.Add(logins)
	startGun := make(chan struct{})
	began := time.Now()
	for i := range logins {
		wg.Go(func() {
			req, _ := http.NewRequest("POST", base+"/login", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i+1))
			ready.Done()
			<-startGun
			res, err := client.Do(req)
			if err != nil {
				answers[i].err = err
				return
			}
			defer res.Body.Close()
			var buf bytes.Buffer
			_, _ = buf.ReadFrom(res.Body)
			answers[i] = answer{status: res.StatusCode, retryAfter: res.Header.Get("Retry-After"), body: buf.String()}
		})
	}
	ready.Wait()
	close(startGun)
	wg.Wait()
	elapsed := time.Since(began)
	after := procStatus(t, pid)

	ok, busy := 0, 0
	for i, a := range answers {
		switch {
		case a.err != nil:
			t.Errorf("log-in %d: %v", i, a.err)
		case a.status == 200:
			ok++
		case a.status == 503 && a.retryAfter != "" && strings.Contains(a.body, `"unavailable"`):
			busy++
		default:
			t.Errorf("log-in %d: %d (Retry-After %q) %s; want 200, or 503 unavailable with Retry-After", i, a.status, a.retryAfter, a.body)
		}
	}
	t.Logf("%d log-ins in %s: %d ok, %d busy (503); server VmHWM %d MB (VmRSS idle %d MB, after sign-up %d MB, after the burst %d MB)",
		logins, elapsed.Round(time.Millisecond), ok, busy, after["VmHWM"]/1024, idle["VmRSS"]/1024, before["VmRSS"]/1024, after["VmRSS"]/1024)
	if ok == 0 {
		t.Error("no log-in succeeded")
	}
	if hwm := after["VmHWM"]; hwm >= memoryMB*1024 {
		t.Errorf("peak resident memory %d KiB, want under %d MB", hwm, memoryMB)
	}
	if r := call(t, "GET", base+"/healthz", "", nil); r.Status != 200 {
		t.Fatalf("after the burst: healthz %d", r.Status)
	}
}

// serverPID finds the process this test started that listens on port: a
// child of the test binary whose environment has PORT=port.
func serverPID(t *testing.T, port string) int {
	t.Helper()
	dirs, err := filepath.Glob("/proc/[0-9]*")
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range dirs {
		st, err := os.ReadFile(filepath.Join(dir, "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so read after ')'.
		fields := strings.Fields(string(st[bytes.LastIndexByte(st, ')')+1:]))
		if len(fields) < 2 || fields[1] != strconv.Itoa(os.Getpid()) {
			continue
		}
		env, err := os.ReadFile(filepath.Join(dir, "environ"))
		if err != nil {
			continue
		}
		for _, kv := range bytes.Split(env, []byte{0}) {
			if string(kv) == "PORT="+port {
				pid, _ := strconv.Atoi(filepath.Base(dir))
				return pid
			}
		}
	}
	t.Fatalf("no child process with PORT=%s", port)
	return 0
}

// procStatus reads the kB figures of /proc/<pid>/status (VmRSS, VmHWM, ...).
func procStatus(t *testing.T, pid int) map[string]int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for line := range strings.Lines(string(b)) {
		name, v, ok := strings.Cut(line, ":")
		if f := strings.Fields(v); ok && len(f) == 2 && f[1] == "kB" {
			out[name], _ = strconv.Atoi(f[0])
		}
	}
	return out
}
