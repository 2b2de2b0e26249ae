package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/todofn/todofn/internal/devstack"
)

// console serialises the output of the tool and its children into one
// stream, one whole line at a time, each prefixed with its source's name.
type console struct {
	mu    sync.Mutex
	out   io.Writer
	width int // names are padded to this width
}

// writer returns an io.Writer whose lines go to c prefixed with name.
// Close it to flush a last line without a newline.
func (c *console) writer(name string) *lineWriter {
	return &lineWriter{c: c, prefix: fmt.Sprintf("%-*s | ", c.width, name)}
}

// lineWriter is one source's stream into a console.
type lineWriter struct {
	c      *console
	prefix string
	mu     sync.Mutex
	buf    []byte
}

// maxLine bounds a line held back while waiting for its newline.
const maxLine = 64 << 10

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			if len(w.buf) > maxLine {
				w.emit(w.buf)
				w.buf = w.buf[:0]
			}
			return len(p), nil
		}
		w.emit(w.buf[:i])
		w.buf = w.buf[i+1:]
	}
}

// Close writes a pending partial line.
func (w *lineWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.emit(w.buf)
		w.buf = nil
	}
	return nil
}

func (w *lineWriter) emit(line []byte) {
	w.c.mu.Lock()
	defer w.c.mu.Unlock()
	_, _ = io.WriteString(w.c.out, w.prefix+strings.TrimRight(string(line), "\r")+"\n")
}

// child is a process the tool started (devstack.Start), in its own process
// group so that stopping it also stops what it started (the runtime
// emulator's bootstrap).
type child struct {
	name string
	done <-chan struct{} // closed when the process has exited
	*devstack.Proc
}

// childGrace is how long a child may take to stop before it is killed.
const childGrace = 3 * time.Second

// startChild runs argv with env, its output into c under name.
func startChild(c *console, name string, argv, env []string) (*child, error) {
	p, err := devstack.Start(context.Background(), devstack.Spec{Name: name, Bin: argv[0], Args: argv[1:], Env: env,
		Out: c.writer(name), Group: true, Grace: childGrace})
	if err != nil {
		return nil, err
	}
	return &child{name: name, done: p.Exited(), Proc: p}, nil
}

// waitTCP waits until addr accepts a connection, the child exits, or
// timeout passes.
func waitTCP(addr string, ch *child, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return devstack.WaitTCP(ctx, addr, ch.Proc)
}
