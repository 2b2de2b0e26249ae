//go:build no_dynamodb

package app

// dynamodbEngine is nil in a binary built with no_dynamodb.
func dynamodbEngine() *engine { return nil }
