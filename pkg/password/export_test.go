package password

// CommonList is the embedded list as shipped, for the tests.
func CommonList() string { return commonList }

// LongCommonList is the embedded list of long entries, for the tests.
func LongCommonList() string { return longCommonList }
