// Command password-forgot is a function: POST /password/forgot: mail a password-reset code.
package main

import (
	"github.com/todofn/todofn/pkg/api"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/accountsvc"
	"github.com/todofn/todofn/pkg/app/apiserver"
	"github.com/todofn/todofn/pkg/route"
)

func main() {
	apiserver.Start(route.PasswordForgot, func(a *app.App, s *api.Server) (api.Handlers, error) {
		svc, err := accountsvc.New(a)
		return s.ForgotPassword(svc), err
	})
}
