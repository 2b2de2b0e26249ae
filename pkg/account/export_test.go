package account

// MaxPasswordBytes exports maxPasswordBytes to the tests.
const MaxPasswordBytes = maxPasswordBytes
