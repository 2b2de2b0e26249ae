// Command floor-http is the throughput floor of `make bench` (cmd/bench):
// a bare net/http server that answers GET /todos with the same 50 todos the
// local server lists, encoded by encoding/json on every request, with no
// authentication and no store. It reads the todos, as the local server
// answered them, from the file TODOS_FILE and listens on HOST:PORT.
package main

import (
	"encoding/json"
	"log"
	"net"
	"net/http"
	"os"
	"time"
)

// todo is one listed todo, the fields the API answers.
type todo struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Done      bool   `json:"done"`
	Version   int64  `json:"version,omitempty"`
	CreatedAt string `json:"createdAt"`
	UpdatedAt string `json:"updatedAt"`
}

func main() {
	b, err := os.ReadFile(os.Getenv("TODOS_FILE"))
	if err != nil {
		log.Fatalf("floor-http: %v", err)
	}
	var page struct {
		Items []todo `json:"items"`
	}
	if err := json.Unmarshal(b, &page); err != nil {
		log.Fatalf("floor-http: %s: %v", os.Getenv("TODOS_FILE"), err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /todos", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"items": page.Items, "nextCursor": nil})
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {})
	srv := &http.Server{Addr: net.JoinHostPort(os.Getenv("HOST"), os.Getenv("PORT")), Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}
