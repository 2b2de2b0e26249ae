// Command verify is a function: POST /verify and GET /verify (the mailed link): verify an address with its code.
package main

import (
	"github.com/todofn/todofn/pkg/api"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/accounts"
	"github.com/todofn/todofn/pkg/app/apiserver"
	"github.com/todofn/todofn/pkg/route"
)

func main() {
	apiserver.Start(route.Verify, func(a *app.App, s *api.Server) (api.Handlers, error) {
		svc, err := accounts.New(a)
		return s.Verify(svc), err
	})
}
