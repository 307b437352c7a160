package naming

import (
	"strings"
	"testing"
)

func TestCheckList(t *testing.T) {
	for _, c := range []struct {
		names []string
		want  string // "" for no error
	}{
		{nil, ""},
		{[]string{"a", "b"}, ""},
		{[]string{strings.Repeat("x", MaxLen)}, ""},
		{[]string{"a", ""}, `m: event 1 has an empty name`},
		{[]string{"a", "b", "a"}, `m: event 2 "a" has the same name as event 0`},
		{[]string{"a\xff"}, `m: event 0 "a\xff" has a name that is not valid UTF-8`},
		{[]string{"a\nb"}, `m: event 0 "a\nb" has a name that holds a control character`},
		{[]string{"a", " "}, `m: event 1 " " has a name that is only white space`},
		{[]string{"\u00a0\u2003"}, `has a name that is only white space`},
		{[]string{" a b "}, ""},
		{[]string{strings.Repeat("x", MaxLen+1)}, `has a name that is 129 bytes long, over MaxNameLen (128)`},
	} {
		err := CheckList("m", "event", c.names)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%q: %v, want no error", c.names, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%q: %v, want an error with %q", c.names, err, c.want)
		}
	}
}
