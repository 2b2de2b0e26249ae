// Package archtest holds the tests of the rules the layout states: which
// package may import which SDK, that the domain imports only the standard
// library, that production code imports no test double, and what each
// function binary links. Its doc tests read docs/architecture.md and fail
// when the import picture, its table of arrows, the owner table or the
// table of what each package owns disagree with go list. It has no code of
// its own.
package archtest
