// Command refresh is a function: POST /refresh: trade a refresh token for a new access token and a new refresh token.
package main

import (
	"github.com/todofn/todofn/pkg/api"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/accountsvc"
	"github.com/todofn/todofn/pkg/app/apiserver"
	"github.com/todofn/todofn/pkg/route"
)

func main() {
	apiserver.Start(route.Refresh, func(a *app.App, s *api.Server) (api.Handlers, error) {
		svc, err := accountsvc.New(a)
		return s.Refresh(svc), err
	})
}
