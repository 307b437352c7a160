package human

import (
	"fmt"
	"unicode/utf8"
)

// MaxQuote is the longest prefix of a bad value, in bytes, that an error
// message quotes.
const MaxQuote = 32

// Quote returns s quoted, or its first MaxQuote bytes (cut on a rune
// boundary) quoted and followed by "...", so that an error message stays
// short whatever the value.
func Quote(s string) string {
	if len(s) <= MaxQuote {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%q...", s[:RuneCut(s, MaxQuote)])
}

// RuneCut returns the largest n <= limit at which s can be cut without
// splitting a UTF-8 encoded rune (backing off at most utf8.UTFMax-1 bytes,
// so that invalid UTF-8 is cut near limit too).
func RuneCut(s string, limit int) int {
	if len(s) <= limit {
		return len(s)
	}
	for n := limit; n > limit-utf8.UTFMax && n > 0; n-- {
		if utf8.RuneStart(s[n]) {
			return n
		}
	}
	return limit
}
