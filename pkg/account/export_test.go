package account

import "context"

// MaxPasswordBytes exports maxPasswordBytes to the tests.
const MaxPasswordBytes = maxPasswordBytes

// DayCount returns what the daily count name ("mails", "resetmails",
// "codetries") of email holds in the current UTC day, changing nothing.
func (s *Service) DayCount(ctx context.Context, name, email string) (int, error) {
	return s.count(ctx, s.daily(name+":"+email, 0, ""))
}
