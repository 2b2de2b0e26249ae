//go:build no_tablestore

package tables

func tablestoreCreator() *creator { return nil }
