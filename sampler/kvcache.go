package sampler

// kvBuffers holds the batch's KV cache in two sets of buffers used in turn (ping-pong): a step
// reads the past from the current set and ONNX Runtime writes the present, one column longer,
// into the other; then they swap. Buffers only grow (and are reserved up front when they fit),
// so steady decoding allocates no cache memory.
//
// A cache tensor is [planes][B][H][S][D] (planes is 2 for the GPT-2 combined layout, else 1):
// each (plane, row, head) owns S contiguous columns of D elements.
//
// A shared cache (ModelInfo.SharedKVCache) uses one set instead, [B][H][capacity][D], bound as
// both past and present: ONNX Runtime writes each row's new column in place, at the row's own
// length, so rows of different lengths never move and nothing is copied per step.
type kvBuffers struct {
	m   *Model
	buf [2][][]byte
	cur int

	shared   bool
	capacity int // shared: columns per (row, head)
}

func newKVBuffers(m *Model) *kvBuffers {
	k := &kvBuffers{m: m, shared: m.info.SharedKVCache}
	for i := range k.buf {
		k.buf[i] = make([][]byte, len(m.cache))
	}
	return k
}

func (k *kvBuffers) colBytes() int { return k.m.info.HeadSize * k.m.cacheElemSize() }

func (k *kvBuffers) size(t, B, S int) int {
	return k.m.cache[t].planes * B * k.m.info.KVHeads * S * k.colBytes()
}

// views returns the past buffers (B rows, S columns, current set) and the present buffers
// (S+1 columns, other set), growing the latter as needed.
func (k *kvBuffers) views(B, S int) (past, present [][]byte) {
	past = make([][]byte, len(k.m.cache))
	present = make([][]byte, len(k.m.cache))
	for t := range k.m.cache {
		past[t] = k.buf[k.cur][t][:k.size(t, B, S)]
		n := k.size(t, B, S+1)
		k.buf[1-k.cur][t] = grow(k.buf[1-k.cur][t], n)
		present[t] = k.buf[1-k.cur][t][:n]
	}
	return past, present
}

// swap makes the presents of the last step the current set (a shared cache has one set).
func (k *kvBuffers) swap() {
	if !k.shared {
		k.cur = 1 - k.cur
	}
}

// sharedViews returns the shared buffers of B rows, the past and present of a step alike.
func (k *kvBuffers) sharedViews(B int) [][]byte {
	v := make([][]byte, len(k.m.cache))
	for t := range k.m.cache {
		v[t] = k.buf[0][t][:k.size(t, B, k.capacity)]
	}
	return v
}

// ensureCapacity grows the shared buffers of B rows to at least need columns (doubling, at most
// most columns unless need is more), keeping every row's columns.
func (k *kvBuffers) ensureCapacity(B, need, most int) {
	if need <= k.capacity {
		return
	}
	newCap := max(need, min(2*k.capacity, most))
	old, oldCap := k.buf[0], k.capacity
	k.buf[0] = make([][]byte, len(k.m.cache))
	cb := k.colBytes()
	H := k.m.info.KVHeads
	for t := range k.m.cache {
		k.buf[0][t] = make([]byte, k.size(t, B, newCap))
		for bh := 0; bh < B*H && oldCap > 0; bh++ {
			copy(k.buf[0][t][bh*newCap*cb:(bh*newCap+oldCap)*cb], old[t][bh*oldCap*cb:(bh+1)*oldCap*cb])
		}
	}
	k.capacity = newCap
}

// compact moves shared rows keep[i] (increasing) to row i, in place.
func (k *kvBuffers) compact(keep []int) {
	n := k.m.info.KVHeads * k.capacity * k.colBytes() // one row, one plane
	for t := range k.m.cache {
		b := k.buf[0][t]
		for i, from := range keep {
			if i != from {
				copy(b[i*n:(i+1)*n], b[from*n:(from+1)*n])
			}
		}
	}
}

// relayout copies rows keep[i] of the current (oldB × oldS) layout to row i of a newB × newS
// layout in the other set, moving column c to c+shift (columns falling outside are dropped),
// and makes that set current.
func (k *kvBuffers) relayout(keep []int, oldB, oldS, newB, newS, shift int) {
	cb := k.colBytes()
	H := k.m.info.KVHeads
	c0, c1 := max(0, -shift), min(oldS, newS-shift)
	dst := 1 - k.cur
	for t, c := range k.m.cache {
		k.buf[dst][t] = grow(k.buf[dst][t], max(k.size(t, newB, newS), 1))
		if c1 <= c0 {
			continue
		}
		from, to := k.buf[k.cur][t], k.buf[dst][t]
		for p := 0; p < c.planes; p++ {
			for nb, ob := range keep {
				for h := 0; h < H; h++ {
					src := (((p*oldB+ob)*H+h)*oldS + c0) * cb
					d := (((p*newB+nb)*H+h)*newS + c0 + shift) * cb
					copy(to[d:d+(c1-c0)*cb], from[src:src+(c1-c0)*cb])
				}
			}
		}
	}
	k.cur = dst
}

// writeRow copies a prefilled prompt's cache into row b (of B rows, S columns) of the current
// set, starting at column at.
func (k *kvBuffers) writeRow(b, B, S, at int, pc *promptCache) {
	cb := k.colBytes()
	H := k.m.info.KVHeads
	n := pc.n * cb
	for t, c := range k.m.cache {
		to := k.buf[k.cur][t]
		for p := 0; p < c.planes; p++ {
			for h := 0; h < H; h++ {
				src := (p*H + h) * n
				d := (((p*B+b)*H+h)*S + at) * cb
				copy(to[d:d+n], pc.kv[t][src:src+n])
			}
		}
	}
}

// reserve allocates both buffer sets for B rows of up to cols columns at once, when that
// takes at most limit bytes in all, so decoding never reallocates; beyond that the buffers grow
// as the sequences do. A shared cache gets its one set, as many columns as fit in limit (at
// least 64), and grows later by ensureCapacity.
func (k *kvBuffers) reserve(B, cols int, limit int64) {
	var total int64
	for t := range k.m.cache {
		total += 2 * int64(k.size(t, B, cols))
	}
	if k.shared {
		perCol := total / 2 / int64(cols)
		k.capacity = int(min(int64(cols), max(64, limit/max(perCol, 1))))
		for t := range k.m.cache {
			k.buf[0][t] = grow(k.buf[0][t], k.size(t, B, k.capacity))
		}
		return
	}
	if total > limit {
		return
	}
	for set := range k.buf {
		for t := range k.m.cache {
			if n := k.size(t, B, cols); cap(k.buf[set][t]) < n {
				k.buf[set][t] = make([]byte, n)
			}
		}
	}
}
