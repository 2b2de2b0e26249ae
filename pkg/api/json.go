package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
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
// MaxBodyBytes, no unknown fields, no key twice in any object, every key
// spelt exactly as v's field (encoding/json would match "EMAIL" to
// "email" and keep the last of two "password" keys, so a body could mean
// one thing to a proxy, a WAF or a log reader and another to the handler),
// nothing after the object. An "email" field is passed on as sent: the
// account service turns an internationalised domain into A-labels (package
// account's normalizeEmail), so only the account functions link IDNA.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return todo.Errorf(todo.UnsupportedMedia, "Send the body as JSON with Content-Type: application/json.")
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		return decodeError(err)
	}
	if err := checkKeys(raw, fieldNames(v)); err != nil {
		return err
	}
	body := bytes.NewReader(raw)
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

// checkKeys walks the first JSON value of raw and refuses a key that
// appears twice in one object (exactly or under Unicode case folding, as
// encoding/json compares them) and, when fields is not nil, a top-level
// key that is not exactly one of fields. A body that is not valid JSON
// passes: the decoder reports that in its own words.
func checkKeys(raw []byte, fields map[string]bool) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	err := walkKeys(dec, fields)
	var te *todo.Error
	if errors.As(err, &te) {
		return err
	}
	return nil
}

// walkKeys reads one value from dec; fields, when not nil, are the keys
// this value (an object) may have.
func walkKeys(dec *json.Decoder, fields map[string]bool) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('['):
		for dec.More() {
			if err := walkKeys(dec, nil); err != nil {
				return err
			}
		}
		_, err = dec.Token()
		return err
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := tok.(string)
			folded := strings.ToLower(strings.ToUpper(key))
			switch {
			case seen[folded]:
				return &todo.Error{Code: todo.Invalid, Field: key, Message: fmt.Sprintf("The field %q appears more than once.", key)}
			case fields != nil && !fields[key]:
				return &todo.Error{Code: todo.Invalid, Field: key, Message: fmt.Sprintf("The field %q is not known (field names are case-sensitive).", key)}
			}
			seen[folded] = true
			if err := walkKeys(dec, nil); err != nil {
				return err
			}
		}
		_, err = dec.Token()
		return err
	}
	return nil
}

// fieldNames returns the JSON keys of the struct v points to, or nil when v
// is not a pointer to a struct.
func fieldNames(v any) map[string]bool {
	t := reflect.TypeOf(v)
	if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return nil
	}
	t = t.Elem()
	names := map[string]bool{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-" || !f.IsExported():
			continue
		case name == "":
			name = f.Name
		}
		names[name] = true
	}
	return names
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
