package route

import "slices"

// Deploy is what the cloud descriptors give one function beyond its name
// and routes: `go run ./cmd/descriptors` (run by `make generate`) writes
// each function's resources in template.yml and s.yaml from it, so a change
// here is a data edit and deploy/policy_test.go checks the policies against
// what the code calls.
type Deploy struct {
	// Description is the function's description in both descriptors; it
	// names every route as "METHOD /path" (deploy/consistency_test.go).
	Description string
	// Signs is set for a function that issues access tokens: only it gets
	// JWT_SIGNING_KEYS; every other function gets the public keys alone.
	Signs bool
	// MemoryMB and TimeoutSeconds override the descriptors' shared
	// settings (Globals in template.yml, vars.function in s.yaml) for this
	// function; zero keeps them.
	MemoryMB, TimeoutSeconds int
	// Policy is the function's least-privilege access on AWS, one statement
	// per grant, in this order. (On Function Compute every function runs as
	// the one role of deploy/fc-ram-policy.json.)
	Policy []Grant
}

// Grant is one Allow statement of a function's policy.
type Grant struct {
	// Resource is the template.yml attribute the statement covers, written
	// as !GetAtt: "UsersTable.Arn", "UsersTable.StreamArn".
	Resource string
	// Actions are the IAM actions, in the order written.
	Actions []string
	// Why says what needs the actions; it becomes the statement's comment
	// (none when empty).
	Why string
}

// deploys holds each function's Deploy, by name; a test checks it has an
// entry for every function of the table and no other.
var deploys = map[string]Deploy{
	"register": {Description: "POST /register", Policy: []Grant{
		{"UsersTable.Arn", []string{"dynamodb:GetItem", "dynamodb:PutItem"}, ""},
		{"KeysTable.Arn", []string{"dynamodb:GetItem", "dynamodb:UpdateItem"}, "the per-IP sign-up budget and the per-address mail counters"},
	}},
	"verify": {Description: "POST /verify and GET /verify (the mailed link)", Policy: []Grant{
		{"UsersTable.Arn", []string{"dynamodb:GetItem", "dynamodb:PutItem"}, ""},
		{"KeysTable.Arn", []string{"dynamodb:GetItem", "dynamodb:UpdateItem"}, "the per-IP verify budget and the per-address wrong-code counters"},
	}},
	"login": {Description: "POST /login", Signs: true, Policy: []Grant{
		{"UsersTable.Arn", []string{"dynamodb:GetItem", "dynamodb:PutItem"}, "PutItem: a rehash, and the owner's alert after too many failures"},
		{"KeysTable.Arn", []string{"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}, "back-off counters and budgets"},
		{"SessionsTable.Arn", []string{"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"}, "a new session (read back when its answer was lost); deleted again if the password changed meanwhile (its generation moved)"},
	}},
	"refresh": {Description: "POST /refresh", Signs: true, Policy: []Grant{
		{"SessionsTable.Arn", []string{"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"}, "rotation is a conditional put; an ended session is deleted"},
		{"UsersTable.Arn", []string{"dynamodb:GetItem", "dynamodb:PutItem"}, "a reused refresh token notes a notice on the account"},
		{"KeysTable.Arn", []string{"dynamodb:GetItem", "dynamodb:UpdateItem"}, "the per-IP refresh budget"},
	}},
	"logout": {Description: "POST /logout", Policy: []Grant{
		{"SessionsTable.Arn", []string{"dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:Query"}, "global: a query of the user's sessions and batch deletes"},
	}},
	"password-forgot": {Description: "POST /password/forgot", Policy: []Grant{
		{"UsersTable.Arn", []string{"dynamodb:GetItem", "dynamodb:PutItem"}, "the reset request on the account"},
		{"KeysTable.Arn", []string{"dynamodb:GetItem", "dynamodb:UpdateItem"}, "the per-IP budget and the per-address mail counters"},
	}},
	"password-reset": {Description: "POST /password/reset", Policy: []Grant{
		{"UsersTable.Arn", []string{"dynamodb:GetItem", "dynamodb:PutItem"}, ""},
		{"KeysTable.Arn", []string{"dynamodb:GetItem", "dynamodb:UpdateItem"}, "the per-IP budget and the per-address wrong-code counters"},
		{"SessionsTable.Arn", []string{"dynamodb:BatchWriteItem", "dynamodb:Query"}, "every session of the user ends"},
	}},
	"password-change": {Description: "POST /password", Policy: []Grant{
		{"UsersTable.Arn", []string{"dynamodb:GetItem", "dynamodb:PutItem"}, ""},
		{"KeysTable.Arn", []string{"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}, "the current password is checked as a log-in is"},
		{"SessionsTable.Arn", []string{"dynamodb:BatchWriteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"}, "this session is read and moved to the new generation; the others end"},
	}},
	"account-delete": {Description: "DELETE /account", Policy: []Grant{
		{"UsersTable.Arn", []string{"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"}, "PutItem: the deletion notice (the account's last write) and the alert a wrong password may raise"},
		{"TodosTable.Arn", []string{"dynamodb:BatchWriteItem", "dynamodb:Query"}, "a query of the user's todos and batch deletes"},
		{"SessionsTable.Arn", []string{"dynamodb:BatchWriteItem", "dynamodb:GetItem", "dynamodb:Query"}, ""},
		{"KeysTable.Arn", []string{"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}, "the password is checked as a log-in is"},
	}},
	"todos-list": {Description: "GET /todos", Policy: []Grant{
		{"TodosTable.Arn", []string{"dynamodb:Query"}, ""},
		{"SessionsTable.Arn", []string{"dynamodb:GetItem"}, "the bearer token's session must still exist"},
	}},
	"todos-add": {Description: "POST /todos", Policy: []Grant{
		{"TodosTable.Arn", []string{"dynamodb:PutItem", "dynamodb:Query", "dynamodb:GetItem", "dynamodb:DeleteItem"}, "create; recount the list (Query); a retry's look-up and undo (GetItem, DeleteItem)"},
		{"SessionsTable.Arn", []string{"dynamodb:GetItem"}, "the bearer token's session must still exist"},
		{"KeysTable.Arn", []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}, "Idempotency-Key claims, the list's counter, the write budget"},
	}},
	"todos-update": {Description: "PATCH /todos/{id}", Policy: []Grant{
		{"TodosTable.Arn", []string{"dynamodb:GetItem", "dynamodb:PutItem"}, ""},
		{"SessionsTable.Arn", []string{"dynamodb:GetItem"}, "the bearer token's session must still exist"},
		{"KeysTable.Arn", []string{"dynamodb:GetItem", "dynamodb:UpdateItem"}, "the write budget and the list's counter"},
	}},
	"todos-delete": {Description: "DELETE /todos/{id}", Policy: []Grant{
		{"TodosTable.Arn", []string{"dynamodb:DeleteItem", "dynamodb:GetItem"}, "the todo is read, then deleted on condition of the version read"},
		{"SessionsTable.Arn", []string{"dynamodb:GetItem"}, "the bearer token's session must still exist"},
		{"KeysTable.Arn", []string{"dynamodb:ConditionCheckItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}, "the write budget and the list's counter; the transaction checks the counter's stamp (ConditionCheckItem)"},
	}},
	"todos-clear": {Description: "DELETE /todos with done=true (the completed todos)", Policy: []Grant{
		{"TodosTable.Arn", []string{"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:Query"}, "a page of done todos, each read and deleted on condition of its version"},
		{"SessionsTable.Arn", []string{"dynamodb:GetItem"}, "the bearer token's session must still exist"},
		{"KeysTable.Arn", []string{"dynamodb:ConditionCheckItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}, "the write budget, the list's counter and the marks of deleted todos; the transaction checks the counter's stamp (ConditionCheckItem)"},
	}},
	"todos-mark-all": {Description: "PATCH /todos", Policy: []Grant{
		{"TodosTable.Arn", []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"}, "a page of todos, each put on condition of its version"},
		{"SessionsTable.Arn", []string{"dynamodb:GetItem"}, "the bearer token's session must still exist"},
		{"KeysTable.Arn", []string{"dynamodb:GetItem", "dynamodb:UpdateItem"}, "the write budget"},
	}},
	Mailer: {Description: "Mails verification codes and notices from the users table's stream", Policy: []Grant{
		{"UsersTable.StreamArn", []string{"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"}, "read the users stream (SAM also attaches AWSLambdaDynamoDBExecutionRole for the mapping)"},
		{"KeysTable.Arn", []string{"dynamodb:GetItem", "dynamodb:PutItem"}, "one claim and one failure counter per mail (conditional puts only)"},
	}},
}

// clone returns a copy of d that shares no slice with it.
func (d Deploy) clone() Deploy {
	d.Policy = slices.Clone(d.Policy)
	for i := range d.Policy {
		d.Policy[i].Actions = slices.Clone(d.Policy[i].Actions)
	}
	return d
}
