package sampler

import (
	"fmt"
	"math"
	"sync"
	"unsafe"
)

// Choice is how one token is drawn from a row of logits. The zero value is greedy.
//
// With Temperature > 0 the logits are divided by it, then the candidates are cut in this
// order: TopK keeps the K most likely tokens, TopP keeps the smallest most-likely set whose
// probability reaches P (renormalised after top-k), MinP keeps tokens at least MinP times as
// likely as the most likely one. Tokens tied with a cut-off are kept. One token is then drawn
// from what is left in proportion to its probability, by inverse CDF over token ids with one
// uniform number: the same number always gives the same token.
type Choice struct {
	Temperature float64 // 0: greedy (argmax)
	TopK        int     // 0: off
	TopP        float64 // 0 or 1: off
	MinP        float64 // 0: off
}

// choiceScratch is per-worker memory for choose, reused across rows and steps.
type choiceScratch struct {
	f32  []float32 // logits converted from float16
	w    []float32 // exp(z - max) per token
	cand []float32 // candidates for top-k and top-p selection
}

// NonFiniteError reports NaN or +Inf logits: a broken model or numeric overflow (fp16).
type NonFiniteError struct {
	Token int     // first offending vocabulary index
	Value float32 // its logit
}

func (e *NonFiniteError) Error() string {
	return fmt.Sprintf("sampler: the model produced a non-finite logit (%v at token %d); the model or its fp16 weights are broken", e.Value, e.Token)
}

// choose picks a token from logits (model output for one position) with uniform number u in
// [0,1). It returns the token, its log-probability under the model's own distribution
// (log-softmax of the raw logits) and under the sampling policy before truncation
// (log-softmax(logits/Temperature); the first again when greedy or at temperature 1). -Inf
// logits mean probability 0; NaN and +Inf are errors.
func (c Choice) choose(logits []float32, u float64, sc *choiceScratch) (tok int, lp, policyLP float64, err error) {
	maxv, arg := float32(math.Inf(-1)), -1
	for i, v := range logits {
		if v != v || v > math.MaxFloat32 {
			return 0, 0, 0, &NonFiniteError{Token: i, Value: v}
		}
		if v > maxv {
			maxv, arg = v, i
		}
	}
	if arg < 0 {
		return 0, 0, 0, &NonFiniteError{Token: 0, Value: logits[0]}
	}
	if cap(sc.w) < len(logits) {
		sc.w = make([]float32, len(logits))
		sc.cand = make([]float32, len(logits))
	}
	w := sc.w[:len(logits)]
	// w = exp(l - max); its sum gives the log-normaliser.
	sum := expShifted(w, logits, maxv, 1)
	lse := float64(maxv) + math.Log(sum)
	if c.Temperature <= 0 {
		lp = float64(logits[arg]) - lse
		return arg, lp, lp, nil
	}
	policyLSE := lse
	inv := float32(1)
	if c.Temperature != 1 {
		inv = float32(1 / c.Temperature)
		sum = expShifted(w, logits, maxv, inv)
		policyLSE = math.Log(sum) // of (l - max)/T
	}
	logprobs := func(tok int) (int, float64, float64, error) {
		lp := float64(logits[tok]) - lse
		if c.Temperature == 1 {
			return tok, lp, lp, nil
		}
		return tok, lp, float64((logits[tok]-maxv)*inv) - policyLSE, nil
	}
	// Every cut is a threshold on w (max w is exactly 1). The selections first try the tokens
	// with w >= prefilterW, usually few: when those alone hold the k tokens or the top-p mass,
	// the cut-off is among them (exactly), and the full vocabulary is not touched again.
	thresh := float32(0)
	kept := sum // the mass of the tokens with w >= thresh
	if c.TopK > 0 && c.TopK < len(w) {
		cand := collect(sc.cand[:0], w, prefilterW)
		if len(cand) < c.TopK {
			cand = collect(sc.cand[:0], w, 0)
		}
		thresh = kthLargest(cand, c.TopK)
		kept = massAbove(w, thresh)
	}
	if c.TopP > 0 && c.TopP < 1 {
		target := c.TopP * kept
		cand := collect(sc.cand[:0], w, max(thresh, prefilterW))
		var cm float64
		for _, x := range cand {
			cm += float64(x)
		}
		if cm < target {
			cand = collect(sc.cand[:0], w, thresh)
		}
		thresh = max(thresh, massThreshold(cand, target))
		kept = massAbove(w, thresh)
	}
	if c.MinP > 0 && float32(c.MinP) > thresh {
		thresh = float32(c.MinP)
		kept = massAbove(w, thresh)
	}
	r := u * kept
	tok = arg
	var acc float64
	for i, x := range w {
		if x >= thresh && x > 0 {
			acc += float64(x)
			tok = i
			if acc > r {
				break
			}
		}
	}
	return logprobs(tok)
}

// massAbove is the sum of the values of w that are >= thresh.
func massAbove(w []float32, thresh float32) float64 {
	var m float64
	for _, x := range w {
		if x >= thresh {
			m += float64(x)
		}
	}
	return m
}

// expShifted sets w[i] = exp((logits[i] - maxv)·scale), for logits <= maxv and scale > 0, and
// returns their sum: the sampler takes V exponentials per row per step. The exponential is
// written out in the loop (as a function it was not inlined) and summed in two partial sums (one
// float64 sum serialised the loop). Arguments below -87.3 give 0 (float32 underflow), so -Inf
// logits have probability 0; elsewhere it is accurate to ~2 ulp.
func expShifted(w, logits []float32, maxv, scale float32) float64 {
	w = w[:len(logits)]
	var s0, s1 float64
	for i, v := range logits {
		x := (v - maxv) * scale
		e := float32(0)
		if x >= -87.3 {
			// x = n·ln2 + r with n = round(x·log2e): adding 1.5·2²³ rounds to an integer in
			// float32 arithmetic, with n in the low mantissa bits (shorter than float→int→float).
			t := x*log2e + roundMagic
			n := t - roundMagic
			r := x - n*ln2hi - n*ln2lo
			// exp(r) on |r| <= ln2/2: Cephes expf's degree-6 minimax polynomial, evaluated by
			// Estrin's scheme (half the dependent steps of Horner's).
			r2 := r * r
			q := (5.0000001201e-1 + 1.6666665459e-1*r) +
				r2*((4.1665795894e-2+8.3334519073e-3*r)+r2*(1.3981999507e-3+1.9875691500e-4*r))
			e = (1 + r + r2*q) * math.Float32frombits((math.Float32bits(t)+127)<<23)
		}
		w[i] = e
		if i&1 == 0 {
			s0 += float64(e)
		} else {
			s1 += float64(e)
		}
	}
	return s0 + s1
}

// prefilterW is the weight (probability relative to the most likely token) above which the
// top-k and top-p selections look first.
const prefilterW = 1e-3

// collect appends the positive values of w that are >= min to dst.
func collect(dst, w []float32, min float32) []float32 {
	for _, x := range w {
		if x >= min && x > 0 {
			dst = append(dst, x)
		}
	}
	return dst
}

// kthLargest returns the k-th largest value of v (1-based), reordering v.
func kthLargest(v []float32, k int) float32 {
	lo, hi := 0, len(v)-1
	want := k - 1 // index in descending order
	for lo < hi {
		p := median3(v[lo], v[(lo+hi)/2], v[hi])
		i, j := lo, hi
		for i <= j {
			for v[i] > p {
				i++
			}
			for v[j] < p {
				j--
			}
			if i <= j {
				v[i], v[j] = v[j], v[i]
				i++
				j--
			}
		}
		switch {
		case want <= j:
			hi = j
		case want >= i:
			lo = i
		default:
			return v[want]
		}
	}
	return v[want]
}

// massThreshold returns the largest t such that the values >= t sum to at least target: the
// cut-off of the nucleus. It reorders v, which must hold the positive candidates.
func massThreshold(v []float32, target float64) float32 {
	for len(v) > 1 {
		p := median3(v[0], v[len(v)/2], v[len(v)-1])
		// Three-way partition: [> p | == p | < p].
		gt, i, lt := 0, 0, len(v)
		for i < lt {
			switch {
			case v[i] > p:
				v[gt], v[i] = v[i], v[gt]
				gt++
				i++
			case v[i] < p:
				lt--
				v[lt], v[i] = v[i], v[lt]
			default:
				i++
			}
		}
		var sg float64
		for _, x := range v[:gt] {
			sg += float64(x)
		}
		if sg >= target && gt > 0 {
			v = v[:gt]
			continue
		}
		se := float64(p) * float64(lt-gt)
		if sg+se >= target || lt == len(v) {
			return p
		}
		target -= sg + se
		v = v[lt:]
	}
	if len(v) == 1 {
		return v[0]
	}
	return 0
}

func median3(a, b, c float32) float32 {
	if a > b {
		a, b = b, a
	}
	if b > c {
		b = c
	}
	if a > b {
		return a
	}
	return b
}

// Constants of expShifted's range reduction: x = n·ln2 + r, ln2 split in two for precision, and
// 1.5·2²³, which float32 addition rounds to integers at.
const (
	log2e      = 1.44269504088896341
	ln2hi      = 0.693359375
	ln2lo      = -2.12194440e-4
	roundMagic = 12582912
)

var halfTable struct {
	once sync.Once
	t    []float32
}

// halfToFloat converts IEEE float16 values (raw bits, little-endian bytes) into dst.
func halfToFloat(dst []float32, src []byte) {
	halfTable.once.Do(func() {
		halfTable.t = make([]float32, 1<<16)
		for i := range halfTable.t {
			halfTable.t[i] = halfBits(uint16(i))
		}
	})
	t := halfTable.t
	h := unsafe.Slice((*uint16)(unsafe.Pointer(unsafe.SliceData(src))), len(src)/2)
	for i, x := range h[:len(dst)] {
		dst[i] = t[x]
	}
}

// halfBits decodes one float16.
func halfBits(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	man := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf, NaN
		return math.Float32frombits(sign | 0xff<<23 | man<<13)
	case exp == 0 && man == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: normalise
		e := uint32(127 - 15 + 1)
		for man&0x400 == 0 {
			man <<= 1
			e--
		}
		return math.Float32frombits(sign | e<<23 | (man&0x3ff)<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | man<<13)
}

// asFloat32 views a byte buffer of float32 values.
func asFloat32(b []byte) []float32 {
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/4)
}
