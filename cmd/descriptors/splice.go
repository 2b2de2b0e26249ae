package main

import (
	"fmt"
	"regexp"
	"strings"
)

var (
	beginRe = regexp.MustCompile(`^\s*# BEGIN GENERATED ([a-z0-9-]+)(:|\s|$)`)
	endRe   = regexp.MustCompile(`^\s*# END GENERATED ([a-z0-9-]+)\s*$`)
)

// Splice returns text with the lines between each region's BEGIN and END
// marker lines replaced by regions[name] (which ends in a newline, or is
// empty). The marker lines and everything outside them stay as they are.
// It fails on a marker without its pair, a nested or repeated region, a
// region regions does not name, and a name in regions the text lacks, so a
// lost marker cannot silently drop a function.
func Splice(text string, regions map[string]string) (string, error) {
	lines := strings.SplitAfter(text, "\n")
	var b strings.Builder
	seen := map[string]bool{}
	open := ""
	for n, line := range lines {
		if m := beginRe.FindStringSubmatch(line); m != nil {
			if open != "" {
				return "", fmt.Errorf("line %d: region %s begins inside region %s", n+1, m[1], open)
			}
			if seen[m[1]] {
				return "", fmt.Errorf("line %d: region %s appears twice", n+1, m[1])
			}
			body, ok := regions[m[1]]
			if !ok {
				return "", fmt.Errorf("line %d: unknown generated region %s", n+1, m[1])
			}
			seen[m[1]], open = true, m[1]
			b.WriteString(line)
			b.WriteString(body)
			continue
		}
		if m := endRe.FindStringSubmatch(line); m != nil {
			if m[1] != open {
				return "", fmt.Errorf("line %d: END of region %s, but the open region is %q", n+1, m[1], open)
			}
			open = ""
			b.WriteString(line)
			continue
		}
		if open == "" {
			b.WriteString(line)
		}
	}
	if open != "" {
		return "", fmt.Errorf("region %s has no END marker", open)
	}
	for name := range regions {
		if !seen[name] {
			return "", fmt.Errorf("the file has no generated region %s", name)
		}
	}
	return b.String(), nil
}
