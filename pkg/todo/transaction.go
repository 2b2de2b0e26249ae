package todo

import "context"

// Transactor is a Store that can run several calls in one write
// transaction: the embedded engine, where each commit is a sync to disk.
// A service uses it where it has it and makes the same calls one by one
// where it has not (the cloud engines), so the outcome of every call is
// the same either way.
type Transactor interface {
	// InTransaction runs fn with a Store whose calls share one write
	// transaction, and commits it when fn returns, whatever fn returns:
	// every call's effect stands as it would have had the call been made
	// alone (a call that fails changes nothing), and a crash loses all of
	// them or none. It returns fn's error, or the commit's if the commit
	// failed (then nothing was stored). fn must use only the Store it is
	// given, must not keep it after it returns, and may be run more than
	// once, each time in a fresh transaction: it sets its results afresh
	// on each run.
	InTransaction(ctx context.Context, fn func(Store) error) error
}
