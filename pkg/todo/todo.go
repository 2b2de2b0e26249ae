// Package todo is the domain of the todo back end: accounts, todos, the error
// type every layer speaks, and the small store interfaces that each storage
// engine implements. It imports no SDK, so every adapter can depend on it and
// it depends on none of them.
package todo

import "time"

// Status is the life-cycle state of an account.
type Status string

// Account states.
const (
	// StatusPending is an account whose e-mail address is not yet verified.
	StatusPending Status = "pending"
	// StatusVerified is an account whose owner proved the address with a code.
	StatusVerified Status = "verified"
)

// User is an account, keyed by its normalised e-mail address.
//
// The verification code itself is never stored: CodeNonce is a random value
// from which the code is derived with a server-side secret (see package
// account), so neither a leaked table nor a change stream reveals a code.
type User struct {
	ID           string    // ULID, the JWT subject and the owner of todos
	Email        string    // normalised address, the primary key
	Name         string    // display name, may be empty
	PasswordHash string    // PHC-formatted argon2id hash
	Status       Status    // pending or verified
	CodeNonce    string    // current verification code's nonce; empty if none
	CodeSentAt   time.Time // when CodeNonce was issued (the resend window)
	CodeExpires  time.Time // when the current code stops working
	NoticeNonce  string    // last security notice to the owner; empty if none
	NoticeAt     time.Time // when NoticeNonce was issued
	NoticeKind   Notice    // what the notice says ("" is NoticeSignUp, for rows written before kinds)
	NoticeIP     string    // the client IP the notice names, if any
	ResetNonce   string    // current password-reset code's nonce; empty if none
	ResetSentAt  time.Time // when ResetNonce was issued
	ResetExpires time.Time // when the reset code stops working
	AlertNonce   string    // last "many failed log-ins" alert; empty if none
	AlertAt      time.Time // when AlertNonce was issued
	CreatedAt    time.Time
	UpdatedAt    time.Time
	VerifiedAt   time.Time // zero while pending
	// CredGen is the credential generation: every password reset, password
	// change and account deletion adds one, in the write that changes the
	// hash or marks the deletion. A session records the generation its
	// log-in read and lives only while the account still has it (rows
	// written before it read as 0).
	CredGen int64
	Version int64 // optimistic-concurrency version, bumped by every write
}

// Notice is the kind of a security notice mailed to an account's owner.
type Notice string

// Notice kinds.
const (
	NoticeSignUp          Notice = "sign-up"          // someone tried to sign up with the address
	NoticePasswordChanged Notice = "password-changed" // the password was changed (every other session ended)
	NoticePasswordReset   Notice = "password-reset"   // the password was reset through the mailbox (every session ended)
	NoticeTokenReuse      Notice = "token-reuse"      // a spent refresh token came back: the session was ended
	NoticeAccountDeleted  Notice = "account-deleted"  // the account is being deleted (the last write before it goes)
)

// UserChange is one change of a user record as a change stream reports it:
// Old is nil for an insert, New is nil for a delete.
type UserChange struct {
	Old *User
	New *User
}

// Todo is one item of a user's list.
type Todo struct {
	ID        string // ULID: sorts by creation time
	UserID    string // owner; every read and write is scoped to it
	Title     string
	Done      bool
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64 // optimistic-concurrency version, bumped by every write
}

// TodoQuery selects one page of a user's todos, newest first.
type TodoQuery struct {
	Limit int    // 1..MaxPageSize
	After string // return todos older than this todo ID; empty for the first page
	// Done, when set, keeps only the todos whose Done equals *Done; a page
	// still holds Limit of them unless it is the last.
	Done *bool
	// Count asks for TodoPage.Counts: the owner's todos counted by state,
	// all of them whatever Done and After select.
	Count bool
	// Answer, when not nil, asks for the kept todos as answer bytes
	// rather than as Items (see TodoAnswer); an engine may ignore it.
	Answer *TodoAnswer
}

// TodoPage is one page of todos. Next is the ID to pass as TodoQuery.After
// for the following page, or empty on the last page. Counts is set only
// when TodoQuery.Count asked for it.
type TodoPage struct {
	Items  []Todo
	Next   string
	Counts *TodoCounts
}

// TodoAnswer asks an engine to write a page's todos straight into the
// answer that will carry them (TodoQuery.Answer), so that listing is a copy
// rather than a decoding and an encoding. An engine that keeps its todos in
// a form it can copy the answer from (the embedded one) appends the kept
// todos' JSON to Buf, in page order with a comma between two, exactly as
// Todo would append each (and by Todo for any it cannot copy), sets
// Written, and returns the page without Items; Next and Counts are as
// ever. An engine that does not leaves Written false and Buf as it was,
// and returns Items. On an error Buf is as it was.
type TodoAnswer struct {
	Buf     []byte
	Todo    func(b []byte, t *Todo) []byte // appends t's JSON: the caller's encoding
	Written bool
}

// TodoCounts is how many todos an owner has in each state: Active are not
// done, Completed are.
type TodoCounts struct {
	Active    int
	Completed int
}

// Page sizes for listing todos.
const (
	DefaultPageSize = 50
	MaxPageSize     = 100
)

// BulkResult is what one call of a bulk change (clear the completed
// todos, mark all) did: Changed todos, and More when it stopped before the
// job was done (the invocation's time was running short), so the client
// calls again.
type BulkResult struct {
	Changed int
	More    bool
}

// MaxBatch is the most todos one bulk change (TodoStore.ClearTodos,
// MarkTodos) is given: one page of Todos at MaxPageSize, well within each
// engine's limit of one batch (Tablestore's BatchWriteRow takes 200 rows).
const MaxBatch = MaxPageSize

// Throttle counts failures against a key (such as a login address) and
// records a lock-out.
type Throttle struct {
	Key         string
	Failures    int       // failures since WindowStart
	WindowStart time.Time // start of the counting window
	LockedUntil time.Time // zero when not locked
	Expires     time.Time // the record may be dropped after this
	Version     int64     // 0 for a record not yet stored
}

// Mail is one message to send.
type Mail struct {
	To      string
	Subject string
	Text    string // plain-text body
	HTML    string // HTML body; may be empty
}

// Tokens is the result of a successful log-in or refresh: the token pair
// (and the account), not the stored Session.
type Tokens struct {
	AccessToken      string
	ExpiresIn        int // seconds
	RefreshToken     string
	RefreshExpiresIn int   // seconds until the refresh token expires unused
	User             *User // the account; after a refresh only ID and Email are set
}

// TodoInput is what a client sends to add or change a todo; a nil field was
// not sent.
type TodoInput struct {
	Title *string
	Done  *bool
}
