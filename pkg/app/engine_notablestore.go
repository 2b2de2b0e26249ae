//go:build no_tablestore

package app

// tablestoreEngine is nil in a binary built with no_tablestore.
func tablestoreEngine() *engine { return nil }
