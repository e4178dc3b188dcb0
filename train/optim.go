package train

import (
	"math"

	"github.com/mirage-rl/mirage/train/arch"
	"github.com/mirage-rl/mirage/train/model"
)

// Schedule names for SFTConfig.Schedule.
const (
	ScheduleCosine   = "cosine"
	ScheduleConstant = "constant"
)

// LearningRate is the rate of optimizer step `step` (0-based) of `total`: a linear warm-up from
// peak/warmup to peak over the first `warmup` steps, then either constant or a cosine decay
// from peak to minRatio·peak at the last step.
func LearningRate(step, total, warmup int, peak, minRatio float64, schedule string) float64 {
	if step < warmup {
		return peak * float64(step+1) / float64(warmup)
	}
	if schedule == ScheduleConstant || total-warmup <= 1 {
		return peak
	}
	progress := float64(step-warmup) / float64(total-warmup-1) // 0 → 1
	return peak * (minRatio + (1-minRatio)*0.5*(1+math.Cos(math.Pi*progress)))
}

// GlobalNorm is the L2 norm of all gradients together, summed in name order so that it is
// bit-for-bit reproducible (a resumed run must clip exactly as the original did).
func GlobalNorm(grads model.Weights) float64 {
	var ss float64
	for _, name := range arch.SortedNames(grads) {
		for _, v := range grads[name].Data {
			ss += float64(v) * float64(v)
		}
	}
	return math.Sqrt(ss)
}

// clipGlobalNorm scales grads so their global norm is at most maxNorm (≤ 0: no clipping) and
// returns the norm before clipping.
func clipGlobalNorm(grads model.Weights, maxNorm float64) float64 {
	norm := GlobalNorm(grads)
	if maxNorm > 0 && norm > maxNorm {
		scale := float32(maxNorm / (norm + 1e-6))
		for _, g := range grads {
			for i := range g.Data {
				g.Data[i] *= scale
			}
		}
	}
	return norm
}

// AdamW is Adam with decoupled weight decay (Loshchilov & Hutter 2019), as torch.optim.AdamW
// computes it:
//
//	w ← w·(1 − lr·λ)                       (only for decayed parameters)
//	m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²
//	w ← w − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε)
//
// Parameters with one axis (RMSNorm gains, biases) are never decayed. M and V are the moment
// estimates by parameter name and Step the number of updates made; all three are checkpointed.
type AdamW struct {
	Beta1, Beta2, Eps, WeightDecay float64
	Step                           int
	M, V                           map[string][]float32
}

// NewAdamW returns an optimizer with zero moments for the parameters of w.
func NewAdamW(w model.Weights, beta1, beta2, eps, weightDecay float64) *AdamW {
	o := &AdamW{Beta1: beta1, Beta2: beta2, Eps: eps, WeightDecay: weightDecay,
		M: map[string][]float32{}, V: map[string][]float32{}}
	for name, t := range w {
		o.M[name] = make([]float32, len(t.Data))
		o.V[name] = make([]float32, len(t.Data))
	}
	return o
}

// Update applies one step with learning rate lr to w in place.
func (o *AdamW) Update(w, grads model.Weights, lr float64) {
	o.Step++
	bc1 := 1 - math.Pow(o.Beta1, float64(o.Step))
	bc2 := math.Sqrt(1 - math.Pow(o.Beta2, float64(o.Step)))
	b1, b2 := float32(o.Beta1), float32(o.Beta2)
	stepSize, eps := float32(lr/bc1), float32(o.Eps)
	for name, t := range w {
		g, m, v := grads[name].Data, o.M[name], o.V[name]
		decay := float32(1)
		if len(t.Shape) > 1 {
			decay = float32(1 - lr*o.WeightDecay)
		}
		for i, x := range t.Data {
			m[i] = b1*m[i] + (1-b1)*g[i]
			v[i] = b2*v[i] + (1-b2)*g[i]*g[i]
			denom := float32(math.Sqrt(float64(v[i])))/float32(bc2) + eps
			t.Data[i] = x*decay - stepSize*m[i]/denom
		}
	}
}
