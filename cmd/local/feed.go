package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/todofn/todofn/pkg/todo"
)

// feedingUsers makes every account write of this process also hand the
// change to fn once it has committed, retrying a failed fn a few times in
// the background. The local server uses it on engines whose change stream
// it cannot read (dynalite has none); in the cloud the table's stream does
// this.
type feedingUsers struct {
	todo.UserStore
	fn  func(context.Context, todo.UserChange) error
	log *slog.Logger
}

func (f *feedingUsers) CreateUser(ctx context.Context, u *todo.User) error {
	if err := f.UserStore.CreateUser(ctx, u); err != nil {
		return err
	}
	f.emit(todo.UserChange{New: u})
	return nil
}

func (f *feedingUsers) UpdateUser(ctx context.Context, u *todo.User) error {
	if err := f.UserStore.UpdateUser(ctx, u); err != nil {
		return err
	}
	f.emit(todo.UserChange{New: u})
	return nil
}

// emit delivers a copy of the change off the request path, at least once
// while the process lives (like a stream, it may deliver twice).
func (f *feedingUsers) emit(c todo.UserChange) {
	nu := *c.New
	c.New = &nu
	go func() {
		wait := 500 * time.Millisecond
		for try := 1; ; try++ {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			err := f.fn(ctx, c)
			cancel()
			if err == nil {
				return
			}
			if try == 5 {
				f.log.Error("mailer: change dropped after 5 tries", "error", err)
				return
			}
			f.log.Warn("mailer: change not handled; will retry", "try", try, "error", err)
			time.Sleep(wait)
			wait *= 2
		}
	}()
}
