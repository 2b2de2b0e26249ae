package password

// CommonList is the embedded list as shipped, for the tests.
func CommonList() string { return commonList }
