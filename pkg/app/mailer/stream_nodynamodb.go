//go:build no_dynamodb

package mailer

// dynamodbCodec is nil in a binary built with no_dynamodb.
func dynamodbCodec() *codec { return nil }
