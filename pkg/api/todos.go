package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/todofn/todofn/pkg/route"
	"github.com/todofn/todofn/pkg/todo"
)

// TodoLister lists an owner's todos (package todolist's Service).
type TodoLister interface {
	List(ctx context.Context, userID string, q todo.TodoQuery) (todo.TodoPage, error)
}

// TodoAdder adds a todo (package todolist's Service).
type TodoAdder interface {
	Add(ctx context.Context, userID string, in todo.TodoInput, idempotencyKey string) (t *todo.Todo, replayed bool, err error)
}

// TodoUpdater changes a todo (package todolist's Service).
type TodoUpdater interface {
	Update(ctx context.Context, userID, id string, in todo.TodoInput) (*todo.Todo, error)
}

// TodoDeleter deletes a todo (package todolist's Service).
type TodoDeleter interface {
	Delete(ctx context.Context, userID, id string) error
}

type todoBody struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Done      bool   `json:"done"`
	CreatedAt string `json:"createdAt"`
	UpdatedAt string `json:"updatedAt"`
}

const timeFormat = "2006-01-02T15:04:05.000Z07:00"

func toBody(t *todo.Todo) todoBody {
	return todoBody{ID: t.ID, Title: t.Title, Done: t.Done,
		CreatedAt: t.CreatedAt.UTC().Format(timeFormat), UpdatedAt: t.UpdatedAt.UTC().Format(timeFormat)}
}

type listBody struct {
	Items      []todoBody `json:"items"`
	NextCursor *string    `json:"nextCursor"`
}

type todoInput struct {
	Title *string `json:"title"`
	Done  *bool   `json:"done"`
}

func (in todoInput) domain() todo.TodoInput { return todo.TodoInput{Title: in.Title, Done: in.Done} }

// ListTodos is GET /todos?limit=&cursor=: the caller's todos, newest first.
func (s *Server) ListTodos(svc TodoLister) Handlers {
	return Handlers{Name: route.TodosList, handlers: map[string]handlerFunc{
		http.MethodGet: s.requireUser(func(w http.ResponseWriter, r *http.Request) error {
			uid := todo.UserID(r.Context())
			q := todo.TodoQuery{Limit: todo.DefaultPageSize}
			if v := r.URL.Query().Get("limit"); v != "" {
				n, err := strconv.Atoi(v)
				if err != nil {
					n = -1 // refused by the service with the rule it checks
				}
				q.Limit = n
			}
			if c := r.URL.Query().Get("cursor"); c != "" {
				after, err := s.Cursors.Open(uid, c)
				if err != nil {
					return err
				}
				q.After = after
			}
			page, err := svc.List(r.Context(), uid, q)
			if err != nil {
				return err
			}
			out := listBody{Items: make([]todoBody, 0, len(page.Items))}
			for i := range page.Items {
				out.Items = append(out.Items, toBody(&page.Items[i]))
			}
			if page.Next != "" {
				c := s.Cursors.Seal(uid, page.Next)
				out.NextCursor = &c
			}
			writeJSON(w, http.StatusOK, out)
			return nil
		})}}
}

// AddTodo is POST /todos {"title","done"?} -> 201 the todo. With an
// Idempotency-Key header, a retry with the same key and body returns the
// same todo (201, Idempotent-Replayed: true) instead of a second one; the
// same key with another body is refused.
func (s *Server) AddTodo(svc TodoAdder) Handlers {
	return Handlers{Name: route.TodosAdd, handlers: map[string]handlerFunc{
		http.MethodPost: s.requireUser(func(w http.ResponseWriter, r *http.Request) error {
			var in todoInput
			if err := decode(w, r, &in); err != nil {
				return err
			}
			t, replayed, err := svc.Add(r.Context(), todo.UserID(r.Context()), in.domain(), r.Header.Get("Idempotency-Key"))
			if err != nil {
				return err
			}
			w.Header().Set("Location", "/todos/"+t.ID)
			if replayed {
				w.Header().Set("Idempotent-Replayed", "true")
			}
			writeJSON(w, http.StatusCreated, toBody(t))
			return nil
		})}}
}

// UpdateTodo is PATCH /todos/{id} {"title"?,"done"?} -> 200 the todo.
func (s *Server) UpdateTodo(svc TodoUpdater) Handlers {
	return Handlers{Name: route.TodosUpdate, handlers: map[string]handlerFunc{
		http.MethodPatch: s.requireUser(func(w http.ResponseWriter, r *http.Request) error {
			var in todoInput
			if err := decode(w, r, &in); err != nil {
				return err
			}
			t, err := svc.Update(r.Context(), todo.UserID(r.Context()), r.PathValue("id"), in.domain())
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, toBody(t))
			return nil
		})}}
}

// DeleteTodo is DELETE /todos/{id} -> 204.
func (s *Server) DeleteTodo(svc TodoDeleter) Handlers {
	return Handlers{Name: route.TodosDelete, handlers: map[string]handlerFunc{
		http.MethodDelete: s.requireUser(func(w http.ResponseWriter, r *http.Request) error {
			if err := svc.Delete(r.Context(), todo.UserID(r.Context()), r.PathValue("id")); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		})}}
}
