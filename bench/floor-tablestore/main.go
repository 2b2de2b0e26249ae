//go:build benchfloor

// Command floor-tablestore is the FC size floor of `make bench`
// (cmd/bench): a hello-world HTTP server (an FC custom-runtime function
// serves HTTP) that makes one Tablestore call with the SDK built as
// pkg/tablestore builds its client (tablestore.NewClientWithConfig). Built
// with the benchfloor tag only, so the SDK stays out of the module's
// ordinary builds and import rules (internal/archtest).
package main

import (
	"log"
	"net"
	"net/http"
	"os"
	"time"

	ots "github.com/aliyun/aliyun-tablestore-go-sdk/tablestore"
)

func main() {
	client := ots.NewClientWithConfig(os.Getenv("TABLESTORE_ENDPOINT"), os.Getenv("TABLESTORE_INSTANCE"),
		os.Getenv("ALIBABA_CLOUD_ACCESS_KEY_ID"), os.Getenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET"), "", nil)
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		pk := new(ots.PrimaryKey)
		pk.AddPrimaryKeyColumn("pk", "hello")
		q := &ots.SingleRowQueryCriteria{TableName: os.Getenv("TABLE"), PrimaryKey: pk, MaxVersion: 1}
		if _, err := client.GetRow(&ots.GetRowRequest{SingleRowQueryCriteria: q}); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		_, _ = w.Write([]byte("hello"))
	})
	srv := &http.Server{Addr: net.JoinHostPort("", os.Getenv("FC_CUSTOM_LISTEN_PORT")), ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}
