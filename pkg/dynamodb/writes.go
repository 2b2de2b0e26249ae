package dynamodb

import (
	"crypto/rand"
	"encoding/hex"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Writes whose outcome is known.
//
// The SDK's standard retryer resends a call on throttling, a 5xx and
// connection errors (retry.DefaultRetryables in aws-sdk-go-v2
// aws/retry/standard.go; RetryableConnectionError in
// aws/retry/retryable_error.go counts a broken or reset connection, and
// smithy-go wraps every failed send as a RequestSendError, a connection
// error). When the first attempt was applied and only its answer was lost,
// the resend meets the item that attempt wrote and its condition fails: a
// create would report "exists", an update "changed", a claim someone
// else's lease.
//
// So every conditional PutItem also writes writeIDAttr, a random token of
// that one call, and a write whose condition fails looks at the item (the
// one ReturnValuesOnConditionCheckFailure ALL_OLD returns, or a strongly
// consistent read where the server returns none, as dynalite does): if it
// holds the call's own token, the call's earlier attempt landed and the
// write is reported as done. (If another write has replaced the item
// since, the token is gone and the failure stands, which is what the
// caller would have seen had that other write come first.) DeleteTodo
// reads the item first and deletes it on condition of the version read, so
// a delete whose condition fails because the item has gone since reports
// success. Counters are written without the SDK's resends (see AddCount).
const writeIDAttr = "writeId"

// newWriteID returns a random token, 128 bits in hex.
func newWriteID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}

// ownWrite reports whether item holds the token id.
func ownWrite(item map[string]types.AttributeValue, id string) bool {
	w, ok := item[writeIDAttr].(*types.AttributeValueMemberS)
	return ok && w.Value == id
}

// once turns the SDK's resends off for one call: a write that must not be
// applied twice (see AddCount).
func once(o *ddb.Options) { o.Retryer = aws.NopRetryer{} }
