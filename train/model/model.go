// Package model is mirage's Llama / Qwen2 decoder in GoMLX, built from an arch.Config with
// Hugging Face weight names, for training on CPU (the pure-Go simplego backend) or XLA.
//
// The graph functions (Forward, TokenLogProbs, MaskedNLL) read like the math, one op per line
// with a shape comment. Model compiles them once per batch shape and runs them on plain Go
// weights (map[string]*arch.Tensor), so the optimizer, checkpoints and the ONNX export all work
// on the same float32 slices and nothing lives only inside the backend.
//
// Graph building panics (GoMLX's style); Model's exported methods turn those panics into errors.
// Model is safe for concurrent use; compiled graphs are freed by Close.
package model

import (
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/mirage-rl/mirage/train/arch"
	"github.com/mirage-rl/mirage/train/gomlxfix"
)

// Weights are a model's parameters by HF name.
type Weights = map[string]*arch.Tensor

// Batch is one batch of equal-length rows for the loss: the inputs IDs, the next-token Targets
// and a Mask that is 1 where the target is scored (response tokens) and 0 elsewhere (prompt,
// padding). All three are [B][T]. The mask may hold any per-token weights: with advantages in
// it, LossAndGrads returns the policy gradient −Σ A·∇log p of REINFORCE / GRPO.
type Batch struct {
	IDs, Targets [][]int
	Mask         [][]float32
	// Temperature, when > 0 and not 1, divides the logits before the log-softmax (the sampling
	// policy of an RL run); Logits ignores it.
	Temperature float64
	// EntropyWeight, if set ([B][T]), adds −Σ EntropyWeight·H to LossAndGrads' loss, H the
	// per-token entropy of the (tempered) distribution: an entropy bonus.
	EntropyWeight [][]float32
}

// Model runs the decoder of one config on one backend.
type Model struct {
	cfg     arch.Config
	names   []string // parameter names in graph-parameter order (sorted)
	shapes  map[string][]int
	backend backends.Backend

	mu     sync.Mutex
	graphs map[graphKey]*graph.Graph
}

type graphKind int

const (
	kindLogits graphKind = iota
	kindLogProbs
	kindLossGrads
	kindLogProbsEntropy
)

type graphKey struct {
	kind    graphKind
	b, t    int
	temp    float64 // 0: none
	entropy bool    // the loss has an entropy term
	stats   bool    // the loss+gradient graph also outputs the log-probs and entropies
}

func keyOf(kind graphKind, b, t int, batch Batch) graphKey {
	k := graphKey{kind: kind, b: b, t: t, entropy: batch.EntropyWeight != nil && kind == kindLossGrads}
	if batch.Temperature > 0 && batch.Temperature != 1 {
		k.temp = batch.Temperature
	}
	return k
}

// New returns a Model for cfg (defaults applied, validated) on backend.
func New(backend backends.Backend, cfg arch.Config) (*Model, error) {
	cfg = cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	gomlxfix.Install()
	shapes := arch.ParamShapes(cfg)
	return &Model{
		cfg:     cfg,
		names:   arch.SortedNames(shapes),
		shapes:  shapes,
		backend: backend,
		graphs:  map[graphKey]*graph.Graph{},
	}, nil
}

// Config returns the model's config (with defaults applied).
func (m *Model) Config() arch.Config { return m.cfg }

// ParamNames returns the parameter names in a fixed (sorted) order.
func (m *Model) ParamNames() []string { return slices.Clone(m.names) }

// Close frees the compiled graphs.
func (m *Model) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, g := range m.graphs {
		g.Finalize()
		delete(m.graphs, k)
	}
}

// Logits returns the logits [B][T][V] of equal-length rows of ids.
func (m *Model) Logits(w Weights, ids [][]int) ([][][]float32, error) {
	b, t, err := m.checkIDs("ids", ids)
	if err != nil {
		return nil, err
	}
	outs, err := m.run(graphKey{kind: kindLogits, b: b, t: t}, w, intTensor(ids, b, t))
	if err != nil {
		return nil, err
	}
	flat := tensors.MustCopyFlatData[float32](outs[0])
	finalize(outs)
	v := m.cfg.VocabSize
	logits := make([][][]float32, b)
	for i := range logits {
		logits[i] = make([][]float32, t)
		for j := range logits[i] {
			logits[i][j] = flat[(i*t+j)*v : (i*t+j+1)*v]
		}
	}
	return logits, nil
}

// TokenLogProbs returns log p(Targets[b][t] | IDs[b][≤t]) [B][T]; the batch's Mask is ignored.
func (m *Model) TokenLogProbs(w Weights, batch Batch) ([][]float32, error) {
	b, t, err := m.checkBatch(batch)
	if err != nil {
		return nil, err
	}
	outs, err := m.run(keyOf(kindLogProbs, b, t, batch), w, intTensor(batch.IDs, b, t), intTensor(batch.Targets, b, t))
	if err != nil {
		return nil, err
	}
	defer finalize(outs)
	return rows(outs[0], b, t), nil
}

// TokenLogProbsEntropy returns TokenLogProbs and the entropy of each position's next-token
// distribution [B][T], both under batch.Temperature; the Mask is ignored.
func (m *Model) TokenLogProbsEntropy(w Weights, batch Batch) (logProbs, entropy [][]float32, err error) {
	b, t, err := m.checkBatch(batch)
	if err != nil {
		return nil, nil, err
	}
	outs, err := m.run(keyOf(kindLogProbsEntropy, b, t, batch), w, intTensor(batch.IDs, b, t), intTensor(batch.Targets, b, t))
	if err != nil {
		return nil, nil, err
	}
	defer finalize(outs)
	return rows(outs[0], b, t), rows(outs[1], b, t), nil
}

// rows copies a [B, T] float32 tensor into B rows.
func rows(x *tensors.Tensor, b, t int) [][]float32 {
	flat := tensors.MustCopyFlatData[float32](x)
	out := make([][]float32, b)
	for i := range out {
		out[i] = flat[i*t : (i+1)*t]
	}
	return out
}

// LossAndGrads returns the summed negative log-likelihood of the masked targets and its gradient
// with respect to every weight (same names and shapes as w). Divide both by the number of masked
// tokens for the mean loss.
func (m *Model) LossAndGrads(w Weights, batch Batch) (float64, Weights, error) {
	loss, grads, _, _, err := m.lossAndGrads(w, batch, false)
	return loss, grads, err
}

// LossGradsAndStats is LossAndGrads that also returns, from the same pass, what
// TokenLogProbsEntropy would: the log-probs and entropies [B][T] of the batch's targets. An RL
// update whose mask does not depend on them (the first update of a step) gets the policy's
// recomputed log-probs for free.
func (m *Model) LossGradsAndStats(w Weights, batch Batch) (loss float64, grads Weights, logProbs, entropy [][]float32, err error) {
	return m.lossAndGrads(w, batch, true)
}

func (m *Model) lossAndGrads(w Weights, batch Batch, stats bool) (float64, Weights, [][]float32, [][]float32, error) {
	b, t, err := m.checkBatch(batch)
	if err != nil {
		return 0, nil, nil, nil, err
	}
	key := keyOf(kindLossGrads, b, t, batch)
	key.stats = stats
	extra := []*tensors.Tensor{intTensor(batch.IDs, b, t), intTensor(batch.Targets, b, t), floatTensor(batch.Mask, b, t)}
	if key.entropy {
		if r, c, err := rect("entropy weight", batch.EntropyWeight); err != nil {
			return 0, nil, nil, nil, err
		} else if r != b || c != t {
			return 0, nil, nil, nil, fmt.Errorf("model: entropy weight is %d×%d, ids %d×%d", r, c, b, t)
		}
		extra = append(extra, floatTensor(batch.EntropyWeight, b, t))
	}
	outs, err := m.run(key, w, extra...)
	if err != nil {
		return 0, nil, nil, nil, err
	}
	defer finalize(outs)
	loss := float64(tensors.ToScalar[float32](outs[0]))
	var logProbs, entropy [][]float32
	if stats {
		logProbs, entropy = rows(outs[1], b, t), rows(outs[2], b, t)
		outs = outs[2:]
	}
	grads := make(Weights, len(m.names))
	for i, name := range m.names {
		grads[name] = &arch.Tensor{Shape: slices.Clone(m.shapes[name]), Data: tensors.MustCopyFlatData[float32](outs[1+i])}
	}
	return loss, grads, logProbs, entropy, nil
}

// run executes the graph for key with the weights followed by the extra inputs.
func (m *Model) run(key graphKey, w Weights, extra ...*tensors.Tensor) (outs []*tensors.Tensor, err error) {
	if err := arch.CheckWeights(m.cfg, w); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	inputs := make([]any, 0, len(m.names)+len(extra))
	for _, name := range m.names {
		inputs = append(inputs, tensors.FromFlatDataAndDimensions(w[name].Data, w[name].Shape...))
	}
	for _, t := range extra {
		inputs = append(inputs, t)
	}
	defer func() {
		for _, in := range inputs {
			_ = in.(*tensors.Tensor).FinalizeAll()
		}
	}()
	g, err := m.graph(key)
	if err != nil {
		return nil, err
	}
	err = catch(func() { outs = g.Run(inputs...) })
	if err != nil {
		return nil, fmt.Errorf("model: running %s graph for batch %d×%d: %w", key.kind, key.b, key.t, err)
	}
	return outs, nil
}

// graph returns the compiled graph for key, building it on first use.
func (m *Model) graph(key graphKey) (*graph.Graph, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if g, ok := m.graphs[key]; ok {
		return g, nil
	}
	g := graph.NewGraph(m.backend, fmt.Sprintf("%s_%dx%d", key.kind, key.b, key.t))
	err := catch(func() {
		p := make(Params, len(m.names))
		var weights []*graph.Node
		for _, name := range m.names {
			p[name] = graph.Parameter(g, name, paramShape(m.shapes[name]))
			weights = append(weights, p[name])
		}
		tokens := shapes.Make(dtypes.Int32, key.b, key.t)
		ids := graph.Parameter(g, "ids", tokens)
		logits := Forward(m.cfg, p, ids) // [B, T, V]
		if key.kind == kindLogits {
			g.Compile(logits)
			return
		}
		if key.temp != 0 {
			logits = graph.MulScalar(logits, 1/key.temp) // [B, T, V]
		}
		targets := graph.Parameter(g, "targets", tokens)
		logProbs := TokenLogProbs(logits, targets) // [B, T]
		switch key.kind {
		case kindLogProbs:
			g.Compile(logProbs)
			return
		case kindLogProbsEntropy:
			g.Compile(logProbs, TokenEntropy(logits))
			return
		}
		perToken := shapes.Make(dtypes.Float32, key.b, key.t)
		mask := graph.Parameter(g, "mask", perToken)
		loss := MaskedNLL(logProbs, mask) // []
		if key.entropy {
			weight := graph.Parameter(g, "entropy_weight", perToken)
			loss = graph.Sub(loss, graph.ReduceAllSum(graph.Mul(TokenEntropy(logits), weight))) // []
		}
		outputs := []*graph.Node{loss}
		if key.stats {
			outputs = append(outputs, logProbs, TokenEntropy(logits))
		}
		g.Compile(append(outputs, graph.Gradient(loss, weights...)...)...)
	})
	if err != nil {
		g.Finalize()
		return nil, fmt.Errorf("model: building %s graph for batch %d×%d: %w", key.kind, key.b, key.t, err)
	}
	m.graphs[key] = g
	return g, nil
}

func (k graphKind) String() string {
	return [...]string{"logits", "log-probs", "loss+gradient", "log-probs+entropy"}[k]
}

func (m *Model) checkBatch(b Batch) (rows, cols int, err error) {
	rows, cols, err = m.checkIDs("ids", b.IDs)
	if err != nil {
		return 0, 0, err
	}
	if r, c, err := m.checkIDs("targets", b.Targets); err != nil {
		return 0, 0, err
	} else if r != rows || c != cols {
		return 0, 0, fmt.Errorf("model: targets are %d×%d, ids %d×%d", r, c, rows, cols)
	}
	if b.Mask != nil {
		if r, c, err := rect("mask", b.Mask); err != nil {
			return 0, 0, err
		} else if r != rows || c != cols {
			return 0, 0, fmt.Errorf("model: mask is %d×%d, ids %d×%d", r, c, rows, cols)
		}
	}
	return rows, cols, nil
}

// checkIDs checks that ids is a rectangle of in-vocabulary token ids.
func (m *Model) checkIDs(what string, ids [][]int) (int, int, error) {
	b, t, err := rect(what, ids)
	if err != nil {
		return 0, 0, err
	}
	for i, row := range ids {
		for j, id := range row {
			if id < 0 || id >= m.cfg.VocabSize {
				return 0, 0, fmt.Errorf("model: %s[%d][%d] = %d, want a token id in [0, %d)", what, i, j, id, m.cfg.VocabSize)
			}
		}
	}
	return b, t, nil
}

// rect checks that rows is a non-empty rectangle and returns its size.
func rect[T any](what string, rows [][]T) (int, int, error) {
	if len(rows) == 0 || len(rows[0]) == 0 {
		return 0, 0, fmt.Errorf("model: %s: empty batch", what)
	}
	for i, r := range rows {
		if len(r) != len(rows[0]) {
			return 0, 0, fmt.Errorf("model: %s: row %d has %d tokens, row 0 has %d (pad rows to one length)", what, i, len(r), len(rows[0]))
		}
	}
	return len(rows), len(rows[0]), nil
}

func intTensor(rows [][]int, b, t int) *tensors.Tensor {
	flat := make([]int32, 0, b*t)
	for _, r := range rows {
		for _, id := range r {
			flat = append(flat, int32(id))
		}
	}
	return tensors.FromFlatDataAndDimensions(flat, b, t)
}

func floatTensor(rows [][]float32, b, t int) *tensors.Tensor {
	flat := make([]float32, 0, b*t)
	for _, r := range rows {
		flat = append(flat, r...)
	}
	return tensors.FromFlatDataAndDimensions(flat, b, t)
}

func finalize(ts []*tensors.Tensor) {
	for _, t := range ts {
		_ = t.FinalizeAll()
	}
}

// catch turns a panic of GoMLX graph code into an error.
func catch(fn func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				err = e
			} else {
				err = errors.New(fmt.Sprint(r))
			}
		}
	}()
	fn()
	return nil
}
