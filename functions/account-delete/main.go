// Command account-delete is a function: DELETE /account: delete the account, its todos and its sessions.
package main

import (
	"github.com/todofn/todofn/pkg/api"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/accounts"
	"github.com/todofn/todofn/pkg/app/apiserver"
	"github.com/todofn/todofn/pkg/route"
)

func main() {
	apiserver.Start(route.AccountDelete, func(a *app.App, s *api.Server) (api.Handlers, error) {
		svc, err := accounts.New(a)
		return s.DeleteAccount(svc), err
	})
}
