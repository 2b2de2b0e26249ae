package start_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"testing"

	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/start"
)

// TestFailIsOneLine: a function that cannot start (here its part fails
// after the App opened) prints "<name>: <reason>" as its only line and
// exits with status 1. The test runs itself as the function.
func TestFailIsOneLine(t *testing.T) {
	if os.Getenv("START_TEST_CHILD") == "1" {
		start.Events("mailer", func(context.Context, *app.App) (func(context.Context, []byte) ([]byte, error), error) {
			return nil, errors.New("no SMTP_HOST")
		})
		t.Fatal("Events returned")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestFailIsOneLine$")
	cmd.Env = append(os.Environ(), "START_TEST_CHILD=1", "DATA_DIR="+t.TempDir(), "LOG_LEVEL=error")
	var stderr, stdout bytes.Buffer
	cmd.Stderr, cmd.Stdout = &stderr, &stdout
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit: %v, want status 1 (stdout %q)", err, stdout.String())
	}
	if got := stderr.String(); got != "mailer: no SMTP_HOST\n" {
		t.Errorf("stderr = %q, want the one line %q", got, "mailer: no SMTP_HOST\n")
	}
}
