//go:build no_fc || lambda.norpc

package platform

import (
	"context"
	"errors"
	"net/http"
)

// errNoFC is Run's answer on FC's Go runtime in a build without it.
var errNoFC = errors.New("platform: FC_RUNTIME_API is set, but this binary is built without the FC runtime (tag no_fc or lambda.norpc): build it with the FC flavour's tags")

func runFCHTTP(context.Context, http.Handler) error   { return errNoFC }
func runFCEvents(context.Context, EventHandler) error { return errNoFC }

// FCInvocation reports the FC Go runtime's function, version id and
// qualifier; in a build without the FC runtime ok is always false.
func FCInvocation(context.Context) (function, version, qualifier string, ok bool) {
	return "", "", "", false
}
