package api

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/todofn/todofn/pkg/todo"
)

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

// ListTodos is GET /todos?limit=&cursor=: the caller's todos, newest first.
func (s *Server) ListTodos() Route {
	return Route{Function: "todos-list", Method: http.MethodGet, Pattern: "/todos",
		Handler: s.RequireUser(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			uid := todo.UserID(r.Context())
			q := todo.TodoQuery{Limit: todo.DefaultPageSize}
			if v := r.URL.Query().Get("limit"); v != "" {
				n, err := strconv.Atoi(v)
				if err != nil || n < 1 || n > todo.MaxPageSize {
					s.writeError(w, r, &todo.Error{Code: todo.Invalid, Field: "limit",
						Message: "The limit must be a whole number from 1 to 100."})
					return
				}
				q.Limit = n
			}
			if c := r.URL.Query().Get("cursor"); c != "" {
				after, err := s.Cursors.Open(uid, c)
				if err != nil {
					s.writeError(w, r, err)
					return
				}
				q.After = after
			}
			page, err := s.Todos.Todos(r.Context(), uid, q)
			if err != nil {
				s.writeError(w, r, err)
				return
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
		}))}
}

// idempotencyTTL is how long an Idempotency-Key is remembered.
const idempotencyTTL = 24 * time.Hour

func validIdempotencyKey(k string) bool {
	if len(k) == 0 || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// AddTodo is POST /todos {"title","done"?} -> 201 the todo. With an
// Idempotency-Key header, a retry with the same key and body returns the
// same todo (201, Idempotent-Replayed: true) instead of a second one; the
// same key with another body is refused.
func (s *Server) AddTodo() Route {
	return Route{Function: "todos-add", Method: http.MethodPost, Pattern: "/todos",
		Handler: s.RequireUser(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			uid := todo.UserID(ctx)
			var in struct {
				Title *string `json:"title"`
				Done  *bool   `json:"done"`
			}
			if err := decode(w, r, &in); err != nil {
				s.writeError(w, r, err)
				return
			}
			if in.Title == nil {
				s.writeError(w, r, todo.FieldError("title", "Give the todo a title."))
				return
			}
			title, err := todo.NormalizeTitle(*in.Title)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			done := in.Done != nil && *in.Done
			now := s.now()
			id := ulid.MustNew(ulid.Timestamp(now), ulid.DefaultEntropy()).String()
			replay := false
			if key := r.Header.Get("Idempotency-Key"); key != "" {
				if !validIdempotencyKey(key) {
					s.writeError(w, r, &todo.Error{Code: todo.Invalid, Field: "Idempotency-Key",
						Message: "The Idempotency-Key header must be 1 to 255 visible ASCII characters."})
					return
				}
				sum := sha256.Sum256([]byte(strconv.FormatBool(done) + "\x00" + title))
				fp := hex.EncodeToString(sum[:8])
				held, fresh, err := s.Claims.Claim(ctx, "idem:"+uid+":"+key, id+" "+fp, now.Add(idempotencyTTL))
				if err != nil {
					s.writeError(w, r, err)
					return
				}
				if !fresh {
					heldID, heldFP, _ := strings.Cut(held, " ")
					if heldFP != fp {
						s.writeError(w, r, todo.Errorf(todo.IdempotencyKeyReused,
							"This Idempotency-Key was used for a different todo; use a new key."))
						return
					}
					id, replay = heldID, true
				}
			}
			t := &todo.Todo{ID: id, UserID: uid, Title: title, Done: done, CreatedAt: now, UpdatedAt: now}
			if replay {
				// The first request may have failed before storing the todo:
				// create it now if it is missing.
				if got, err := s.Todos.Todo(ctx, uid, id); err == nil {
					s.writeTodo(w, http.StatusCreated, got, true)
					return
				}
			}
			err = s.Todos.CreateTodo(ctx, t)
			if todo.ErrorCode(err) == todo.Conflict && replay {
				t, err = s.Todos.Todo(ctx, uid, id) // a concurrent retry stored it
			}
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			s.writeTodo(w, http.StatusCreated, t, replay)
		}))}
}

func (s *Server) writeTodo(w http.ResponseWriter, status int, t *todo.Todo, replayed bool) {
	if status == http.StatusCreated {
		w.Header().Set("Location", "/todos/"+t.ID)
	}
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	writeJSON(w, status, toBody(t))
}

func todoID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	if _, err := ulid.ParseStrict(id); err != nil {
		return "", todo.Errorf(todo.NotFound, "No such todo.")
	}
	return strings.ToUpper(id), nil
}

// maxUpdateRetries bounds the read-modify-write loop under contention.
const maxUpdateRetries = 5

// UpdateTodo is PATCH /todos/{id} {"title"?,"done"?} -> 200 the todo. Each
// change is applied to the latest version, so concurrent edits of different
// fields both survive.
func (s *Server) UpdateTodo() Route {
	return Route{Function: "todos-update", Method: http.MethodPatch, Pattern: "/todos/{id}",
		Handler: s.RequireUser(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			uid := todo.UserID(ctx)
			id, err := todoID(r)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			var in struct {
				Title *string `json:"title"`
				Done  *bool   `json:"done"`
			}
			if err := decode(w, r, &in); err != nil {
				s.writeError(w, r, err)
				return
			}
			if in.Title == nil && in.Done == nil {
				s.writeError(w, r, todo.FieldError("title", "Send a new title, done, or both."))
				return
			}
			var title string
			if in.Title != nil {
				if title, err = todo.NormalizeTitle(*in.Title); err != nil {
					s.writeError(w, r, err)
					return
				}
			}
			for range maxUpdateRetries {
				t, err := s.Todos.Todo(ctx, uid, id)
				if err != nil {
					s.writeError(w, r, err)
					return
				}
				if in.Title != nil {
					t.Title = title
				}
				if in.Done != nil {
					t.Done = *in.Done
				}
				t.UpdatedAt = s.now()
				err = s.Todos.UpdateTodo(ctx, t)
				if todo.ErrorCode(err) == todo.Conflict {
					continue
				}
				if err != nil {
					s.writeError(w, r, err)
					return
				}
				s.writeTodo(w, http.StatusOK, t, false)
				return
			}
			s.writeError(w, r, todo.Errorf(todo.Conflict, "The todo is being changed by another request; try again."))
		}))}
}

// DeleteTodo is DELETE /todos/{id} -> 204.
func (s *Server) DeleteTodo() Route {
	return Route{Function: "todos-delete", Method: http.MethodDelete, Pattern: "/todos/{id}",
		Handler: s.RequireUser(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id, err := todoID(r)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			if err := s.Todos.DeleteTodo(r.Context(), todo.UserID(r.Context()), id); err != nil {
				s.writeError(w, r, err)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}))}
}
