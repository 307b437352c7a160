package web_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/monitor/web"
)

func TestParseQuery(t *testing.T) {
	tests := []struct {
		in      string
		want    monitor.Query
		wantErr string
	}{
		{"", monitor.Query{}, ""},
		{"conns=true&protocol=http&filter=10.0&sort=age&desc=1&limit=50",
			monitor.Query{Conns: true, Protocol: "http", Filter: "10.0", SortBy: monitor.ByAge(), Desc: true, Limit: 50}, ""},
		{"conns&desc", monitor.Query{Conns: true, Desc: true}, ""},
		{"conns=false&sort=&protocol=", monitor.Query{}, ""},
		{"sort=req%20total", monitor.Query{SortBy: monitor.ByRate("req total")}, ""},
		{"limit=10000", monitor.Query{Limit: 10000}, ""},
		{"sort=total:req", monitor.Query{SortBy: monitor.ByTotal("req")}, ""},
		{"sort=rate:req", monitor.Query{SortBy: monitor.ByRate("req")}, ""},
		{"sort=total:" + strings.Repeat("x", monitor.MaxNameLen), monitor.Query{SortBy: monitor.ByTotal(strings.Repeat("x", monitor.MaxNameLen))}, ""},
		{"sort=total:", monitor.Query{}, "empty"},
		{"sort=rate:%ff", monitor.Query{}, "UTF-8"},
		{"sort=id", monitor.Query{}, ""},
		{"sort=name", monitor.Query{SortBy: monitor.ByName()}, ""},
		{"sort=rate:age", monitor.Query{SortBy: monitor.ByRate("age")}, ""},
		{"sort=total:total:x", monitor.Query{SortBy: monitor.ByTotal("total:x")}, ""},
		{"sort=mean:rt&desc", monitor.Query{SortBy: monitor.ByMean("rt"), Desc: true}, ""},
		{"sort=count:rt", monitor.Query{SortBy: monitor.ByCount("rt")}, ""},
		{"sort=rate:mean:x", monitor.Query{SortBy: monitor.ByRate("mean:x")}, ""},
		{"sort=mean:", monitor.Query{}, "the distribution name in"},
		{"sort=count:%ff", monitor.Query{}, "UTF-8"},
		{"format=json&x=1", monitor.Query{}, ""},
		{"conns=yes", monitor.Query{}, `"conns": "yes" is not a bool`},
		{"desc=2", monitor.Query{}, `"desc": "2" is not a bool`},
		{"limit=0", monitor.Query{}, "not an integer in [1, 10000]"},
		{"limit=10001", monitor.Query{}, "not an integer"},
		{"limit=-1", monitor.Query{}, "not an integer"},
		{"limit=ten", monitor.Query{}, "not an integer"},
		{"limit=", monitor.Query{}, "not an integer"},
		{"limit=1&limit=2", monitor.Query{}, "given 2 times"},
		{"conns=1&conns=1", monitor.Query{}, "given 2 times"},
		{"sort=%00", monitor.Query{}, "control character"},
		{"sort=%ff", monitor.Query{}, "UTF-8"},
		{"sort=" + strings.Repeat("x", monitor.MaxNameLen+1), monitor.Query{}, "MaxNameLen"},
		{"protocol=a%0Ab", monitor.Query{}, "control character"},
		{"filter=" + strings.Repeat("x", web.MaxFilterLen+1), monitor.Query{}, "filter"},
	}
	for _, tt := range tests {
		v, err := url.ParseQuery(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := web.ParseQuery(v)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseQuery(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseQuery(%q) = %+v, %v, want %+v", tt.in, got, err, tt.want)
		}
	}
}

// TestParseQueryBounds gives every key a 200 KB bad value: each error
// quotes at most a 32-byte prefix of it. A filter of invalid UTF-8 is
// refused as sort and protocol are, and a limit in range but over
// maxLimitLen bytes (leading zeros) is refused, so that no value the page
// repeats in its links and form is unbounded.
func TestParseQueryBounds(t *testing.T) {
	const maxLimitLen = 20 // as ParseQuery's doc says
	big := strings.Repeat("9", 200<<10)
	for _, key := range []string{"conns", "desc", "limit", "protocol", "sort", "filter"} {
		v := url.Values{key: {big + "\xff"}}
		_, err := web.ParseQuery(v)
		if err == nil {
			t.Errorf("%s: a 200 KB value was accepted", key)
			continue
		}
		if msg := err.Error(); len(msg) > 160 || strings.Contains(msg, strings.Repeat("9", 33)) {
			t.Errorf("%s: error of %d bytes quotes more than a 32-byte prefix: %.200s", key, len(msg), msg)
		}
	}
	for _, tt := range []struct{ in, want string }{
		{"filter=%ff", `web: query key "filter": "\xff" is not valid UTF-8`},
		{"filter=ab%c3", `web: query key "filter": "ab\xc3" is not valid UTF-8`},
		{"limit=" + big, `web: query key "limit": "99999999999999999999999999999999"... is not an integer in [1, 10000]`},
		// Leading zeros keep the value in range: the length bounds it.
		{"limit=" + strings.Repeat("0", 200<<10) + "5", `web: query key "limit": "00000000000000000000000000000000"... is not an integer in [1, 10000]`},
		{"limit=%2B" + strings.Repeat("0", maxLimitLen-1), `web: query key "limit": "+0000000000000000000" is not an integer in [1, 10000]`},
		{"limit=" + strings.Repeat("0", maxLimitLen) + "1", `web: query key "limit": "000000000000000000001" is not an integer in [1, 10000]`},
		{"conns=" + big, `web: query key "conns": "99999999999999999999999999999999"... is not a bool`},
		{"filter=" + big, `web: query key "filter": "99999999999999999999999999999999"... is 204800 bytes long, over MaxFilterLen (256)`},
		{"sort=" + big, `web: query key "sort": "99999999999999999999999999999999"... is 204800 bytes long, over MaxNameLen (128)`},
		{"sort=total:" + big, `web: query key "sort": the event name in "total:99999999999999999999999999"... is 204800 bytes long, over MaxNameLen (128)`},
		{"protocol=" + big, `web: query key "protocol": "99999999999999999999999999999999"... is 204800 bytes long, over MaxNameLen (128)`},
	} {
		v, err := url.ParseQuery(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := web.ParseQuery(v); err == nil || err.Error() != tt.want {
			t.Errorf("ParseQuery(%.40q...):\n got %v\nwant %s", tt.in, err, tt.want)
		}
	}
	if q, err := web.ParseQuery(url.Values{"limit": {"+" + strings.Repeat("0", maxLimitLen-3) + "50"}}); err != nil || q.Limit != 50 {
		t.Errorf("a limit of 20 bytes: %+v, %v", q, err)
	}
	if q, err := web.ParseQuery(url.Values{"filter": {"名前"}}); err != nil || q.Filter != "名前" {
		t.Errorf("a valid UTF-8 filter: %+v, %v", q, err)
	}
}

func ExampleParseQuery() {
	v, _ := url.ParseQuery("conns=1&protocol=http&sort=request&desc&limit=20")
	q, err := web.ParseQuery(v)
	fmt.Println(q.Conns, q.Protocol, q.SortBy == monitor.ByRate("request"), q.Desc, q.Limit, err)

	v, _ = url.ParseQuery("limit=0")
	_, err = web.ParseQuery(v)
	fmt.Println(err)
	// Output:
	// true http true true 20 <nil>
	// web: query key "limit": "0" is not an integer in [1, 10000]
}
