// Command logout is a function: POST /logout: end this session, or every session of the user.
package main

import (
	"github.com/todofn/todofn/pkg/api"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/accountsvc"
	"github.com/todofn/todofn/pkg/app/apiserver"
	"github.com/todofn/todofn/pkg/route"
)

func main() {
	apiserver.Start(route.Logout, func(a *app.App, s *api.Server) (api.Handlers, error) {
		svc, err := accountsvc.New(a)
		return s.Logout(svc), err
	})
}
