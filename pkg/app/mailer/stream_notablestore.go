//go:build no_tablestore

package mailer

// tablestoreCodec is nil in a binary built with no_tablestore.
func tablestoreCodec() *codec { return nil }
