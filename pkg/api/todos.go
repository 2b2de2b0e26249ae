package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/todofn/todofn/pkg/route"
	"github.com/todofn/todofn/pkg/todo"
	"github.com/todofn/todofn/pkg/wire"
)

// TodoLister lists an owner's todos (package todolist's Service).
type TodoLister interface {
	List(ctx context.Context, userID string, q todo.TodoQuery) (todo.TodoPage, error)
}

// TodoAdder adds a todo (package todolist's Service).
type TodoAdder interface {
	Add(ctx context.Context, userID string, in todo.TodoInput, idempotencyKey string) (t *todo.Todo, replayed bool, err error)
}

// TodoUpdater changes a todo (package todolist's Service); match is the
// If-Match precondition, nil for none.
type TodoUpdater interface {
	UpdateIf(ctx context.Context, userID, id string, in todo.TodoInput, match []int64) (*todo.Todo, error)
}

// TodoDeleter deletes a todo (package todolist's Service); match is the
// If-Match precondition, nil for none.
type TodoDeleter interface {
	DeleteIf(ctx context.Context, userID, id string, match []int64) error
}

type todoBody struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Done      bool   `json:"done"`
	CreatedAt string `json:"createdAt"`
	UpdatedAt string `json:"updatedAt"`
	Version   int64  `json:"version"`
}

const timeFormat = "2006-01-02T15:04:05.000Z07:00"

func toBody(t *todo.Todo) todoBody {
	return todoBody{ID: t.ID, Title: t.Title, Done: t.Done,
		CreatedAt: t.CreatedAt.UTC().Format(timeFormat), UpdatedAt: t.UpdatedAt.UTC().Format(timeFormat),
		Version: t.Version}
}

// etag is a todo's entity tag: its version, as a strong tag (RFC 9110
// §8.8.3), since every write makes a new version.
func etag(t *todo.Todo) string { return `"` + strconv.FormatInt(t.Version, 10) + `"` }

// ifMatch parses the If-Match header (RFC 9110 §13.1.1): nil when it is
// absent or "*" (any current version will do), else the versions its
// strong entity tags name. A weak tag, or a tag that is no version of
// ours, never matches (strong comparison, §8.8.3.2), so it adds nothing;
// a list of such tags alone is a non-nil empty list, which nothing
// matches. A header that is not the field's syntax is refused.
func ifMatch(r *http.Request) ([]int64, error) {
	lines := r.Header.Values("If-Match")
	if len(lines) == 0 {
		return nil, nil
	}
	bad := &todo.Error{Code: todo.Invalid, Field: "If-Match",
		Message: `If-Match must be "*" or a list of entity tags such as "3".`}
	v := strings.Trim(strings.Join(lines, ","), " \t")
	if v == "*" {
		return nil, nil
	}
	match := []int64{}
	for _, part := range strings.Split(v, ",") {
		tag := strings.Trim(part, " \t")
		if tag == "" {
			continue // the list syntax allows empty elements (RFC 9110 §5.6.1.2)
		}
		weak := strings.HasPrefix(tag, "W/")
		tag = strings.TrimPrefix(tag, "W/")
		if len(tag) < 2 || tag[0] != '"' || tag[len(tag)-1] != '"' {
			return nil, bad
		}
		opaque := tag[1 : len(tag)-1]
		for i := 0; i < len(opaque); i++ {
			if c := opaque[i]; c == '"' || c < 0x21 || c == 0x7f {
				return nil, bad
			}
		}
		if n, err := strconv.ParseInt(opaque, 10, 64); !weak && err == nil && n > 0 && strconv.FormatInt(n, 10) == opaque {
			match = append(match, n)
		}
	}
	if len(match) == 0 && v == "" {
		return nil, bad
	}
	return match, nil
}

// writePrecondition writes a PreconditionFailed error that carries the
// current todo: the envelope, the todo beside it and its ETag. It reports
// false for any other error, which the caller returns as it is.
func writePrecondition(w http.ResponseWriter, err error) bool {
	var e *todo.Error
	if !errors.As(err, &e) || e.Code != todo.PreconditionFailed || e.Current == nil {
		return false
	}
	w.Header().Set("ETag", etag(e.Current))
	wire.WriteErrorWith(w, err, toBody(e.Current))
	return true
}

type countsBody struct {
	Active    int `json:"active"`
	Completed int `json:"completed"`
}

type listBody struct {
	Items      []todoBody  `json:"items"`
	NextCursor *string     `json:"nextCursor"`
	Counts     *countsBody `json:"counts,omitempty"`
}

type todoInput struct {
	Title *string `json:"title"`
	Done  *bool   `json:"done"`
}

func (in todoInput) domain() todo.TodoInput { return todo.TodoInput{Title: in.Title, Done: in.Done} }

// ListTodos is GET /todos?limit=&cursor=&done=: the caller's todos, newest
// first, only the done (done=true) or active (done=false) ones when done
// is given. A cursor is bound to its filter: another filter's is
// invalid_cursor. The first page (no cursor) carries the counts of all the
// caller's todos by state.
func (s *Server) ListTodos(svc TodoLister) Handlers {
	return Handlers{Name: route.TodosList, handlers: map[string]handlerFunc{
		http.MethodGet: s.requireUser(func(w http.ResponseWriter, r *http.Request) error {
			uid := todo.UserID(r.Context())
			q := todo.TodoQuery{Limit: todo.DefaultPageSize}
			var params url.Values // parsed once, and not at all when there are none (a nil map's Get is "")
			if r.URL.RawQuery != "" {
				params = r.URL.Query()
			}
			filter := params.Get("done")
			switch filter {
			case "":
			case "true", "false":
				d := filter == "true"
				q.Done = &d
			default:
				return &todo.Error{Code: todo.Invalid, Field: "done", Message: "done must be true or false."}
			}
			if v := params.Get("limit"); v != "" {
				n, err := strconv.Atoi(v)
				if err != nil {
					n = -1 // refused by the service with the rule it checks
				}
				q.Limit = n
			}
			if c := params.Get("cursor"); c != "" {
				after, err := s.Cursors.Open(uid, filter, c)
				if err != nil {
					return err
				}
				q.After = after
			}
			bp, ans := listAnswer() // the store may write the todos into it (todo.TodoAnswer)
			q.Answer = ans
			page, err := svc.List(r.Context(), uid, q)
			if err != nil {
				dropAnswer(bp, ans)
				return err
			}
			var next *string
			if page.Next != "" {
				c := s.Cursors.Seal(uid, filter, page.Next)
				next = &c
			}
			writeAnswer(w, bp, ans, &page, next) // listBody's JSON, appended by hand (listjson.go)
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
			w.Header().Set("ETag", etag(t))
			writeJSON(w, http.StatusCreated, toBody(t))
			return nil
		})}}
}

// UpdateTodo is PATCH /todos/{id} {"title"?,"done"?} -> 200 the todo, with
// its ETag. With If-Match, a todo whose version is not named answers 412
// precondition_failed with the current todo beside the error (and its
// ETag), and of concurrent PATCHes with one version exactly one succeeds.
func (s *Server) UpdateTodo(svc TodoUpdater) Handlers {
	return Handlers{Name: route.TodosUpdate, handlers: map[string]handlerFunc{
		http.MethodPatch: s.requireUser(func(w http.ResponseWriter, r *http.Request) error {
			var in todoInput
			if err := decode(w, r, &in); err != nil {
				return err
			}
			match, err := ifMatch(r)
			if err != nil {
				return err
			}
			t, err := svc.UpdateIf(r.Context(), todo.UserID(r.Context()), r.PathValue("id"), in.domain(), match)
			if writePrecondition(w, err) {
				return nil
			}
			if err != nil {
				return err
			}
			w.Header().Set("ETag", etag(t))
			writeJSON(w, http.StatusOK, toBody(t))
			return nil
		})}}
}

// DeleteTodo is DELETE /todos/{id} -> 204. With If-Match, a todo whose
// version is not named answers 412 precondition_failed with the current
// todo, as UpdateTodo does.
func (s *Server) DeleteTodo(svc TodoDeleter) Handlers {
	return Handlers{Name: route.TodosDelete, handlers: map[string]handlerFunc{
		http.MethodDelete: s.requireUser(func(w http.ResponseWriter, r *http.Request) error {
			match, err := ifMatch(r)
			if err != nil {
				return err
			}
			err = svc.DeleteIf(r.Context(), todo.UserID(r.Context()), r.PathValue("id"), match)
			if writePrecondition(w, err) {
				return nil
			}
			if err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		})}}
}
