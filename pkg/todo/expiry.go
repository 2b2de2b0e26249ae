package todo

import "time"

// Expired reports whether something that lives until expiresAt has expired
// at now: from that instant on, and always when expiresAt is zero. It is
// the one expiry rule every engine applies to what it reads (sessions here;
// claims and counters by the same comparison, at the precision the engine
// stores).
func Expired(expiresAt, now time.Time) bool { return !now.Before(expiresAt) }

// Expired reports whether the session has passed its absolute limit at
// now (see the function Expired); a session without ExpiresAt has expired.
// The idle limit is the caller's to check, from LastUsedAt.
func (s *Session) Expired(now time.Time) bool { return Expired(s.ExpiresAt, now) }
