// Command graywindow watches a gray release's window and ends it: it reads
// each function's per-version counts at an interval, rolls the release back
// at the first breach (5xx rate, failed invocations, p99 latency) and
// promotes it when the window ends, if enough calls reached the candidate
// (internal/gray; docs/release.md).
//
//	graywindow -source local -url http://127.0.0.1:8080 -window 20s -interval 1s   # the local cloud's front (make gray-demo)
//	graywindow -source fc -status-cmd 'deploy/fcrelease.sh status' \
//	  -page-cmd 'deploy/fcrelease.sh logs-page {resource} 2026-12-01T10:00:00Z {to} {offset} {size}' \
//	  -promote-cmd 'deploy/fcrelease.sh promote' -rollback-cmd 'deploy/fcrelease.sh rollback'          # make fc-release
//
// On FC the counts come from Log Service, one page of at most 100 logs per
// command (-page-cmd; gray.FCLogs explains why not `s logs`). A function
// whose candidate had no call by the end of the window is named in the
// verdict; -require-every makes that a rollback.
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
	"strings"
	"syscall"
	"time"

	"github.com/todofn/todofn/internal/gray"
)

type options struct {
	source, url                                 string
	statusCmd, logsCmd, promoteCmd, rollbackCmd string
	pageCmd                                     string
	pageSize, maxPages                          int
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
	fs.StringVar(&o.pageCmd, "page-cmd", "", "fc: `command` printing one page of a Log Service query result (a JSON array) for {resource}, from {offset}, at most {size} logs, up to {to} (unix seconds); used instead of -logs-cmd")
	fs.IntVar(&o.pageSize, "page-size", 100, "fc: logs in a full page of -page-cmd (GetLogs returns at most 100)")
	fs.IntVar(&o.maxPages, "max-pages", 5000, "fc: most pages per function and sample (more is an error)")
	fs.StringVar(&o.promoteCmd, "promote-cmd", "deploy/fcrelease.sh promote", "fc: `command` that promotes")
	fs.StringVar(&o.rollbackCmd, "rollback-cmd", "deploy/fcrelease.sh rollback", "fc: `command` that rolls back")
	fs.DurationVar(&o.window, "window", 10*time.Minute, "the window's `length`; promotion at its end")
	fs.DurationVar(&o.interval, "interval", 30*time.Second, "`time` between samples")
	fs.Float64Var(&o.thresholds.Max5xxRate, "max-5xx-rate", 0.01, "highest `share` of a function's candidate calls answered 5xx")
	fs.IntVar(&o.thresholds.MaxErrors, "max-errors", 0, "most failed invocations of a function's candidate")
	fs.DurationVar(&o.thresholds.MaxP99, "max-p99", 2*time.Second, "highest p99 `latency` of a function's candidate (0: unchecked)")
	fs.IntVar(&o.thresholds.MinRequests, "min-requests", 50, "candidate `calls` of a function before its 5xx rate and p99 are judged (below it any 5xx fails), and of all functions to promote")
	fs.BoolVar(&o.thresholds.RequireEvery, "require-every", false, "roll back when a function's candidate had no call by the end (else it is reported as not judged)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case o.source != "local" && o.source != "fc":
		return o, fmt.Errorf("-source must be local or fc, not %q", o.source)
	case o.source == "fc" && o.logsCmd == "" && o.pageCmd == "":
		return o, errors.New("-source fc needs -page-cmd (or -logs-cmd)")
	case o.pageCmd != "" && (!strings.Contains(o.pageCmd, "{offset}") || !strings.Contains(o.pageCmd, "{resource}")):
		return o, errors.New("-page-cmd must use {resource} and {offset}")
	case o.pageSize < 1 || o.pageSize > 100 || o.maxPages < 1:
		return o, errors.New("-page-size must be 1 to 100 and -max-pages positive")
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
	w.Source = gray.FCLogs{Command: o.logsCmd, Page: o.pageCmd, PageSize: o.pageSize, MaxPages: o.maxPages, Canary: canary}
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
