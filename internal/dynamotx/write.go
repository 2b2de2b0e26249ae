package dynamotx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"
)

// maxItems is the most actions one transaction takes: "An ordered array of
// up to 100 TransactWriteItem objects" (API_TransactWriteItems,
// TransactItems; the same for TransactGetItems).
const maxItems = 100

// maxToken is the longest ClientRequestToken: "Length Constraints: Minimum
// length of 1. Maximum length of 36." (API_TransactWriteItems).
const maxToken = 36

// The cancellation reasons DynamoDB gives (API_CancellationReason; the
// codes and messages listed under TransactionCanceledException in the SDK's
// types/errors.go).
const (
	codeNone          = "None"
	codeConditional   = "ConditionalCheckFailed"
	conditionalFailed = "The conditional request failed"
	// multipleOnOneItem is DynamoDB's message when two actions target one
	// item: "no two actions can target the same item. For example, you
	// cannot both ConditionCheck and Update the same item."
	multipleOnOneItem = "Transaction request cannot include multiple operations on one item"
	// oneActionOnly is DynamoDB's message for a TransactWriteItem with none
	// or several of its four members ("each of which contains a
	// ConditionCheck, Put, Update, or Delete object").
	oneActionOnly = "TransactItems can only contain one of Check, Put, Update or Delete"
)

// kind is one of TransactWriteItem's four actions and the single-item call
// that carries it out.
type kind struct {
	member   string   // as in TransactWriteItem
	op       string   // the call
	required []string // the members its shape requires (API_Put, API_Update, …)
}

var kinds = []kind{
	// A ConditionCheck is an UpdateItem with its condition and no update
	// expression: it changes no attribute of an item that exists; one it
	// creates (a condition that holds for a missing item) is deleted again.
	{"ConditionCheck", "UpdateItem", []string{"ConditionExpression", "Key", "TableName"}},
	{"Put", "PutItem", []string{"Item", "TableName"}},
	{"Delete", "DeleteItem", []string{"Key", "TableName"}},
	{"Update", "UpdateItem", []string{"Key", "TableName", "UpdateExpression"}},
}

// action is one TransactWriteItem, decoded.
type action struct {
	kind   kind
	fields object // its members as they came
	table  string
	key    object // the item's key: Key, or Item's key attributes for a Put
	allOld bool   // ReturnValuesOnConditionCheckFailure ALL_OLD
}

// done is an action applied, with what undoes it.
type done struct {
	*action
	old object // the item before (ReturnValues ALL_OLD); nil when there was none
}

// writeInput is TransactWriteItems' request (API_TransactWriteItems).
type writeInput struct {
	TransactItems               []object
	ClientRequestToken          *string
	ReturnConsumedCapacity      string
	ReturnItemCollectionMetrics string
}

// writeItems runs a TransactWriteItems request. The caller holds h.mu
// alone.
func (h *Handler) writeItems(c *caller, body []byte) *answer {
	var raw map[string]any // for the token's comparison
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var in writeInput
	if dec.Decode(&raw) != nil || json.Unmarshal(body, &in) != nil {
		return fail(http.StatusBadRequest, typeSerializing, "Message", "the request is not a TransactWriteItems JSON object", nil)
	}
	acts, a := h.writeActions(c, &in)
	if a != nil {
		return a
	}

	now := h.now()
	var params [32]byte
	if in.ClientRequestToken != nil {
		params = paramsHash(raw)
		if e, ok := h.tokens.lookup(*in.ClientRequestToken, now); ok {
			if e.params != params {
				// "If you submit a request with the same client token but a
				// change in other parameters within the 10-minute idempotency
				// window, DynamoDB returns an IdempotentParameterMismatch
				// exception." (API_TransactWriteItems)
				return fail(http.StatusBadRequest, typeService+"IdempotentParameterMismatchException", "Message",
					"The request uses the same client token as a previous, but non-identical request.", nil)
			}
			return okAnswer(replayOutput(e, in.ReturnConsumedCapacity))
		}
	}

	var applied []done
	reasons := make([]map[string]any, len(acts))
	cancelled := false
	caps := capacity{m: map[string]map[string]any{}}
	metrics := map[string][]any{}
	for i, ac := range acts {
		call := object{}
		for k, v := range ac.fields {
			if k != "ReturnValuesOnConditionCheckFailure" {
				call[k] = v
			}
		}
		call["ReturnValues"] = json.RawMessage(`"ALL_OLD"`)
		if in.ReturnConsumedCapacity != "" {
			call["ReturnConsumedCapacity"], _ = json.Marshal(in.ReturnConsumedCapacity)
		}
		if in.ReturnItemCollectionMetrics != "" {
			call["ReturnItemCollectionMetrics"], _ = json.Marshal(in.ReturnItemCollectionMetrics)
		}
		r, err := c.call(ac.kind.op, call)
		if err != nil {
			return h.abort(c, applied, internalError(err.Error()))
		}
		switch {
		case r.failed("ConditionalCheckFailedException"):
			// Every item's condition is checked, as DynamoDB does, so that
			// every failing item gets its reason.
			cancelled = true
			reason := map[string]any{"Code": codeConditional, "Message": conditionalFailed}
			if ac.allOld {
				item, a := c.current(ac.table, ac.key)
				if a != nil {
					return h.abort(c, applied, a)
				}
				if item != nil {
					reason["Item"] = item
				}
			}
			reasons[i] = reason
		case r.typ != "":
			// Any other refusal (a validation error of the item, a table
			// that does not exist) refuses the whole request, with the
			// server's own error, once the items before it are undone.
			return h.abort(c, applied, r.passOn())
		default:
			var out struct {
				Attributes            object
				ConsumedCapacity      map[string]any
				ItemCollectionMetrics map[string]any
			}
			if err := json.Unmarshal(r.body, &out); err != nil {
				return h.abort(c, applied, internalError(fmt.Sprintf("%s answer: %v", ac.kind.op, err)))
			}
			applied = append(applied, done{action: ac, old: out.Attributes})
			caps.add(out.ConsumedCapacity)
			if out.ItemCollectionMetrics != nil {
				metrics[ac.table] = append(metrics[ac.table], out.ItemCollectionMetrics)
			}
			reasons[i] = map[string]any{"Code": codeNone}
		}
	}

	if cancelled {
		if err := h.undo(c, applied); err != nil {
			return internalError(err.Error())
		}
		codes := make([]string, len(reasons))
		for i, r := range reasons {
			codes[i] = r["Code"].(string)
		}
		return fail(http.StatusBadRequest, typeService+"TransactionCanceledException", "Message",
			"Transaction cancelled, please refer cancellation reasons for specific reasons ["+strings.Join(codes, ", ")+"]",
			map[string]any{"CancellationReasons": reasons})
	}
	// A ConditionCheck changes nothing: remove the items its UpdateItem
	// created.
	var checks []done
	for _, d := range applied {
		if d.kind.member == "ConditionCheck" {
			checks = append(checks, d)
		}
	}
	if err := h.undo(c, checks); err != nil {
		return internalError(err.Error())
	}
	if in.ClientRequestToken != nil {
		h.tokens.remember(*in.ClientRequestToken, tokenEntry{params: params, done: h.now(), tables: countTables(acts)})
	}

	// The answer has ConsumedCapacity and ItemCollectionMetrics only when
	// asked for ("NONE - No ConsumedCapacity details are included in the
	// response"; ItemCollectionMetrics "If set to SIZE").
	out := map[string]any{}
	if in.ReturnConsumedCapacity == "TOTAL" || in.ReturnConsumedCapacity == "INDEXES" {
		out["ConsumedCapacity"] = caps.list(acts, transactionalFactor)
	}
	if in.ReturnItemCollectionMetrics == "SIZE" && len(metrics) > 0 {
		out["ItemCollectionMetrics"] = metrics
	}
	return okAnswer(out)
}

// writeActions checks a request's shape as DynamoDB does before it applies
// anything, and decodes its actions. It reads each table's key schema to
// find two actions on one item.
func (h *Handler) writeActions(c *caller, in *writeInput) ([]*action, *answer) {
	var problems []string
	problems = append(problems, lengthProblems(in.TransactItems)...)
	if t := in.ClientRequestToken; t != nil {
		if n := utf8.RuneCountInString(*t); n < 1 || n > maxToken {
			problems = append(problems, fmt.Sprintf("Value '%s' at 'clientRequestToken' failed to satisfy constraint: Member must have length %s", *t,
				map[bool]string{true: "greater than or equal to 1", false: "less than or equal to 36"}[n < 1]))
		}
	}
	problems = append(problems, enumProblem("returnConsumedCapacity", in.ReturnConsumedCapacity, "INDEXES", "TOTAL", "NONE")...)
	problems = append(problems, enumProblem("returnItemCollectionMetrics", in.ReturnItemCollectionMetrics, "SIZE", "NONE")...)
	if len(problems) > 0 {
		return nil, validation(problems...)
	}

	acts := make([]*action, len(in.TransactItems))
	for i, item := range in.TransactItems {
		var ac *action
		for _, k := range kinds {
			v, ok := item[k.member]
			if !ok || string(v) == "null" {
				continue
			}
			if ac != nil {
				return nil, invalid(oneActionOnly)
			}
			ac = &action{kind: k}
			if json.Unmarshal(v, &ac.fields) != nil || ac.fields == nil {
				return nil, fail(http.StatusBadRequest, typeSerializing, "Message", fmt.Sprintf("transactItems.%d.member.%s is not an object", i+1, lowerFirst(k.member)), nil)
			}
		}
		if ac == nil {
			return nil, invalid(oneActionOnly)
		}
		path := fmt.Sprintf("transactItems.%d.member.%s", i+1, lowerFirst(ac.kind.member))
		for _, m := range ac.kind.required {
			if v, ok := ac.fields[m]; !ok || string(v) == "null" {
				problems = append(problems, fmt.Sprintf("Value null at '%s.%s' failed to satisfy constraint: Member must not be null", path, lowerFirst(m)))
			}
		}
		var rv string
		if v, ok := ac.fields["ReturnValuesOnConditionCheckFailure"]; ok && json.Unmarshal(v, &rv) != nil {
			return nil, fail(http.StatusBadRequest, typeSerializing, "Message", path+".returnValuesOnConditionCheckFailure is not a string", nil)
		}
		problems = append(problems, enumProblem(path+".returnValuesOnConditionCheckFailure", rv, "ALL_OLD", "NONE")...)
		ac.allOld = rv == "ALL_OLD"
		if v, ok := ac.fields["TableName"]; ok && json.Unmarshal(v, &ac.table) != nil {
			return nil, fail(http.StatusBadRequest, typeSerializing, "Message", path+".tableName is not a string", nil)
		}
		acts[i] = ac
	}
	if len(problems) > 0 {
		return nil, validation(problems...)
	}

	seen := map[string]bool{}
	for _, ac := range acts {
		s, a := h.keys.schema(c, ac.table)
		if a != nil {
			return nil, a
		}
		src := "Key"
		if ac.kind.member == "Put" {
			src = "Item"
		}
		var whole object
		if json.Unmarshal(ac.fields[src], &whole) != nil {
			return nil, fail(http.StatusBadRequest, typeSerializing, "Message", "an item's "+src+" is not an object", nil)
		}
		key, ok := s.key(whole)
		if !ok {
			continue // the server refuses it when it is applied
		}
		ac.key = key
		if id, ok := s.identity(ac.table, key); ok {
			if seen[id] {
				return nil, invalid(multipleOnOneItem)
			}
			seen[id] = true
		}
	}
	return acts, nil
}

// lengthProblems checks TransactItems' length: required, 1 to maxItems.
func lengthProblems[T any](items []T) []string {
	switch {
	case items == nil:
		return []string{"Value null at 'transactItems' failed to satisfy constraint: Member must not be null"}
	case len(items) < 1:
		return []string{"Value '[]' at 'transactItems' failed to satisfy constraint: Member must have length greater than or equal to 1"}
	case len(items) > maxItems:
		return []string{fmt.Sprintf("Value of %d items at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to %d", len(items), maxItems)}
	}
	return nil
}

// enumProblem checks that v, when set, is one of set.
func enumProblem(path, v string, set ...string) []string {
	if v == "" || slices.Contains(set, v) {
		return nil
	}
	return []string{fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: [%s]", v, path, strings.Join(set, ", "))}
}

func lowerFirst(s string) string { return strings.ToLower(s[:1]) + s[1:] }

// current reads an item as it is now (nil when there is none), for a
// cancellation reason that asked for ALL_OLD: dynalite's
// ConditionalCheckFailedException carries no Item. No write comes between
// the failed call and this read: the transaction holds the lock alone.
func (c *caller) current(table string, key object) (object, *answer) {
	if key == nil {
		return nil, nil
	}
	r, err := c.call("GetItem", map[string]any{"TableName": table, "Key": key, "ConsistentRead": true})
	if err != nil {
		return nil, internalError(err.Error())
	}
	if r.typ != "" {
		return nil, r.passOn()
	}
	var out struct{ Item object }
	if err := json.Unmarshal(r.body, &out); err != nil {
		return nil, internalError(fmt.Sprintf("GetItem answer: %v", err))
	}
	return out.Item, nil
}

// abort undoes the applied actions and answers a; when the undo fails, it
// answers InternalServerError instead, naming both.
func (h *Handler) abort(c *caller, applied []done, a *answer) *answer {
	if err := h.undo(c, applied); err != nil {
		return internalError(fmt.Sprintf("%v (undoing a transaction refused with %s)", err, a.body))
	}
	return a
}

// undo restores the items of applied in reverse order: the old image put
// back, or the item deleted when there was none. An action that changed
// nothing (a Delete of a missing item, a ConditionCheck of an item that
// exists) needs no undo. Every item is tried; if any fails the result is
// an error naming them, which the caller answers as InternalServerError
// (HTTP 500), never silence: the items may be left changed.
func (h *Handler) undo(c *caller, applied []done) error {
	var errs []error
	for _, d := range slices.Backward(applied) {
		var op string
		var in map[string]any
		switch {
		case d.old != nil && d.kind.member == "ConditionCheck":
			continue
		case d.old != nil:
			op, in = "PutItem", map[string]any{"TableName": d.table, "Item": d.old}
		case d.kind.member == "Delete":
			continue
		case d.key == nil:
			errs = append(errs, fmt.Errorf("%s on %s: no key to delete", d.kind.member, d.table))
			continue
		default:
			op, in = "DeleteItem", map[string]any{"TableName": d.table, "Key": d.key}
		}
		r, err := c.call(op, in)
		switch {
		case err != nil:
			errs = append(errs, err)
		case r.typ != "":
			errs = append(errs, fmt.Errorf("dynamotx: undo %s on %s: %s %s", d.kind.member, d.table, r.typ, r.body))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("dynamotx: the transaction could not be undone, items may be left changed: %w", errors.Join(errs...))
	}
	return nil
}

// transactionalFactor: a transaction costs twice the capacity of the same
// single-item calls ("DynamoDB performs two underlying reads or writes of
// every item in the transaction: one to prepare the transaction and one to
// commit the transaction", Amazon DynamoDB Developer Guide, "Capacity
// management for transactions").
const transactionalFactor = 2

// capacity sums the ConsumedCapacity of a transaction's calls per table.
type capacity struct {
	m map[string]map[string]any
}

func (c *capacity) add(cc map[string]any) {
	t, _ := cc["TableName"].(string)
	if t == "" {
		return
	}
	if c.m[t] == nil {
		c.m[t] = map[string]any{}
	}
	addNumbers(c.m[t], cc)
}

// list returns one ConsumedCapacity per table, in the order the tables
// first appear in the request ("ordered according to the ordering of the
// TransactItems request parameter"), each number times factor.
func (c *capacity) list(acts []*action, factor float64) []map[string]any {
	var out []map[string]any
	for _, tc := range countTables(acts) {
		if m, ok := c.m[tc.Table]; ok {
			scale(m, factor)
			out = append(out, m)
		}
	}
	return out
}

// addNumbers adds src's numbers into dst's, member by member, into nested
// objects too (Table, GlobalSecondaryIndexes, …); other members are kept
// from the first.
func addNumbers(dst, src map[string]any) {
	for k, v := range src {
		switch v := v.(type) {
		case float64:
			d, _ := dst[k].(float64)
			dst[k] = d + v
		case map[string]any:
			dm, ok := dst[k].(map[string]any)
			if !ok {
				dm = map[string]any{}
				dst[k] = dm
			}
			addNumbers(dm, v)
		default:
			if _, ok := dst[k]; !ok {
				dst[k] = v
			}
		}
	}
}

func scale(m map[string]any, f float64) {
	for k, v := range m {
		switch v := v.(type) {
		case float64:
			m[k] = v * f
		case map[string]any:
			scale(v, f)
		}
	}
}

// countTables returns the tables of acts in the order they first appear,
// with how many actions each has.
func countTables(acts []*action) []tableCount {
	var out []tableCount
	for _, ac := range acts {
		i := slices.IndexFunc(out, func(t tableCount) bool { return t.Table == ac.table })
		if i < 0 {
			out = append(out, tableCount{Table: ac.table})
			i = len(out) - 1
		}
		out[i].Items++
	}
	return out
}

// replayOutput answers a transaction replayed under its token: nothing is
// applied, and the capacity asked for is that of reading the items ("
// Subsequent TransactWriteItems calls with the same client token return the
// number of read capacity units consumed in reading the item"), counted
// here as one read unit per item (items up to 4 KB).
func replayOutput(e tokenEntry, rcc string) map[string]any {
	out := map[string]any{}
	if rcc != "TOTAL" && rcc != "INDEXES" {
		return out
	}
	var list []map[string]any
	for _, t := range e.tables {
		n := float64(t.Items)
		m := map[string]any{"TableName": t.Table, "CapacityUnits": n, "ReadCapacityUnits": n}
		if rcc == "INDEXES" {
			m["Table"] = map[string]any{"CapacityUnits": n, "ReadCapacityUnits": n}
		}
		list = append(list, m)
	}
	out["ConsumedCapacity"] = list
	return out
}
