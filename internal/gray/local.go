package gray

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// The local cloud's front (cmd/localcloud -candidate-bin) serves its gray
// state at these paths.
const (
	LocalStatsPath    = "/_gray"          // GET: LocalState
	LocalPromotePath  = "/_gray/promote"  // POST: weight 1, every call to the candidate
	LocalRollbackPath = "/_gray/rollback" // POST: weight 0, every call to production
)

// LocalState is the JSON of GET /_gray.
type LocalState struct {
	Weight    float64 `json:"weight"` // share of calls the candidate gets
	Functions Sample  `json:"functions"`
}

// Local reads the local cloud front's counters and moves its weight.
type Local struct {
	URL    string // the front, e.g. http://127.0.0.1:8080
	Client *http.Client
}

func (l Local) client() *http.Client {
	if l.Client != nil {
		return l.Client
	}
	return &http.Client{Timeout: 5 * time.Second}
}

// Sample implements Source.
func (l Local) Sample(ctx context.Context) (Sample, error) {
	var st LocalState
	if err := l.call(ctx, http.MethodGet, LocalStatsPath, &st); err != nil {
		return nil, err
	}
	return st.Functions, nil
}

// Promote implements Actuator.
func (l Local) Promote(ctx context.Context) error {
	return l.call(ctx, http.MethodPost, LocalPromotePath, nil)
}

// Rollback implements Actuator.
func (l Local) Rollback(ctx context.Context) error {
	return l.call(ctx, http.MethodPost, LocalRollbackPath, nil)
}

func (l Local) call(ctx context.Context, method, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(l.URL, "/")+path, nil)
	if err != nil {
		return err
	}
	resp, err := l.client().Do(req)
	if err != nil {
		return fmt.Errorf("gray: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("gray: %s %s: %d %.200s", method, path, resp.StatusCode, body)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("gray: %s %s: %w", method, path, err)
	}
	return nil
}
