package monitor_test

import (
	"cmp"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/hitrate/hitrate/monitor"
)

// TestListConnsByDist checks ByMean and ByCount: the listing is a full
// sort, done here, of every open connection by its distribution's mean
// (as the snapshot reports it) or count, both ways, with limits; the
// means are the exact means of the values recorded in the window, in
// whole microseconds, from a model; a sort by a distribution the monitor
// lacks sorts by id.
func TestListConnsByDist(t *testing.T) {
	m, clock := newManual(t, "http", []string{"req"}, monitor.WithDistributions("rt"))
	rt := m.MustDist("rt")
	rng := rand.New(rand.NewPCG(3, 4))
	type model struct{ sum, n uint64 }
	var conns []monitor.Conn
	models := map[uint64]*model{}
	for i := range 300 {
		c := m.Open("c" + strconv.Itoa(i))
		c.Record(rt, time.Duration(rng.IntN(900))*time.Millisecond) // old: in the count, out of the window
		conns = append(conns, c)
	}
	clock.Advance(2 * time.Second)
	for i, c := range conns {
		if i%9 == 4 {
			c.Close()
			continue
		}
		md := &model{}
		models[c.ID()] = md
		for range rng.IntN(4) { // some connections without values in the window
			us := uint64(1 + rng.IntN(5000))
			c.Record(rt, time.Duration(us)*time.Microsecond)
			md.sum += us
			md.n++
		}
	}
	all := m.Snapshot(monitor.Query{Conns: true, Limit: monitor.MaxConnLimit}).Protocols[0].Open
	for _, c := range all {
		md := models[c.ID]
		var want time.Duration
		if md.n > 0 {
			want = time.Duration(md.sum) * time.Microsecond / time.Duration(md.n)
		}
		if d := c.Dists[0].Mean - want; d < -time.Nanosecond || d > time.Nanosecond || c.Dists[0].Total != md.n+1 {
			t.Fatalf("conn %d: mean %v total %d, want %v and %d", c.ID, c.Dists[0].Mean, c.Dists[0].Total, want, md.n+1)
		}
	}
	for _, tc := range []struct {
		name string
		sort monitor.Sort
		by   func(a, b monitor.ConnInfo) int // nil: by id
	}{
		{"ByMean", monitor.ByMean("rt"), func(a, b monitor.ConnInfo) int { return cmp.Compare(a.Dists[0].Mean, b.Dists[0].Mean) }},
		{"ByCount", monitor.ByCount("rt"), func(a, b monitor.ConnInfo) int { return cmp.Compare(a.Dists[0].Total, b.Dists[0].Total) }},
		{"ByMean of no such distribution", monitor.ByMean("nope"), nil},
		{"ByCount of an event", monitor.ByCount("req"), nil},
	} {
		for _, desc := range []bool{false, true} {
			want := slices.Clone(all)
			slices.SortFunc(want, func(a, b monitor.ConnInfo) int {
				if tc.by == nil { // by id, newest first when desc
					if desc {
						return cmp.Compare(b.ID, a.ID)
					}
					return cmp.Compare(a.ID, b.ID)
				}
				r := tc.by(a, b)
				if desc {
					r = -r
				}
				if r == 0 {
					r = cmp.Compare(a.ID, b.ID) // ties by id, either way
				}
				return r
			})
			for _, limit := range []int{1, 7, 100, 1000} {
				got := m.Snapshot(monitor.Query{Conns: true, SortBy: tc.sort, Desc: desc, Limit: limit}).Protocols[0].Open
				if w := want[:min(limit, len(want))]; !reflect.DeepEqual(got, w) {
					t.Fatalf("%s desc %v limit %d: listed %v\nwant %v", tc.name, desc, limit, ids(got), ids(w))
				}
			}
		}
	}
}
