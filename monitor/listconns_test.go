package monitor_test

import (
	"cmp"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/ring"
)

// TestListConnsMatchesFullSort compares the listing with a full sort of
// every open connection, done here, for every sort key (by rate and by
// total, with and without the "rate:" prefix), both directions, several
// limits and filters, on connections with many ties.
func TestListConnsMatchesFullSort(t *testing.T) {
	m, clock := newManual(t, "http", []string{"req", "resp"})
	req, resp := m.MustEvent("req"), m.MustEvent("resp")
	rng := rand.New(rand.NewPCG(1, 2))
	var conns []monitor.Conn
	for i := range 600 {
		c := m.Open("10.0." + strconv.Itoa(rng.IntN(5)) + "." + strconv.Itoa(rng.IntN(50)))
		// Old events, out of the rate, make the totals differ from it.
		c.Add(req, rng.Uint64N(8))
		c.Add(resp, rng.Uint64N(3))
		conns = append(conns, c)
		if i%50 == 0 {
			clock.Advance(ring.Tick)
		}
	}
	clock.Advance(2 * time.Second)
	for i, c := range conns {
		if i%7 == 3 {
			c.Close() // holes in the ids
			continue
		}
		c.Add(req, rng.Uint64N(5))
		c.Add(resp, rng.Uint64N(4))
	}
	snapAll := m.Snapshot(monitor.Query{Conns: true, Limit: monitor.MaxConnLimit}).Protocols[0].Open
	keys := map[string]func(a, b monitor.ConnInfo) int{
		"id":   func(a, b monitor.ConnInfo) int { return cmp.Compare(a.ID, b.ID) },
		"age":  func(a, b monitor.ConnInfo) int { return cmp.Compare(a.Age, b.Age) },
		"name": func(a, b monitor.ConnInfo) int { return strings.Compare(a.Name, b.Name) },
	}
	for ev := range 2 {
		name := []string{"req", "resp"}[ev]
		byRate := func(a, b monitor.ConnInfo) int { return cmp.Compare(a.Events[ev].Rate, b.Events[ev].Rate) }
		keys[name] = byRate
		keys["rate:"+name] = byRate
		keys["total:"+name] = func(a, b monitor.ConnInfo) int { return cmp.Compare(a.Events[ev].Total, b.Events[ev].Total) }
	}
	for key, by := range keys {
		for _, desc := range []bool{false, true} {
			for _, filter := range []string{"", "10.0.3."} {
				var want []monitor.ConnInfo
				for _, c := range snapAll {
					if strings.Contains(c.Name, filter) {
						want = append(want, c)
					}
				}
				slices.SortFunc(want, func(a, b monitor.ConnInfo) int {
					r := by(a, b)
					if desc {
						r = -r
					}
					if r == 0 {
						r = cmp.Compare(a.ID, b.ID)
						if desc && key == "id" {
							r = -r
						}
					}
					return r
				})
				for _, limit := range []int{1, 2, 10, 100, 501, 1000} {
					p := m.Snapshot(monitor.Query{Conns: true, SortBy: sortKey(key), Desc: desc, Filter: filter, Limit: limit}).Protocols[0]
					w := want[:min(limit, len(want))]
					if p.OpenMatched != len(want) || !reflect.DeepEqual(p.Open, w) {
						t.Fatalf("sort %q desc %v filter %q limit %d: matched %d, want %d; listed %v\nwant %v",
							key, desc, filter, limit, p.OpenMatched, len(want), ids(p.Open), ids(w))
					}
				}
			}
		}
	}
}

func ids(cs []monitor.ConnInfo) []uint64 {
	out := make([]uint64, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

// TestSnapshotConnsMemory checks that a listing costs O(limit) memory, not
// O(open connections): with 20000 open, a default-limit snapshot sorted by
// rate allocates at most 64 KiB (it allocated 5 MB when it sorted all).
func TestSnapshotConnsMemory(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation")
	}
	m, clock := newManual(t, "http", []string{"req", "resp", "err", "bytes"})
	req := m.MustEvent("req")
	for i := range 20000 {
		m.Open("10.0.0.1:"+strconv.Itoa(i)).Add(req, uint64(i%97))
	}
	clock.Advance(ring.Tick)
	for _, q := range []monitor.Query{{Conns: true}, {Conns: true, SortBy: monitor.ByRate("req"), Desc: true}, {Conns: true, SortBy: monitor.ByTotal("req")}} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		const n = 5
		for range n {
			if p := m.Snapshot(q).Protocols[0]; len(p.Open) != monitor.DefaultConnLimit || p.OpenMatched != 20000 {
				t.Fatalf("%+v: listed %d of %d", q, len(p.Open), p.OpenMatched)
			}
		}
		runtime.ReadMemStats(&after)
		per := (after.TotalAlloc - before.TotalAlloc) / n
		t.Logf("%+v: %d B per snapshot", q, per)
		if per > 64<<10 {
			t.Errorf("%+v: %d B per snapshot, want <= 64 KiB", q, per)
		}
	}
}

// sortKey returns the Sort of a key as the page writes it: "id", "age",
// "name", "total:" and an event, or an event (by its rate).
func sortKey(key string) monitor.Sort {
	switch key {
	case "id":
		return monitor.Sort{}
	case "age":
		return monitor.ByAge()
	case "name":
		return monitor.ByName()
	}
	if ev, ok := strings.CutPrefix(key, "total:"); ok {
		return monitor.ByTotal(ev)
	}
	return monitor.ByRate(strings.TrimPrefix(key, "rate:"))
}
