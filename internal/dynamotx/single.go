package dynamotx

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
)

// A single-item write (PutItem, UpdateItem, DeleteItem) may ask for
// ReturnValuesOnConditionCheckFailure ALL_OLD: "Use
// ReturnValuesOnConditionCheckFailure to get the item attributes if the
// [write's] condition fails" (the parameter of each call in the API
// reference, such as
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html#DDB-PutItem-request-ReturnValuesOnConditionCheckFailure;
// the answer is the ConditionalCheckFailedException's Item member,
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html#API_PutItem_Errors,
// absent when there is no item), so that a client learns why its condition
// failed without a second request. dynalite ignores the parameter. The
// Handler runs such a write itself: the call as the client sent it, and
// when its condition fails a strongly consistent GetItem of its key whose
// item goes into the error, both under the lock held alone, so that no
// write through the Handler lands between them and the item is the one the
// condition failed on. Writes that do not ask for it pass through as any
// other request.

// singleWrites are the calls that take ReturnValuesOnConditionCheckFailure.
var singleWrites = map[string]bool{"PutItem": true, "UpdateItem": true, "DeleteItem": true}

// singleInput is what the Handler reads of a single-item write.
type singleInput struct {
	TableName                           string
	Key                                 object // UpdateItem, DeleteItem
	Item                                object // PutItem
	ReturnValuesOnConditionCheckFailure string
}

// single serves a single-item write: itself when it asks for ALL_OLD, by
// the server otherwise.
func (h *Handler) single(w http.ResponseWriter, r *http.Request, op string) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	var in singleInput
	if json.Unmarshal(body, &in) != nil || in.ReturnValuesOnConditionCheckFailure != "ALL_OLD" {
		// Not asked (or not JSON): the server answers, as for any request.
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		h.passThrough(w, r, op)
		return
	}
	c := &caller{h: h, auth: authHeaders(r.Header)}
	h.mu.Lock()
	a := h.writeAllOld(c, op, body, &in)
	h.mu.Unlock()
	h.reply(w, a)
}

// writeAllOld makes the write and, when its condition fails, adds the item
// as it is to the server's ConditionalCheckFailedException. Held under the
// lock alone.
func (h *Handler) writeAllOld(c *caller, op string, body []byte, in *singleInput) *answer {
	res, err := c.call(op, json.RawMessage(body))
	if err != nil {
		return internalError(err.Error())
	}
	if !res.failed("ConditionalCheckFailedException") {
		return res.passOn()
	}
	key := in.Key
	if op == "PutItem" {
		s, a := h.keys.schema(c, in.TableName)
		if a != nil {
			return a
		}
		var ok bool
		if key, ok = s.key(in.Item); !ok {
			return res.passOn() // the server took no such item; nothing to read
		}
	}
	item, a := c.current(in.TableName, key)
	if a != nil {
		return a
	}
	if item == nil {
		return res.passOn()
	}
	var e object
	if err := json.Unmarshal(res.body, &e); err != nil {
		return internalError("ConditionalCheckFailedException answer: " + err.Error())
	}
	e["Item"], _ = json.Marshal(item) // JSON values only
	b, _ := json.Marshal(e)
	return &answer{status: res.status, body: b}
}
