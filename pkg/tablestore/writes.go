package tablestore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	ots "github.com/aliyun/aliyun-tablestore-go-sdk/tablestore"
)

// Writes whose outcome is known.
//
// The SDK resends a call whose answer it did not get: getNextPause in
// tablestore/api.go (aliyun-tablestore-go-sdk v4.1.3) retries every
// action, writes included, on io.EOF, a "connection reset by peer" or a
// temporary net.Error such as the client's own timeout. When the first
// attempt was applied and only its answer was lost, the resend meets the
// row that attempt wrote and its condition fails: a create would report
// "exists", an update "changed", a claim someone else's lease.
//
// So every conditional write of a whole row also writes writeIDColumn, a
// random token of that one call, and a write whose condition fails reads
// the row back: if the row holds the call's own token, the call's earlier
// attempt landed and the write is reported as done. (If another write has
// replaced the row since, the token is gone and the failure stands, which
// is what the caller would have seen had that other write come first.)
// Deletes read the row first and delete it on condition of the version
// read, so a delete whose condition fails because the row has gone since
// it was read reports success (see DeleteTodo). Counters do not use the
// SDK's resends at all (see AddCount).
const writeIDColumn = "writeId"

// newWriteID returns a random token, 128 bits in hex.
func newWriteID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}

// withWriteID returns cols with the token appended.
func withWriteID(cols row, id string) row {
	return append(cols[:len(cols):len(cols)], column{writeIDColumn, id})
}

// ownWrite reports whether the row under pk holds the token id: the
// call's own write landed, though its answer was lost. It also returns the
// row as read (nil when missing).
func (s *Store) ownWrite(ctx context.Context, table string, pk *ots.PrimaryKey, id string) (columns, bool, error) {
	c, found, err := s.getRow(ctx, table, pk)
	if err != nil {
		return nil, false, fmt.Errorf("read after failed condition: %w", err)
	}
	if !found {
		return nil, false, nil
	}
	w, _ := c[writeIDColumn].(string)
	return c, w == id, nil
}
