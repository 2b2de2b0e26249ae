package todo

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// AtomicWriter is a store that applies several conditional writes (todos,
// counters, claims) all or none, in one request to the store: DynamoDB's
// TransactWriteItems, one transaction of the embedded store. A service
// uses it where the store has it, as a fast path beside the calls it makes
// one by one elsewhere: every write here has the same effect as the store
// call it names, made alone, and the same record format.
type AtomicWriter interface {
	// AtomicWrite applies ws (at most MaxAtomicWrites, each on a record of
	// its own) all or none, in one request, checking every write's
	// condition against the records as they are when it is applied.
	//
	// It returns nil when all were applied (a create stored its todo at
	// Version 1, an update at the next version); a *Refusal when none was
	// applied: the conditions of the writes it names failed, or, naming
	// none, the store turned the request down for contention with other
	// writes on the same records; any other error when the outcome is
	// unknown (all may have been applied, or none) or ws is malformed (see
	// CheckWrites). As with every store write, a request the store applied
	// whose answer the network lost reports success, not a refusal.
	AtomicWrite(ctx context.Context, ws []Write) error
}

// MaxAtomicWrites is the most writes one AtomicWrite takes: DynamoDB's
// limit of one TransactWriteItems call
// (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html:
// "An ordered array of up to 100 TransactWriteItem objects").
const MaxAtomicWrites = 100

// Op is the kind of one Write.
type Op int

// The writes of an AtomicWrite. Each one's condition and effect are those
// of the store call it names, made alone.
const (
	// OpCreateTodo stores Todo at Version 1 if its owner has no todo with
	// its ID (TodoStore.CreateTodo).
	OpCreateTodo Op = iota + 1
	// OpUpdateTodo replaces the todo by Todo at Version+1 if the stored
	// todo's Version equals Todo.Version (TodoStore.UpdateTodo).
	OpUpdateTodo
	// OpDeleteTodo deletes the owner's todo Todo.ID if it exists and, when
	// Todo.Version is not 0, has that version (TodoStore.DeleteTodoIf;
	// DeleteTodo with 0).
	OpDeleteTodo
	// OpCountInRange is CounterStore.AddCount of Delta in its first case:
	// the counter under Key exists, has not expired and holds v with
	// Floor <= v and Floor <= v+Delta <= Ceiling; it then holds v+Delta,
	// expiring at Expires.
	OpCountInRange
	// OpCountLow is AddCount's other case: the counter under Key is
	// missing, expired or below Floor, and Floor <= Floor+Delta <=
	// Ceiling; it then holds Floor+Delta, expiring at Expires. (A
	// condition cannot take a maximum, so the caller names the case it
	// expects, and tries the other on a refusal.)
	OpCountLow
	// OpCheckCount changes nothing: its condition is that the counter
	// under Key has not expired and holds exactly Count.
	OpCheckCount
	// OpClaim stores Value under Key, expiring at Expires, unless an
	// unexpired claim holds Key (ClaimStore.Claim's fresh case).
	OpClaim
)

// Write is one write of an AtomicWrite: Op and the fields it reads (see
// each Op). The constructors below fill them.
type Write struct {
	Op      Op
	Todo    Todo // the todo ops'; OpDeleteTodo reads UserID, ID and Version
	Key     string
	Value   string
	Delta   int64
	Floor   int64
	Ceiling int64
	Count   int64
	Expires time.Time
}

// CreateWrite stores t at Version 1 if its ID is free.
func CreateWrite(t *Todo) Write { return Write{Op: OpCreateTodo, Todo: *t} }

// UpdateWrite replaces the todo by t at t.Version+1 if it is stored at
// t.Version.
func UpdateWrite(t *Todo) Write { return Write{Op: OpUpdateTodo, Todo: *t} }

// DeleteWrite deletes the owner's todo id if it exists at version (any
// version when version is 0).
func DeleteWrite(userID, id string, version int64) Write {
	return Write{Op: OpDeleteTodo, Todo: Todo{UserID: userID, ID: id, Version: version}}
}

// CountWrite is AddCount(key, delta, floor, ceiling, expires) in one of
// its two cases: the counter in range, or low (missing, expired, below
// floor).
func CountWrite(key string, delta, floor, ceiling int64, expires time.Time, low bool) Write {
	op := OpCountInRange
	if low {
		op = OpCountLow
	}
	return Write{Op: op, Key: key, Delta: delta, Floor: floor, Ceiling: ceiling, Expires: expires}
}

// CheckCountWrite requires the counter under key to hold count, unexpired.
func CheckCountWrite(key string, count int64) Write {
	return Write{Op: OpCheckCount, Key: key, Count: count}
}

// ClaimWrite claims key for value until expires, if no unexpired claim
// holds it.
func ClaimWrite(key, value string, expires time.Time) Write {
	return Write{Op: OpClaim, Key: key, Value: value, Expires: expires}
}

// target names the record w writes: its todo, or its key among the
// counters or the claims.
func (w Write) target() string {
	switch w.Op {
	case OpCreateTodo, OpUpdateTodo, OpDeleteTodo:
		return "todo\x00" + w.Todo.UserID + "\x00" + w.Todo.ID
	case OpClaim:
		return "claim\x00" + w.Key
	}
	return "count\x00" + w.Key
}

// CheckWrites reports why ws cannot be one AtomicWrite: none, more than
// MaxAtomicWrites, an unknown Op, or two writes on one record (DynamoDB
// refuses a transaction that names an item twice). Every engine checks it
// first, so a malformed request fails alike everywhere, before any
// request.
func CheckWrites(ws []Write) error {
	if len(ws) == 0 || len(ws) > MaxAtomicWrites {
		return fmt.Errorf("todo: atomic write of %d writes, want 1 to %d", len(ws), MaxAtomicWrites)
	}
	seen := make(map[string]int, len(ws))
	for i, w := range ws {
		if w.Op < OpCreateTodo || w.Op > OpClaim {
			return fmt.Errorf("todo: atomic write %d: unknown op %d", i, w.Op)
		}
		t := w.target()
		if j, ok := seen[t]; ok {
			return fmt.Errorf("todo: atomic writes %d and %d write one record", j, i)
		}
		seen[t] = i
	}
	return nil
}

// Refusal is AtomicWrite's answer when it applied nothing: Failed holds
// the indexes (ascending) of the writes whose conditions failed, or none
// when the store turned the request down for contention with other writes
// on its records (then the same writes may pass a moment later).
type Refusal struct {
	Failed []int
}

// Error implements the error interface.
func (r *Refusal) Error() string {
	if len(r.Failed) == 0 {
		return "todo: atomic write refused for contention; nothing applied"
	}
	s := make([]string, len(r.Failed))
	for i, f := range r.Failed {
		s[i] = strconv.Itoa(f)
	}
	return "todo: atomic write refused: conditions of writes " + strings.Join(s, ", ") + " failed; nothing applied"
}

// Has reports whether the write at index i is one whose condition failed.
func (r *Refusal) Has(i int) bool {
	for _, f := range r.Failed {
		if f == i {
			return true
		}
	}
	return false
}
