package api

import (
	"context"
	"net/http"

	"github.com/todofn/todofn/pkg/route"
	"github.com/todofn/todofn/pkg/todo"
)

// TodoClearer deletes an owner's completed todos (package todolist's
// Service), a batch at a time within ctx's deadline.
type TodoClearer interface {
	Clear(ctx context.Context, userID string) (todo.BulkResult, error)
}

// TodoMarker sets every todo of an owner to done or not done (package
// todolist's Service), a batch at a time within ctx's deadline.
type TodoMarker interface {
	MarkAll(ctx context.Context, userID string, done bool) (todo.BulkResult, error)
}

// bulkBody is the answer of a bulk route: how many todos this call
// changed, and whether any are left, for which the client calls again.
type bulkBody struct {
	Changed int  `json:"changed"`
	More    bool `json:"more"`
}

// ClearTodos is DELETE /todos?done=true -> 200 {"changed","more"}: the
// caller's completed todos are deleted, in batches, until none is left or
// the invocation's time runs short (more true: call again). A todo
// un-ticked meanwhile is not deleted. The query must say done=true, so
// that no request deletes a whole list by accident.
func (s *Server) ClearTodos(svc TodoClearer) Handlers {
	return Handlers{Name: route.TodosClear, handlers: map[string]handlerFunc{
		http.MethodDelete: s.requireUser(func(w http.ResponseWriter, r *http.Request) error {
			if q := r.URL.Query(); len(q) != 1 || len(q["done"]) != 1 || q.Get("done") != "true" {
				return &todo.Error{Code: todo.Invalid, Field: "done",
					Message: "DELETE /todos deletes the completed todos: send done=true, and nothing else."}
			}
			res, err := svc.Clear(r.Context(), todo.UserID(r.Context()))
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, bulkBody{Changed: res.Changed, More: res.More})
			return nil
		})}}
}

// MarkAllTodos is PATCH /todos {"done":true|false} -> 200
// {"changed","more"}: every todo of the caller gets that state, in
// batches, until none is left or the invocation's time runs short (more
// true: call again).
func (s *Server) MarkAllTodos(svc TodoMarker) Handlers {
	return Handlers{Name: route.TodosMarkAll, handlers: map[string]handlerFunc{
		http.MethodPatch: s.requireUser(func(w http.ResponseWriter, r *http.Request) error {
			var in struct {
				Done *bool `json:"done"`
			}
			if err := decode(w, r, &in); err != nil {
				return err
			}
			if in.Done == nil {
				return todo.FieldError("done", "Send done: true or false.")
			}
			res, err := svc.MarkAll(r.Context(), todo.UserID(r.Context()), *in.Done)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, bulkBody{Changed: res.Changed, More: res.More})
			return nil
		})}}
}
