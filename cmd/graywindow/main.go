// Command graywindow watches a gray release's window and ends it: it reads
// each function's per-version counts at an interval, rolls the release back
// at the first breach (5xx rate, failed invocations, p99 latency) and
// promotes it when the window ends, if enough calls reached the candidate
// (internal/gray; docs/release.md).
//
//	graywindow -source local -url http://127.0.0.1:8080 -window 20s -interval 1s   # the local cloud's front (make gray-demo)
//	graywindow -source fc -status-cmd 'deploy/fcrelease.sh status' -logs-cmd 'deploy/fcrelease.sh logs 2026-12-01T10:00:00Z' \
//	  -promote-cmd 'deploy/fcrelease.sh promote' -rollback-cmd 'deploy/fcrelease.sh rollback'          # make fc-release
//
// It exits 0 when it promoted, 3 when it rolled back, 1 on an error and 2
// on bad flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	"github.com/todofn/todofn/internal/gray"
)

type options struct {
	source, url                                 string
	statusCmd, logsCmd, promoteCmd, rollbackCmd string
	window, interval                            time.Duration
	thresholds                                  gray.Thresholds
}

func parse(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("graywindow", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.source, "source", "local", "`where` the counts come from: local (the local cloud's front) or fc (Function Compute request logs)")
	fs.StringVar(&o.url, "url", "http://127.0.0.1:8080", "local: the front's `URL`")
	fs.StringVar(&o.statusCmd, "status-cmd", "deploy/fcrelease.sh status", "fc: `command` printing each function's live alias (its canary version)")
	fs.StringVar(&o.logsCmd, "logs-cmd", "", "fc: `command` printing every request log line since the canary began ('resource | line', or an SLS query result)")
	fs.StringVar(&o.promoteCmd, "promote-cmd", "deploy/fcrelease.sh promote", "fc: `command` that promotes")
	fs.StringVar(&o.rollbackCmd, "rollback-cmd", "deploy/fcrelease.sh rollback", "fc: `command` that rolls back")
	fs.DurationVar(&o.window, "window", 10*time.Minute, "the window's `length`; promotion at its end")
	fs.DurationVar(&o.interval, "interval", 30*time.Second, "`time` between samples")
	fs.Float64Var(&o.thresholds.Max5xxRate, "max-5xx-rate", 0.01, "highest `share` of a function's candidate calls answered 5xx")
	fs.IntVar(&o.thresholds.MaxErrors, "max-errors", 0, "most failed invocations of a function's candidate")
	fs.DurationVar(&o.thresholds.MaxP99, "max-p99", 2*time.Second, "highest p99 `latency` of a function's candidate (0: unchecked)")
	fs.IntVar(&o.thresholds.MinRequests, "min-requests", 50, "candidate `calls` before a rate is judged, and in all to promote")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case o.source != "local" && o.source != "fc":
		return o, fmt.Errorf("-source must be local or fc, not %q", o.source)
	case o.source == "fc" && o.logsCmd == "":
		return o, errors.New("-source fc needs -logs-cmd")
	case o.window <= 0 || o.interval <= 0 || o.thresholds.Max5xxRate < 0 || o.thresholds.MinRequests < 0:
		return o, errors.New("-window and -interval must be positive, -max-5xx-rate and -min-requests not negative")
	}
	return o, nil
}

// window builds the controller for o.
func window(ctx context.Context, o options, log *slog.Logger) (*gray.Window, error) {
	w := &gray.Window{Duration: o.window, Interval: o.interval, Thresholds: o.thresholds, Log: log}
	if o.source == "local" {
		l := gray.Local{URL: o.url}
		w.Source, w.Actuator = l, l
		return w, nil
	}
	status, err := exec.CommandContext(ctx, "sh", "-c", o.statusCmd).Output()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o.statusCmd, err)
	}
	canary := gray.CanariesFromStatus(status)
	if len(canary) == 0 {
		return nil, fmt.Errorf("%s shows no canary: run make fc-canary first", o.statusCmd)
	}
	log.Info("canaries", "versions", fmt.Sprint(canary))
	w.Source = gray.FCLogs{Command: o.logsCmd, Canary: canary}
	w.Actuator = gray.Commands{PromoteCmd: o.promoteCmd, RollbackCmd: o.rollbackCmd}
	return w, nil
}

func main() {
	o, err := parse(os.Args[1:], os.Stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(os.Stderr, "graywindow: %v\n", err)
		}
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stdout, nil)).With("window", o.source)
	w, err := window(ctx, o, log)
	if err == nil {
		var v gray.Verdict
		if v, err = w.Run(ctx); err == nil {
			if v.Decision == gray.Rollback {
				os.Exit(3)
			}
			return
		}
	}
	fmt.Fprintf(os.Stderr, "graywindow: %v\n", err)
	os.Exit(1)
}
