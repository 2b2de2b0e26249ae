// Command password-change is a function: POST /password: change the password; every other session ends.
package main

import (
	"github.com/todofn/todofn/pkg/api"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/accounts"
	"github.com/todofn/todofn/pkg/app/apiserver"
	"github.com/todofn/todofn/pkg/route"
)

func main() {
	apiserver.Start(route.PasswordChange, func(a *app.App, s *api.Server) (api.Handlers, error) {
		svc, err := accounts.New(a)
		return s.ChangePassword(svc), err
	})
}
