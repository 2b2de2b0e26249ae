package main

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/todofn/todofn/internal/proctest"
)

// localTags are the build tags of `make run` (the Makefile's LOCAL_TAGS),
// read by TestMain.
var localTags string

// binary is this command built as `make run` builds it, by TestMain.
var binary string

func TestMain(m *testing.M) {
	os.Exit(func() int {
		mk, err := os.ReadFile(filepath.Join("..", "..", "Makefile"))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		mt := regexp.MustCompile(`(?m)^LOCAL_TAGS := (\S+)$`).FindSubmatch(mk)
		if mt == nil || !bytes.Contains(mk, []byte("-tags $(LOCAL_TAGS) -o build/local/todofn-local ./cmd/local")) {
			fmt.Fprintln(os.Stderr, "the Makefile's run target no longer builds ./cmd/local with -tags $(LOCAL_TAGS)")
			return 1
		}
		localTags = string(mt[1])
		dir, err := os.MkdirTemp("", "todofn-local-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		binary = filepath.Join(dir, "todofn-local")
		if out, err := exec.Command("go", "build", "-tags", localTags, "-o", binary, ".").CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "go build -tags %s: %v\n%s", localTags, err, out)
			return 1
		}
		return m.Run()
	}())
}

// server is a started local server.
type server struct {
	cmd  *exec.Cmd
	port int
	out  *proctest.Buffer
	done chan struct{} // closed when it has exited
	err  error         // its exit, once done is closed
}

// startServer runs the binary in dir (DATA_DIR unset, so ./data there, as
// a newcomer runs it) with env added, and stops it when the test ends.
func startServer(t *testing.T, dir string, env ...string) *server {
	t.Helper()
	s := &server{cmd: exec.Command(binary), port: proctest.FreePort(t), out: new(proctest.Buffer), done: make(chan struct{})}
	s.cmd.Dir = dir
	s.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "HOST=127.0.0.1",
		fmt.Sprintf("PORT=%d", s.port), "WEB_DIR=" + t.TempDir()}, env...)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.err = s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		_ = s.cmd.Process.Signal(os.Interrupt)
		select {
		case <-s.done:
		case <-time.After(5 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.done
		}
		if t.Failed() {
			t.Logf("--- server output:\n%s", s.out.String())
		}
	})
	return s
}

// listening waits until s serves on its PORT.
func (s *server) listening(t *testing.T) {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", s.port)
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-s.done:
			t.Fatalf("the server exited (%v):\n%s", s.err, s.out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not listen on %s:\n%s", addr, s.out.String())
		}
	}
}

// exits waits up to within for s to exit, and returns its output and how
// long it ran; exiting zero or not at all fails the test.
func (s *server) exits(t *testing.T, within time.Duration) (string, time.Duration) {
	t.Helper()
	begin := time.Now()
	select {
	case <-s.done:
	case <-time.After(within):
		t.Fatalf("still running after %s:\n%s", within, s.out.String())
	}
	var exit *exec.ExitError
	if !errors.As(s.err, &exit) || exit.ExitCode() == 0 {
		t.Fatalf("exit: %v; want a non-zero status:\n%s", s.err, s.out.String())
	}
	return s.out.String(), time.Since(begin)
}

// TestSecondServerSameDataDir: a second `make run` in the same folder
// exits at once with one line saying another server uses ./data, instead
// of waiting 10s for a bare bbolt timeout; the first keeps serving.
func TestSecondServerSameDataDir(t *testing.T) {
	dir := t.TempDir()
	first := startServer(t, dir)
	first.listening(t)
	begin := time.Now()
	out, _ := startServer(t, dir).exits(t, 5*time.Second)
	took := time.Since(begin)
	want := "local: another todofn server is using ./data (./data/todofn.db is locked); stop it or set DATA_DIR\n"
	if out != want {
		t.Errorf("second server said %q; want %q", out, want)
	}
	// Start-up plus the store's 100ms lock wait; 2s leaves room for a
	// loaded machine and is far below the old 10s.
	if took > 2*time.Second {
		t.Errorf("second server took %s to give up", took)
	}
	first.listening(t)
	// With its own DATA_DIR a second server starts.
	startServer(t, dir, "DATA_DIR="+filepath.Join(dir, "other")).listening(t)
}

// TestCloudEngineNotBuilt: the `make run` build has neither cloud engine,
// and a STORE naming one fails at start with one line naming the build tag
// and make run-services, not a list of unrelated settings.
func TestCloudEngineNotBuilt(t *testing.T) {
	for _, c := range []struct{ store, tag string }{{"dynamodb", "no_dynamodb"}, {"tablestore", "no_tablestore"}} {
		t.Run(c.store, func(t *testing.T) {
			out, _ := startServer(t, t.TempDir(), "STORE="+c.store, "AWS_REGION=local",
				"DYNAMODB_ENDPOINT=http://127.0.0.1:1", "TABLESTORE_ENDPOINT=http://127.0.0.1:1").exits(t, 5*time.Second)
			want := "local: app: configuration: STORE=" + c.store + " is not built into this binary (built with -tags " +
				c.tag + "; make run builds the local server so, make run-services builds it with DynamoDB)\n"
			if out != want {
				t.Errorf("got %q; want %q", out, want)
			}
		})
	}
}

// TestLocalBuildLinksNoCloudSDK: what `make run` builds links neither
// cloud's storage SDK nor the engines that use them.
func TestLocalBuildLinksNoCloudSDK(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-tags", localTags, ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 50 {
		t.Fatalf("go list -deps listed only %d packages", len(deps))
	}
	for _, p := range deps {
		for _, banned := range []string{"github.com/aws/aws-sdk-go-v2", "github.com/aliyun/aliyun-tablestore-go-sdk",
			"github.com/todofn/todofn/pkg/dynamodb", "github.com/todofn/todofn/pkg/tablestore"} {
			if p == banned || strings.HasPrefix(p, banned+"/") {
				t.Errorf("the make run build links %s", p)
			}
		}
	}
}
