package bolt

// Commits returns how many write transactions s has committed or tried.
func Commits(s *Store) int64 { return s.group.commits.Load() }
