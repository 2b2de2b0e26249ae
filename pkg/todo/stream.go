package todo

// StreamRecord is one record of a users-table stream batch as an engine
// decodes it from its cloud's payload. The engine only decodes; what is
// done with a record that does not decode, a failed change or a deadline is
// the mailer's batch policy, the same for every engine.
type StreamRecord struct {
	// ID names the record to a platform that retries single records (a
	// DynamoDB stream record's sequence number, Lambda's itemIdentifier);
	// "" where the platform retries whole batches.
	ID string
	// Event names the record in logs (a DynamoDB event id); may be "".
	Event string
	// Change is the record's account change, when Err is nil.
	Change UserChange
	// Err says why the record does not decode; retrying it cannot help.
	Err error
}
