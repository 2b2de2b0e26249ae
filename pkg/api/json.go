package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/todofn/todofn/pkg/todo"
	"github.com/todofn/todofn/pkg/wire"
)

// MaxBodyBytes is the largest request body accepted.
const MaxBodyBytes = 16 << 10

// isForm reports whether r's body is an HTML form
// (application/x-www-form-urlencoded).
func isForm(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/x-www-form-urlencoded"
}

// decode reads a JSON object into v strictly: JSON content type, at most
// MaxBodyBytes, no unknown fields, nothing after the object.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return todo.Errorf(todo.UnsupportedMedia, "Send the body as JSON with Content-Type: application/json.")
	}
	body := http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return decodeError(err)
		}
		return todo.Errorf(todo.Invalid, "The body must hold a single JSON object.")
	}
	return nil
}

func decodeError(err error) error {
	var (
		mbe *http.MaxBytesError
		se  *json.SyntaxError
		te  *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &mbe):
		return todo.Errorf(todo.TooLarge, "The body is larger than %d KiB.", MaxBodyBytes>>10)
	case errors.Is(err, io.EOF):
		return todo.Errorf(todo.Invalid, "The body is empty; send a JSON object.")
	case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF):
		return todo.Errorf(todo.Invalid, "The body is not valid JSON.")
	case errors.As(err, &te):
		if te.Field == "" {
			return todo.Errorf(todo.Invalid, "The body must be a JSON object.")
		}
		return &todo.Error{Code: todo.Invalid, Field: te.Field,
			Message: fmt.Sprintf("The field %q must be a %s.", te.Field, jsonKind(te.Type.Kind().String()))}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &todo.Error{Code: todo.Invalid, Field: field, Message: fmt.Sprintf("The field %q is not known.", field)}
	}
	return todo.Errorf(todo.Invalid, "The body is not valid JSON.")
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "string"
	case "bool":
		return "boolean (true or false)"
	case "ptr":
		return "value of the right type"
	}
	return k
}

// writeJSON writes v as the response body with status.
func writeJSON(w http.ResponseWriter, status int, v any) { wire.WriteJSON(w, status, v) }
