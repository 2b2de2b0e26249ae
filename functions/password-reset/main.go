// Command password-reset is a function: POST /password/reset: set a new password with a mailed code; every session ends.
package main

import (
	"github.com/todofn/todofn/pkg/api"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/accounts"
	"github.com/todofn/todofn/pkg/app/apiserver"
	"github.com/todofn/todofn/pkg/route"
)

func main() {
	apiserver.Start(route.PasswordReset, func(a *app.App, s *api.Server) (api.Handlers, error) {
		svc, err := accounts.New(a)
		return s.ResetPassword(svc), err
	})
}
