// Package naming holds the one rule for the names given at setup (monitors,
// events, latency distributions, a keyed table's events): what makes a
// name valid, and the errors that say which name of a list is not.
package naming

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hitrate/hitrate/internal/human"
)

// MaxLen bounds a name, in bytes.
const MaxLen = 128

// Problem says in plain words what is wrong with s as a name, as the end
// of a sentence about it ("is empty"), or returns "" if s is a valid name:
// 1 to MaxLen bytes of valid UTF-8 without a control character, and not
// only white space (a name that would show as nothing on a page).
func Problem(s string) string {
	switch {
	case s == "":
		return "is empty"
	case len(s) > MaxLen:
		return fmt.Sprintf("is %d bytes long, over MaxNameLen (%d)", len(s), MaxLen)
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return "holds a control character"
	case strings.TrimFunc(s, unicode.IsSpace) == "":
		return "is only white space"
	}
	return ""
}

// CheckList returns an error for the first name of names that is not
// valid or repeats an earlier one, or nil. The error starts with prefix
// (`monitor "http"`) and calls each name a kind ("event"): `monitor
// "http": event 1 "a" has the same name as event 0`.
func CheckList(prefix, kind string, names []string) error {
	seen := make(map[string]int, len(names))
	for i, s := range names {
		switch p := Problem(s); {
		case s == "":
			return fmt.Errorf("%s: %s %d has an empty name", prefix, kind, i)
		case p != "":
			return fmt.Errorf("%s: %s %d %s has a name that %s", prefix, kind, i, human.Quote(s), p)
		}
		if j, dup := seen[s]; dup {
			return fmt.Errorf("%s: %s %d %s has the same name as %s %d", prefix, kind, i, human.Quote(s), kind, j)
		}
		seen[s] = i
	}
	return nil
}
