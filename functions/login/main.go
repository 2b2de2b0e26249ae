// Command login is a function: POST /login: check a password and start a session (an access token and a refresh token).
package main

import (
	"github.com/todofn/todofn/pkg/api"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/accounts"
	"github.com/todofn/todofn/pkg/app/apiserver"
	"github.com/todofn/todofn/pkg/route"
)

func main() {
	apiserver.Start(route.Login, func(a *app.App, s *api.Server) (api.Handlers, error) {
		svc, err := accounts.New(a)
		return s.Login(svc), err
	})
}
