package dynamotx

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// getInput is TransactGetItems' request (API_TransactGetItems).
type getInput struct {
	TransactItems []struct {
		Get object
	}
	ReturnConsumedCapacity string
}

// getItems runs a TransactGetItems request: each Get as a strongly
// consistent GetItem (its TableName, Key, ProjectionExpression and
// ExpressionAttributeNames passed as they came), all under the lock held
// alone, so that no write through the Handler comes between them. The
// caller holds h.mu alone.
func (h *Handler) getItems(c *caller, body []byte) *answer {
	var in getInput
	if err := json.Unmarshal(body, &in); err != nil {
		return fail(http.StatusBadRequest, typeSerializing, "Message", "the request is not a TransactGetItems JSON object", nil)
	}
	problems := lengthProblems(in.TransactItems)
	problems = append(problems, enumProblem("returnConsumedCapacity", in.ReturnConsumedCapacity, "INDEXES", "TOTAL", "NONE")...)
	for i, it := range in.TransactItems {
		if it.Get == nil {
			problems = append(problems, fmt.Sprintf("Value null at 'transactItems.%d.member.get' failed to satisfy constraint: Member must not be null", i+1))
		}
	}
	if len(problems) > 0 {
		return validation(problems...)
	}
	// "Responses: An ordered array of up to 100 ItemResponse objects, each of
	// which corresponds to the TransactGetItem object in the same position
	// in the TransactItems array." An item that does not exist gets an
	// empty ItemResponse.
	responses := make([]map[string]any, len(in.TransactItems))
	caps := capacity{m: map[string]map[string]any{}}
	acts := make([]*action, len(in.TransactItems))
	for i, it := range in.TransactItems {
		call := object{}
		for k, v := range it.Get {
			call[k] = v
		}
		call["ConsistentRead"] = json.RawMessage("true")
		if in.ReturnConsumedCapacity != "" {
			call["ReturnConsumedCapacity"], _ = json.Marshal(in.ReturnConsumedCapacity)
		}
		r, err := c.call("GetItem", call)
		if err != nil {
			return internalError(err.Error())
		}
		if r.typ != "" {
			return r.passOn()
		}
		var out struct {
			Item             object
			ConsumedCapacity map[string]any
		}
		if err := json.Unmarshal(r.body, &out); err != nil {
			return internalError(fmt.Sprintf("GetItem answer: %v", err))
		}
		responses[i] = map[string]any{}
		if out.Item != nil {
			responses[i]["Item"] = out.Item
		}
		caps.add(out.ConsumedCapacity)
		acts[i] = &action{}
		_ = json.Unmarshal(it.Get["TableName"], &acts[i].table) // the server took it
	}
	out := map[string]any{"Responses": responses}
	if in.ReturnConsumedCapacity == "TOTAL" || in.ReturnConsumedCapacity == "INDEXES" {
		out["ConsumedCapacity"] = caps.list(acts, transactionalFactor)
	}
	return okAnswer(out)
}
