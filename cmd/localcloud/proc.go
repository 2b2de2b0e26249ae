package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strings"
	"sync"
	"time"
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

// child is a process the tool started, in its own process group so that
// stopping it also stops what it started (the runtime emulator's bootstrap).
type child struct {
	name string
	cmd  *exec.Cmd
	out  *lineWriter
	done chan struct{} // closed when the process has exited
	err  error         // its exit status, once done is closed
}

// startChild runs argv with exactly env, its output into c under name.
func startChild(c *console, name string, argv, env []string) (*child, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	out := c.writer(name)
	cmd.Stdout, cmd.Stderr = out, out
	ownGroup(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	ch := &child{name: name, cmd: cmd, out: out, done: make(chan struct{})}
	go func() {
		ch.err = cmd.Wait()
		_ = out.Close()
		close(ch.done)
	}()
	return ch, nil
}

// stop asks the child's process group to terminate, and kills it after
// grace.
func (ch *child) stop(grace time.Duration) {
	select {
	case <-ch.done:
		return
	default:
	}
	terminate(ch.cmd)
	select {
	case <-ch.done:
	case <-time.After(grace):
		kill(ch.cmd)
		<-ch.done
	}
}

// waitTCP waits until addr accepts a connection, the child exits, or
// timeout passes.
func waitTCP(addr string, ch *child, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if ch != nil {
			select {
			case <-ch.done:
				return fmt.Errorf("%s exited before listening on %s: %v", ch.name, addr, ch.err)
			default:
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nothing listens on %s after %s", addr, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
