package dynamodb_test

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// recordedCall is one request to the scripted DynamoDB below.
type recordedCall struct {
	action string
	body   map[string]any
}

// scripted answers each request with the next of answers (an HTTP status
// and a JSON body, as DynamoDB writes them) and records what was asked.
func scripted(t *testing.T, answers ...[2]string) (http.HandlerFunc, func() []recordedCall) {
	var mu sync.Mutex
	var calls []recordedCall
	return func(w http.ResponseWriter, r *http.Request) {
			data, _ := io.ReadAll(r.Body)
			var body map[string]any
			_ = json.Unmarshal(data, &body)
			mu.Lock()
			i := len(calls)
			calls = append(calls, recordedCall{strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810."), body})
			mu.Unlock()
			if i >= len(answers) {
				t.Errorf("unexpected call %d: %s", i+1, data)
				w.WriteHeader(500)
				return
			}
			status, _ := strconv.Atoi(answers[i][0])
			out := answers[i][1]
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(out))), 10))
			w.WriteHeader(status)
			io.WriteString(w, out)
		}, func() []recordedCall {
			mu.Lock()
			defer mu.Unlock()
			return append([]recordedCall(nil), calls...)
		}
}

// conditionFailedWith is DynamoDB's answer to a failed condition with
// ReturnValuesOnConditionCheckFailure ALL_OLD: the item as it was.
func conditionFailedWith(count, expires int64) [2]string {
	return [2]string{"400", fmt.Sprintf(`{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",`+
		`"message":"The conditional request failed","Item":{"key":{"S":"count:k"},"count":{"N":"%d"},"expires":{"N":"%d"}}}`, count, expires)}
}

// TestAddCountReadsNothingWhereDynamoDBReturnsTheItem runs AddCount
// against answers as DynamoDB gives them (dynalite returns no item with a
// failed condition, so the conformance suite takes the read instead): the
// item that comes with the failure tells a spent counter from one below
// its floor or expired, and no GetItem is made.
func TestAddCountReadsNothingWhereDynamoDBReturnsTheItem(t *testing.T) {
	future, past := time.Now().Add(time.Hour).Unix(), time.Now().Add(-time.Hour).Unix()
	tests := []struct {
		name                  string
		answers               [][2]string
		delta, floor, ceiling int64
		n                     int64
		ok                    bool
		actions               string
		raisedTo              string // the second UpdateItem's :new
	}{
		{"an in-range counter: one write", [][2]string{{"200", `{"Attributes":{"count":{"N":"8"},"expires":{"N":"1"}}}`}},
			1, 0, 10, 8, true, "UpdateItem", ""},
		{"a spent counter: refused with its count", [][2]string{conditionFailedWith(10, future)},
			1, 0, 10, 10, false, "UpdateItem", ""},
		{"below the floor: raised", [][2]string{conditionFailedWith(5, future), {"200", `{}`}},
			1, 50, 150, 51, true, "UpdateItem UpdateItem", "51"},
		{"expired: counted from the floor", [][2]string{conditionFailedWith(90, past), {"200", `{}`}},
			1, 0, 100, 1, true, "UpdateItem UpdateItem", "1"},
		{"a give to a full bucket: refused", [][2]string{conditionFailedWith(3, future)},
			-1, 50, 150, 50, false, "UpdateItem", ""},
		{"raised by another caller first: counts on top", [][2]string{conditionFailedWith(5, future), conditionFailedWith(51, future),
			{"200", `{"Attributes":{"count":{"N":"52"},"expires":{"N":"1"}}}`}},
			1, 50, 150, 52, true, "UpdateItem UpdateItem UpdateItem", "51"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, calls := scripted(t, tt.answers...)
			s, _ := faultStore(t, h, 2*time.Second, time.Second)
			n, ok, err := s.AddCount(context.Background(), "k", tt.delta, tt.floor, tt.ceiling, time.Now().Add(time.Minute))
			if err != nil || n != tt.n || ok != tt.ok {
				t.Fatalf("AddCount = %d, %v, %v; want %d, %v", n, ok, err, tt.n, tt.ok)
			}
			var actions []string
			for _, c := range calls() {
				actions = append(actions, c.action)
				if c.body["ReturnValuesOnConditionCheckFailure"] == nil && strings.Contains(fmt.Sprint(c.body["UpdateExpression"]), "if_not_exists") {
					t.Errorf("the increment does not ask for the item on a failed condition: %v", c.body)
				}
			}
			if got := strings.Join(actions, " "); got != tt.actions {
				t.Fatalf("calls %q, want %q", got, tt.actions)
			}
			if tt.raisedTo != "" {
				raise := calls()[1].body
				vals, _ := raise["ExpressionAttributeValues"].(map[string]any)
				if got := fmt.Sprint(vals[":new"]); got != "map[N:"+tt.raisedTo+"]" {
					t.Fatalf("the raise sets %s, want %s (%v)", got, tt.raisedTo, raise)
				}
			}
		})
	}
}
