package wire

import "net/http"

// StatusWriter is a ResponseWriter that records the status it wrote and
// the name of the route that served the request, for the access log.
type StatusWriter struct {
	http.ResponseWriter
	// Status is the status written, 0 until something is.
	Status int
	// Route names the function that served the request, "" if none did.
	Route string
}

// WriteHeader records the first status and passes it on.
func (w *StatusWriter) WriteHeader(code int) {
	if w.Status == 0 {
		w.Status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write records an implicit 200 and passes b on.
func (w *StatusWriter) Write(b []byte) (int, error) {
	if w.Status == 0 {
		w.Status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *StatusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// SetRoute records name as the serving route when w is (or wraps) a
// StatusWriter.
func SetRoute(w http.ResponseWriter, name string) {
	for {
		switch x := w.(type) {
		case *StatusWriter:
			x.Route = name
			return
		case interface{ Unwrap() http.ResponseWriter }:
			w = x.Unwrap()
		default:
			return
		}
	}
}
