package train

import (
	"math"
	"testing"

	"github.com/mirage-rl/mirage/train/arch"
	"github.com/mirage-rl/mirage/train/model"
)

// TestPolicyGradientChain checks the chain the update uses — per-token ∂loss/∂log p from
// PolicyLoss.Token, passed as LossAndGrads' mask — against a central finite difference of the
// aggregated clipped loss along a random direction in weight space, with the ratio off 1 (the
// old log-probs shifted) so that clipped, dual-clipped and free tokens all occur.
func TestPolicyGradientChain(t *testing.T) {
	m := newSynthModel(t)
	cfg := m.Config()
	w := arch.RandomWeights(cfg, 21)
	seqs := [][]int{{synthBOS, 1, synthSEP, synthOpen, 3, synthClose, synthEOS}, {synthBOS, 2, synthSEP, synthOpen, 0, synthClose, synthEOS}}
	start, n := 2, 4
	adv := []float64{1.5, -2}
	shift := []float64{0.4, -0.3, 0.05, 2.5} // old = logp(w) − shift: ratios e^shift
	loss := PolicyLoss{ClipLow: 0.2, ClipHigh: 0.28, ClipC: 3, KLCoef: 0.1, KLType: KLK3}
	batch := model.Batch{}
	for _, s := range seqs {
		batch.IDs = append(batch.IDs, s[:len(s)-1])
		batch.Targets = append(batch.Targets, s[1:])
	}
	lp0, err := m.TokenLogProbs(w, batch)
	if err != nil {
		t.Fatal(err)
	}
	weights, _ := tokenWeights(AggSeqMeanTokenMean, []int{n, n})
	total := func(w model.Weights) (float64, [][]float32) {
		lp, err := m.TokenLogProbs(w, batch)
		if err != nil {
			t.Fatal(err)
		}
		var l float64
		mask := make([][]float32, len(seqs))
		kinds := map[string]bool{}
		for i := range seqs {
			mask[i] = make([]float32, len(batch.IDs[i]))
			for k := range n {
				p := start + k
				old := float64(lp0[i][p]) - shift[k]
				tl := loss.Token(float64(lp[i][p]), old, old-0.2, adv[i], 1)
				l += weights[i] * tl.Loss
				mask[i][p] = float32(-weights[i] * tl.Grad)
				kinds[map[bool]string{true: "clip", false: "free"}[tl.Clipped]+map[bool]string{true: "+dual", false: ""}[tl.DualClipped]] = true
			}
		}
		if len(kinds) < 3 {
			t.Fatalf("want free, clipped and dual-clipped tokens; got %v", kinds)
		}
		return l, mask
	}
	_, mask := total(w)
	batch.Mask = mask
	_, grads, err := m.LossAndGrads(w, batch)
	if err != nil {
		t.Fatal(err)
	}
	// Direction: the gradient itself (normalised), so the derivative is large against noise.
	norm := GlobalNorm(grads)
	const h = 1e-2
	plus, _ := total(moved(w, grads, h))
	minus, _ := total(moved(w, grads, -h))
	fd := (plus - minus) / (2 * h)
	t.Logf("directional derivative: analytic %.6g, finite difference %.6g", norm, fd)
	if math.Abs(fd-norm) > 0.02*norm {
		t.Errorf("directional derivative along the gradient: analytic %.6g, finite difference %.6g", norm, fd)
	}
}

// TestEntropyBonusGradient checks LossAndGrads' entropy term (Batch.EntropyWeight, the
// --entropy-coef bonus) at temperature 0.8: with a zero mask the loss is −Σ weight·H, and its
// gradient along itself must match a central finite difference of −Σ weight·H computed from
// TokenLogProbsEntropy.
func TestEntropyBonusGradient(t *testing.T) {
	m := newSynthModel(t)
	w := arch.RandomWeights(m.Config(), 8)
	seq := []int{synthBOS, 4, synthSEP, synthOpen, 7, synthClose, synthEOS}
	batch := model.Batch{IDs: [][]int{seq[:6]}, Targets: [][]int{seq[1:]}, Mask: [][]float32{make([]float32, 6)},
		EntropyWeight: [][]float32{{0, 0, 0.5, 1, 1, 0.25}}, Temperature: 0.8}
	bonus := func(w model.Weights) float64 {
		_, ent, err := m.TokenLogProbsEntropy(w, batch)
		if err != nil {
			t.Fatal(err)
		}
		var s float64
		for i, h := range ent[0] {
			s -= float64(batch.EntropyWeight[0][i]) * float64(h)
		}
		return s
	}
	loss, grads, err := m.LossAndGrads(w, batch)
	if err != nil {
		t.Fatal(err)
	}
	if b := bonus(w); math.Abs(loss-b) > 1e-5*math.Abs(b) {
		t.Errorf("loss %.7g, −Σ weight·H %.7g", loss, b)
	}
	norm := GlobalNorm(grads)
	const h = 1e-2
	fd := (bonus(moved(w, grads, h)) - bonus(moved(w, grads, -h))) / (2 * h)
	if math.Abs(fd-norm) > 0.02*norm {
		t.Errorf("directional derivative along the gradient: analytic %.6g, finite difference %.6g", norm, fd)
	}
}

// moved returns w + t·dir/|dir| (a step of length t along dir).
func moved(w, dir model.Weights, t float64) model.Weights {
	norm := GlobalNorm(dir)
	out := cloneWeights(w)
	for name, g := range dir {
		for i, v := range g.Data {
			out[name].Data[i] += float32(t * float64(v) / norm)
		}
	}
	return out
}
