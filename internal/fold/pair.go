package fold

// Pair is a Cell with a Guard of its own: the counter of ring.Window and
// of each stripe of shard.Counter. (A monitor's connection shares one
// Guard among the Cells of its events instead, to keep each Cell 96
// bytes.) The zero Pair is empty and ready to use; it is 104 bytes and
// must not be copied after first use.
type Pair struct {
	g Guard
	c Cell
}

// Add adds n to the slot of epoch: see Cell.Add.
func (p *Pair) Add(epoch, n uint64) {
	if v, ok := p.c.Fast(epoch, epoch%Size, n); !ok {
		p.c.Slow(&p.g, epoch, n, v)
	}
}

// Fast is the inlinable fast path of Add, with slot = epoch % Size: see
// Cell.Fast. Unless ok, the caller finishes with Slow(epoch, n, v).
func (p *Pair) Fast(epoch, slot, n uint64) (v uint64, ok bool) {
	return p.c.Fast(epoch, slot, n)
}

// Slow finishes an Add whose Fast returned v and false: see Cell.Slow.
func (p *Pair) Slow(epoch, n, v uint64) {
	p.c.Slow(&p.g, epoch, n, v)
}

// FastOwned is the inlinable fast path of an add by the Pair's owner: see
// Cell.FastOwned. Unless it returns true, the caller finishes with
// SlowOwned(epoch, n).
func (p *Pair) FastOwned(epoch, slot, n uint64) bool {
	return p.c.FastOwned(epoch, slot, n)
}

// SlowOwned finishes an add whose FastOwned returned false: see
// Cell.SlowOwned.
func (p *Pair) SlowOwned(epoch, n uint64) {
	p.c.SlowOwned(&p.g, epoch, n)
}

// Word returns the slot word of epoch, as an atomic load.
func (p *Pair) Word(epoch uint64) uint64 {
	return p.c.Word(epoch)
}

// Load stores the window of epoch into s and returns the total: see
// Cell.Load.
func (p *Pair) Load(epoch uint64, s *[Size]uint64) uint64 {
	return p.c.Load(&p.g, epoch, s)
}

// TrySumInto adds the window of epoch to s and returns the total, with
// ok unless a fold tore the read: see Cell.TrySumInto.
func (p *Pair) TrySumInto(epoch uint64, s *[Size]uint64) (total uint64, ok bool) {
	return p.c.TrySumInto(&p.g, epoch, s)
}

// Total returns the total, read between folds.
func (p *Pair) Total() uint64 {
	return p.c.Total(&p.g)
}
