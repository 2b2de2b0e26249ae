// Package archtest holds the tests of the rules the layout states: which
// package may import which SDK, that the domain imports only the standard
// library, that production code imports no test double, and what each
// function binary links. It has no code of its own.
package archtest
