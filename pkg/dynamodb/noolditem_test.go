package dynamodb_test

import (
	"encoding/json"
	"hash/crc32"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/todofn/todofn/internal/storetest"
	"github.com/todofn/todofn/pkg/todo"
)

// oldItemDropper is an HTTP proxy in front of dynalite that takes the Item
// member out of every ConditionalCheckFailedException, as a server that
// ignores ReturnValuesOnConditionCheckFailure answers (dynalite itself:
// internal/dynamotx, through which every other test reaches it, adds the
// item as DynamoDB does). It recomputes X-Amz-Crc32, which the SDK checks.
type oldItemDropper struct {
	upstream  string
	transport *http.Transport
	dropped   *atomic.Int64 // Items taken out
}

// newOldItemDropper starts a dropper in front of upstream for tb and
// returns its URL; dropped counts the Items it takes out.
func newOldItemDropper(tb testing.TB, upstream string, dropped *atomic.Int64) string {
	tb.Helper()
	p := &oldItemDropper{upstream: strings.TrimRight(upstream, "/"), transport: &http.Transport{MaxIdleConnsPerHost: 1024}, dropped: dropped}
	srv := httptest.NewServer(http.HandlerFunc(p.serve))
	tb.Cleanup(func() {
		srv.Close()
		p.transport.CloseIdleConnections()
	})
	return srv.URL
}

func (p *oldItemDropper) serve(w http.ResponseWriter, r *http.Request) {
	resp, out, ok := forward(w, r, p.transport, p.upstream)
	if !ok {
		return
	}
	var e map[string]json.RawMessage
	if resp.StatusCode == http.StatusBadRequest && json.Unmarshal(out, &e) == nil && e["Item"] != nil &&
		strings.HasSuffix(strings.Trim(string(e["__type"]), `"`), "#ConditionalCheckFailedException") {
		delete(e, "Item")
		out, _ = json.Marshal(e)
		p.dropped.Add(1)
	}
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(out)), 10))
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(out)
}

// TestConformanceWithoutOldItems runs the conformance suite on a server
// that answers a failed condition without the item, so that every write
// that asks for it (ReturnValuesOnConditionCheckFailure ALL_OLD) takes its
// fallback, a strongly consistent read, and keeps the suite's outcomes.
func TestConformanceWithoutOldItems(t *testing.T) {
	var dropped atomic.Int64
	t.Cleanup(func() { // after every case, parallel ones included
		if dropped.Load() == 0 {
			t.Error("no ConditionalCheckFailedException carried an Item to drop: the fallback reads did not run")
		}
		t.Logf("%d Items dropped", dropped.Load())
	})
	storetest.Run(t, func(t *testing.T, now func() time.Time) todo.Store {
		cfg := NewConfig(t)
		cfg.Now = now
		cfg.Endpoint = newOldItemDropper(t, cfg.Endpoint, &dropped)
		return MustOpen(t, cfg)
	})
}
