package bolt

import (
	"path/filepath"
	"testing"

	"go.etcd.io/bbolt"
)

// txid is the id of the file's last committed transaction.
func txid(t *testing.T, path string) (id int) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_ = db.View(func(tx *bbolt.Tx) error { id = tx.ID(); return nil })
	return id
}

// TestOpenExistingFileCommitsNothing: Open creates the buckets a file
// lacks, and opening a file that has them all commits no transaction (a
// commit syncs the file twice: cold starts pay for it).
func TestOpenExistingFileCommitsNothing(t *testing.T) {
	for _, shared := range []bool{false, true} {
		path := filepath.Join(t.TempDir(), "todofn.db")
		open := func() {
			t.Helper()
			s, err := Open(path, Options{Shared: shared})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		}
		open()
		first := txid(t, path)
		if first == 0 {
			t.Fatalf("shared %v: the first Open committed nothing", shared)
		}
		open()
		if again := txid(t, path); again != first {
			t.Errorf("shared %v: reopening committed: txid %d, then %d", shared, first, again)
		}

		// A file that lacks a bucket gets it back.
		db, err := bbolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Update(func(tx *bbolt.Tx) error { return tx.DeleteBucket(bucketSessions) }); err != nil {
			t.Fatal(err)
		}
		db.Close()
		open()
		db, err = bbolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		_ = db.View(func(tx *bbolt.Tx) error {
			for _, b := range buckets {
				if tx.Bucket(b) == nil {
					t.Errorf("shared %v: bucket %s missing after Open", shared, b)
				}
			}
			return nil
		})
		db.Close()
	}
}
