//go:build unix

package platform

import (
	"bytes"
	"context"
	"encoding/json"
	"go/build"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/todofn/todofn/internal/lambdaurltest"
)

// rieInstall installs the emulator the tests are written against.
const rieInstall = "go install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d"

func rieBinary(tb testing.TB) string {
	tb.Helper()
	if p, err := exec.LookPath("aws-lambda-rie"); err == nil {
		return p
	}
	p := filepath.Join(build.Default.GOPATH, "bin", "aws-lambda-rie")
	if _, err := os.Stat(p); err != nil {
		skipOrFail(tb, "aws-lambda-rie not found in PATH or %s; install it with: %s", filepath.Dir(p), rieInstall)
	}
	return p
}

// buildHello builds testdata/hello as a Lambda bootstrap, once per test.
func buildHello(tb testing.TB) string {
	tb.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(build.Default.GOROOT, "bin", "go")
	}
	out := filepath.Join(tb.TempDir(), "bootstrap")
	cmd := exec.Command(goBin, "build", "-tags", "lambda.norpc", "-o", out, "./testdata/hello")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("build testdata/hello: %v\n%s", err, b)
	}
	return out
}

// rie runs bootstrap under the Lambda runtime interface emulator, both its
// addresses on 127.0.0.1, and returns its invoke URL. The emulator and the
// bootstrap it starts are killed (as a process group) at cleanup.
func rie(tb testing.TB, bootstrap string, env ...string) string {
	tb.Helper()
	bin := rieBinary(tb)
	addr := "127.0.0.1:" + strconv.Itoa(freePort(tb))
	apiAddr := "127.0.0.1:" + strconv.Itoa(freePort(tb))
	cmd := exec.Command(bin, "--runtime-interface-emulator-address", addr, "--runtime-api-address", apiAddr, bootstrap)
	cmd.Env = append(os.Environ(), env...)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start aws-lambda-rie: %v", err)
	}
	tb.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
		if tb.Failed() {
			tb.Logf("aws-lambda-rie output:\n%s", logs.String())
		}
	})
	waitListening(tb, addr)
	return "http://" + addr + "/2015-03-31/functions/function/invocations"
}

// invokeRIE posts one event; the emulator must be invoked serially.
func invokeRIE(tb testing.TB, url string, payload []byte) (*http.Response, []byte) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(payload))
	if err != nil {
		tb.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("invoke: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp, b
}

// TestLambdaRIE runs a binary that calls platform.Start under the real AWS
// Lambda runtime interface emulator and talks function-URL events to it.
func TestLambdaRIE(t *testing.T) {
	url := rie(t, buildHello(t))

	t.Run("function URL event", func(t *testing.T) {
		r := httptest.NewRequest("POST", "https://abc.lambda-url.eu-west-1.on.aws/todos/a%20b?x=1&x=2", strings.NewReader(`{"title":"milk"}`))
		r.Header.Add("Accept", "text/html")
		r.Header.Add("Accept", "application/json")
		r.AddCookie(&http.Cookie{Name: "s", Value: "1"})
		r.AddCookie(&http.Cookie{Name: "t", Value: "2"})
		ev, err := lambdaurltest.FunctionURLEvent(r, "event-id")
		if err != nil {
			t.Fatal(err)
		}
		resp, out := invokeRIE(t, url, ev)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("RIE status %d: %s", resp.StatusCode, out)
		}
		w := httptest.NewRecorder()
		if err := lambdaurltest.WriteFunctionURLResponse(out, w); err != nil {
			t.Fatalf("response %s: %v", out, err)
		}
		if w.Code != http.StatusCreated {
			t.Fatalf("status = %d: %s", w.Code, out)
		}
		var got map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
			t.Fatalf("body %q: %v", w.Body.Bytes(), err)
		}
		want := map[string]any{"method": "POST", "path": "/todos/a b", "rawPath": "/todos/a%20b", "query": "x=1&x=2",
			"host": "abc.lambda-url.eu-west-1.on.aws", "remoteAddr": "192.0.2.1:0", "cookie": "s=1; t=2",
			"accept": "text/html,application/json", "body": `{"title":"milk"}`, "contentLength": float64(16)}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("handler saw %s = %#v, want %#v", k, got[k], v)
			}
		}
		if c := w.Result().Cookies(); len(c) != 2 || c[0].String() != "a=1" || c[1].String() != "b=2" {
			t.Errorf("cookies = %v", c)
		}
		if v := w.Header().Get("Vary"); v != "Origin, Accept" {
			t.Errorf("Vary = %q", v)
		}
		// The request ID is the emulator's AwsRequestID, not the event's.
		if id := w.Header().Get("X-Request-Id"); id == "" || id == "event-id" {
			t.Errorf("X-Request-Id = %q, want Lambda's request ID", id)
		}
	})

	t.Run("binary response", func(t *testing.T) {
		ev, err := lambdaurltest.FunctionURLEvent(httptest.NewRequest("GET", "/binary", nil), "")
		if err != nil {
			t.Fatal(err)
		}
		_, out := invokeRIE(t, url, ev)
		var raw struct {
			IsBase64Encoded bool `json:"isBase64Encoded"`
		}
		_ = json.Unmarshal(out, &raw)
		w := httptest.NewRecorder()
		if err := lambdaurltest.WriteFunctionURLResponse(out, w); err != nil {
			t.Fatal(err)
		}
		if !raw.IsBase64Encoded || w.Header().Get("Content-Type") != "image/png" || !bytes.Equal(w.Body.Bytes(), binaryBody()) {
			t.Errorf("base64 %v, type %q, body %q", raw.IsBase64Encoded, w.Header().Get("Content-Type"), w.Body.Bytes())
		}
	})

	t.Run("malformed event", func(t *testing.T) {
		_, out := invokeRIE(t, url, []byte(`{"rawPath":"/","requestContext":{"http":{"method":""}}}`))
		w := httptest.NewRecorder()
		if err := lambdaurltest.WriteFunctionURLResponse(out, w); err != nil {
			t.Fatalf("response %s: %v", out, err)
		}
		checkInvalid(t, w.Code, w.Body.Bytes())
	})
}

// TestLambdaRIEPanic: under the real emulator, a handler's panic answers
// 500 in the one envelope, and the same process serves the next request
// (unrecovered, aws-lambda-go ends the process: a 502 and a cold start).
func TestLambdaRIEPanic(t *testing.T) {
	url := rie(t, buildHello(t))
	call := func(path string) *httptest.ResponseRecorder {
		t.Helper()
		ev, err := lambdaurltest.FunctionURLEvent(httptest.NewRequest("GET", path, nil), "")
		if err != nil {
			t.Fatal(err)
		}
		resp, out := invokeRIE(t, url, ev)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: RIE status %d: %s", path, resp.StatusCode, out)
		}
		w := httptest.NewRecorder()
		if err := lambdaurltest.WriteFunctionURLResponse(out, w); err != nil {
			t.Fatalf("%s: response %s: %v", path, out, err)
		}
		return w
	}
	before := call("/todos").Header().Get("X-Pid")
	w := call("/panic")
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &e); w.Code != 500 || err != nil || e.Error.Code != "internal" {
		t.Fatalf("panic answered %d %s, want 500 with code internal", w.Code, w.Body.Bytes())
	}
	if w.Header().Get("X-Pid") != "" || w.Header().Get("X-Request-Id") == "" {
		t.Errorf("panic answer headers %v: want the request id and none of the handler's", w.Header())
	}
	if after := call("/todos").Header().Get("X-Pid"); after == "" || after != before {
		t.Errorf("process %q before the panic, %q after: want the same process, no cold start", before, after)
	}
}

// TestLambdaRIEEvents runs the same binary's StartEvents under the emulator.
func TestLambdaRIEEvents(t *testing.T) {
	url := rie(t, buildHello(t), "HELLO_EVENTS=1")

	resp, out := invokeRIE(t, url, []byte(`{"Records":[{"eventName":"INSERT"}]}`))
	var got struct {
		RequestID string          `json:"requestId"`
		Event     json.RawMessage `json:"event"`
	}
	if err := json.Unmarshal(out, &got); err != nil || resp.StatusCode != 200 {
		t.Fatalf("status %d result %s: %v", resp.StatusCode, out, err)
	}
	if string(got.Event) != `{"Records":[{"eventName":"INSERT"}]}` || got.RequestID == "" {
		t.Errorf("result = %s", out)
	}

	_, out = invokeRIE(t, url, []byte(`"fail"`))
	var fnErr struct {
		ErrorMessage string `json:"errorMessage"`
	}
	if err := json.Unmarshal(out, &fnErr); err != nil || fnErr.ErrorMessage != "hello: asked to fail" {
		t.Errorf("failed invocation answered %s", out)
	}

	// A panic fails the invocation with the platform's error, and the same
	// process handles the next event.
	pid := func(out []byte) float64 {
		var r struct{ Pid float64 }
		_ = json.Unmarshal(out, &r)
		return r.Pid
	}
	_, out = invokeRIE(t, url, []byte(`{"n":1}`))
	before := pid(out)
	_, out = invokeRIE(t, url, []byte(`"panic"`))
	if err := json.Unmarshal(out, &fnErr); err != nil || fnErr.ErrorMessage != errPanicked.Error() {
		t.Errorf("panicking invocation answered %s, want errorMessage %q", out, errPanicked)
	}
	_, out = invokeRIE(t, url, []byte(`{"n":2}`))
	if after := pid(out); before == 0 || after != before {
		t.Errorf("process %v before the panic, %v after (%s): want the same process", before, after, out)
	}
}
