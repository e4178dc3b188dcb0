package sampler

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

// Format is the kind of model folder Open recognised.
type Format string

// The model folders Open accepts.
const (
	// FormatOptimum is an HF optimum decoder-with-past export (config.json, inputs
	// past_key_values.N.key|value, outputs present.N.key|value). Models mirage writes use it.
	FormatOptimum Format = "optimum"
	// FormatGenAI is an onnxruntime-genai builder folder (genai_config.json names the inputs
	// and outputs). GroupQueryAttention models among them need right padding.
	FormatGenAI Format = "genai"
	// FormatGPT2 is the older GPT-2 export with one combined cache tensor per layer:
	// past_N of shape [2, batch, heads, past, head_size] → present_N.
	FormatGPT2 Format = "gpt2-combined"
)

// ModelOptions configures Open. The zero value runs on the CPU with ONNX Runtime's default
// thread count.
type ModelOptions struct {
	// Device is "cpu" (default) or "cuda". CUDA appends ONNX Runtime's CUDA execution provider,
	// which needs a CUDA build of the library ($MIRAGE_ORT_LIB); without one Open fails.
	Device string
	// DeviceID selects the GPU for Device "cuda".
	DeviceID int
	// Threads is ONNX Runtime's intra-op thread count on the CPU; 0 keeps its default (one per
	// physical core).
	Threads int
}

// Validate reports the first option outside its range, naming it by the mirage flag that sets
// it (--device, --threads): Open refuses such options before it touches the folder.
func (o ModelOptions) Validate() error {
	switch {
	case !slices.Contains([]string{"", "cpu", "cuda"}, strings.ToLower(o.Device)):
		return fmt.Errorf("sampler: unknown device %q (want cpu or cuda)", o.Device)
	case o.DeviceID < 0:
		return fmt.Errorf("sampler: device id %d; want 0 (the first GPU) or more", o.DeviceID)
	case o.Threads < 0:
		return fmt.Errorf("sampler: --threads %d; want 0 (one per core) or more", o.Threads)
	}
	return nil
}

// ModelInfo describes an opened model.
type ModelInfo struct {
	Dir    string `json:"dir"`  // the folder
	File   string `json:"file"` // the ONNX file inside it
	Format Format `json:"format"`

	Inputs  []string `json:"inputs"`  // graph inputs as "name dtype [dims]"
	Outputs []string `json:"outputs"` // graph outputs, likewise

	Layers        int    `json:"layers"`
	Heads         int    `json:"heads"`
	KVHeads       int    `json:"kv_heads"`
	HeadSize      int    `json:"head_size"`
	Hidden        int    `json:"hidden"`         // hidden size, when a config names it
	CacheType     string `json:"cache_type"`     // element type of the KV cache: "float32" or "float16"
	LogitsType    string `json:"logits_type"`    // element type of the logits
	Vocab         int    `json:"vocab"`          // size of the logits' last dimension
	ContextLength int    `json:"context_length"` // longest sequence the model takes (prompt + completion)
	EOS           []int  `json:"eos"`            // stop token ids from the folder's config files
	BOS           int    `json:"bos"`            // -1 when the config does not say
	Pad           int    `json:"pad"`            // -1 when the config does not say
	PositionIDs   bool   `json:"position_ids"`   // the graph takes position_ids (else it must derive them from attention_mask)
	RightPadding  bool   `json:"right_padding"`  // GroupQueryAttention: sequences must be right-padded
	// SharedKVCache: every past input feeds a GroupQueryAttention node whose present output is the
	// matching graph output, so Generate keeps one preallocated cache buffer per tensor, binds it as
	// both past and present, and ONNX Runtime appends each new column in place (no per-step copy of
	// the cache), with each row's attention as long as its own sequence.
	SharedKVCache bool `json:"shared_kv_cache"`
	// QuantizedWeights: the graph multiplies by block-quantised weights (com.microsoft.MatMulNBits,
	// as mirage export --dtype int4|int8 and onnxruntime-genai's int4 builds write); Params then
	// counts their packed codes and scales, not weights.
	QuantizedWeights bool  `json:"quantized_weights"`
	Params           int64 `json:"params"`       // number of weights (initializer elements, so a few graph constants too)
	WeightBytes      int64 `json:"weight_bytes"` // bytes of weights, as stored
}

// FolderError is a model folder Open cannot use: it says why and lists what it found.
type FolderError struct {
	Dir    string
	Reason string
	Found  []string // files and graph signature seen
	// Unsupported says the graph was read but its layout (inputs, outputs, KV cache) is not one
	// mirage runs: Error then leads with that and with the layouts it supports.
	Unsupported bool
	// Err is the cause when one error made the folder unusable (the graph file does not
	// parse, ONNX Runtime refuses the session: a *RuntimeError); nil otherwise. Reason
	// already holds its text.
	Err error
}

// supportedLayouts says which graph signatures mirage runs, for errors about the others.
const supportedLayouts = "mirage runs decoder-only graphs with input_ids and attention_mask (position_ids optional) and a KV cache " +
	"past_key_values.N.key|value → present.N.key|value (HF optimum), past_N [2,B,H,S,D] → present_N (GPT-2 combined), " +
	"or named by genai_config.json (past_key_names/past_value_names → present_key_names/present_value_names, or past_names → present_names)"

func (e *FolderError) Error() string {
	s := fmt.Sprintf("sampler: model folder %s: %s", e.Dir, e.Reason)
	if e.Unsupported {
		// One first line that says what is wrong and what would work; the graph dump after it.
		s = fmt.Sprintf("sampler: model folder %s: unsupported model layout: %s; %s\n", e.Dir, e.Reason, supportedLayouts)
	}
	if len(e.Found) > 0 {
		if !e.Unsupported {
			s += "; "
		}
		s += "found: " + strings.Join(e.Found, "; ")
	} else {
		s += "; found nothing mirage knows (want model.onnx or onnx/model.onnx with config.json or genai_config.json)"
	}
	return s
}

// Unwrap returns the cause, so errors.As finds a *RuntimeError behind a folder Open refused.
func (e *FolderError) Unwrap() error { return e.Err }

// Model is an ONNX decoder ready to generate: an ONNX Runtime session and the layout of its
// inputs, outputs and KV cache. A Model runs one Generate at a time and keeps the largest KV
// cache a call needed for the next one; Close frees it all.
type Model struct {
	info ModelInfo

	session     *ort.DynamicAdvancedSession
	inputNames  []string
	outputNames []string

	idsName, maskName, posName string
	logitsName                 string
	idsElem, maskElem, posElem int32
	hasPos, useCacheBranch     bool
	cache                      []cacheTensor
	kvElem                     int32
	logitsElem                 int32

	opts ModelOptions // as opened; Reload starts the new session with them

	mu     sync.Mutex
	runner *runner    // reused by Generate calls; freed by Close
	kv     *kvBuffers // the batch cache, reused likewise
}

// cacheTensor is one past input and its present output. Separate layouts have one plane
// (key or value, [B, H, S, D]); the GPT-2 layout has two ([2, B, H, S, D]).
type cacheTensor struct {
	in, out string
	planes  int
}

// Info describes the model.
func (m *Model) Info() ModelInfo { return m.info }

// Close frees the ONNX Runtime session.
func (m *Model) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.session == nil {
		return nil
	}
	var err error
	if m.runner != nil {
		err = m.runner.close()
		m.runner, m.kv = nil, nil
	}
	err = errors.Join(err, ortError("close session", m.session.Destroy()))
	m.session = nil
	return err
}

var (
	reOptimumPast = regexp.MustCompile(`^past_key_values\.(\d+)\.(key|value)$`)
	reGPT2Past    = regexp.MustCompile(`^past_(\d+)$`)
)

// Open loads the model folder dir (see Format for what it accepts) and starts an ONNX Runtime
// session for it. ctx is checked before the (slow) session creation.
func Open(ctx context.Context, dir string, opts ModelOptions) (*Model, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("sampler: model folder: %w", err)
	}
	if !st.IsDir() {
		return nil, &FolderError{Dir: dir, Reason: "not a folder"}
	}
	cfg, err := readFolderConfig(dir)
	if err != nil {
		return nil, err
	}
	m, err := describe(dir, cfg)
	if err != nil {
		return nil, err
	}
	if _, err := InitRuntime(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.opts = opts
	s, err := m.newSession()
	if err != nil {
		return nil, err
	}
	m.session = s
	return m, nil
}

// Reload starts a new ONNX Runtime session on the folder's current files and replaces the old
// one, keeping the KV-cache buffers and run state: the RL trainer calls it after re-exporting the
// weights into the folder (same graph, new data file), so no second cache is reserved. The old
// session keeps serving until the new one is ready; on error it stays in place. ctx is checked
// before the (slow) session creation.
func (m *Model) Reload(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.session == nil {
		return errors.New("sampler: Reload on a closed model")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s, err := m.newSession()
	if err != nil {
		return err
	}
	old := m.session
	m.session = s
	return ortError("close the old session", old.Destroy())
}

// describe recognises the folder's layout from its files and graph, without ONNX Runtime.
func describe(dir string, cfg *folderConfig) (*Model, error) {
	found := append([]string(nil), cfg.Found...)
	// HF optimum names, then the transformers.js layout (onnx/, fp32 before fp16 and quantised).
	candidates := []string{"model.onnx", "decoder_model_merged.onnx", "decoder_with_past_model.onnx"}
	for _, f := range []string{"model.onnx", "decoder_model_merged.onnx", "model_fp16.onnx", "model_quantized.onnx", "model_int8.onnx", "model_q4.onnx", "model_q4f16.onnx"} {
		candidates = append(candidates, filepath.Join("onnx", f))
	}
	if cfg.GenAI {
		if cfg.GenAIFile == "" {
			return nil, &FolderError{Dir: dir, Reason: "genai_config.json names no model.decoder.filename", Found: found}
		}
		candidates = []string{cfg.GenAIFile}
	}
	file := ""
	for _, c := range candidates {
		if st, err := os.Stat(filepath.Join(dir, c)); err == nil && st.Mode().IsRegular() {
			file = c
			break
		}
	}
	if file == "" {
		for _, pattern := range []string{"*.onnx", filepath.Join("onnx", "*.onnx")} {
			onnx, _ := filepath.Glob(filepath.Join(dir, pattern))
			for _, o := range onnx {
				rel, _ := filepath.Rel(dir, o)
				found = append(found, rel)
			}
		}
		return nil, &FolderError{Dir: dir, Reason: "no model file (looked for " + strings.Join(candidates, ", ") + ")", Found: found}
	}
	g, err := readGraphInfo(filepath.Join(dir, file))
	if err != nil {
		return nil, &FolderError{Dir: dir, Reason: file + ": " + err.Error(), Found: found, Err: err}
	}
	// A truncated data file would reach ONNX Runtime, whose "out of bounds" names no file.
	for _, loc := range slices.Sorted(maps.Keys(g.ExternalEnd)) {
		path := filepath.Join(dir, filepath.Dir(file), loc)
		want := g.ExternalEnd[loc]
		st, err := os.Stat(path)
		switch {
		case err != nil:
			return nil, &FolderError{Dir: dir, Reason: fmt.Sprintf("%s keeps its weights in %s (%d bytes), which cannot be read: %v", file, loc, want, err), Found: found, Err: err}
		case st.Size() < want:
			return nil, &FolderError{Dir: dir, Reason: fmt.Sprintf("%s is %d bytes, but %s stores weights up to byte %d in it: the file is truncated (an interrupted download or copy?); fetch or export it again",
				path, st.Size(), file, want), Found: found}
		}
	}
	m := &Model{info: ModelInfo{Dir: dir, File: file, BOS: cfg.BOS, Pad: cfg.Pad, EOS: cfg.EOS, ContextLength: cfg.Context,
		Layers: cfg.Layers, Heads: cfg.Heads, KVHeads: cfg.KVHeads, HeadSize: cfg.HeadSize, Hidden: cfg.Hidden}}
	for _, v := range g.Inputs {
		m.info.Inputs = append(m.info.Inputs, describeValue(v))
	}
	for _, v := range g.Outputs {
		m.info.Outputs = append(m.info.Outputs, describeValue(v))
	}
	found = append(found, file+" inputs ["+strings.Join(m.info.Inputs, ", ")+"] outputs ["+strings.Join(m.info.Outputs, ", ")+"]")
	fail := func(format string, a ...any) error {
		return &FolderError{Dir: dir, Reason: fmt.Sprintf(format, a...), Found: found, Unsupported: true}
	}
	m.info.Params, m.info.WeightBytes = g.Params, g.WeightBytes
	m.info.RightPadding = g.OpTypes["GroupQueryAttention"]
	m.info.QuantizedWeights = g.OpTypes["MatMulNBits"]

	inputs := map[string]valueInfo{}
	for _, v := range g.Inputs {
		inputs[v.Name] = v
	}
	outputs := map[string]valueInfo{}
	for _, v := range g.Outputs {
		outputs[v.Name] = v
	}
	name := func(names map[string]string, key, def string) string {
		if n, ok := names[key]; ok && n != "" {
			return n
		}
		return def
	}
	idsName := name(cfg.GenAIInputs, "input_ids", "input_ids")
	maskName := name(cfg.GenAIInputs, "attention_mask", "attention_mask")
	posName := name(cfg.GenAIInputs, "position_ids", "position_ids")
	logitsName := name(cfg.GenAIOutputs, "logits", "logits")

	used := map[string]bool{}
	ids, ok := inputs[idsName]
	if !ok {
		return nil, fail("the graph has no %q input", idsName)
	}
	mask, ok := inputs[maskName]
	if !ok {
		return nil, fail("the graph has no %q input", maskName)
	}
	m.idsName, m.maskName, m.posName, m.logitsName = idsName, maskName, posName, logitsName
	m.idsElem, m.maskElem = ids.Elem, mask.Elem
	used[idsName], used[maskName] = true, true
	if pos, ok := inputs[posName]; ok {
		m.hasPos, m.posElem = true, pos.Elem
		used[posName] = true
	}
	if ucb, ok := inputs["use_cache_branch"]; ok && ucb.Elem == elemBool {
		m.useCacheBranch = true
		used["use_cache_branch"] = true
	}
	for _, e := range []int32{m.idsElem, m.maskElem, m.posElem} {
		if e != 0 && e != elemInt64 && e != elemInt32 {
			return nil, fail("input ids, attention mask and position ids must be int64 or int32, not %s", elemName(e))
		}
	}
	logits, ok := outputs[logitsName]
	if !ok {
		return nil, fail("the graph has no %q output", logitsName)
	}
	if len(logits.Shape) != 3 {
		return nil, fail("logits must be [batch, sequence, vocab], got %d dimensions", len(logits.Shape))
	}
	m.logitsElem = logits.Elem
	if n, err := strconv.Atoi(logits.Shape[2]); err == nil {
		m.info.Vocab = n
	} else {
		m.info.Vocab = cfg.Vocab
	}

	// The KV cache: genai templates, optimum names, or GPT-2 combined tensors.
	var kvShape []string
	switch {
	case cfg.GenAI:
		m.info.Format = FormatGenAI
		if past, ok := cfg.GenAIInputs["past_names"]; ok && past != "" {
			// The legacy combined cache of onnxruntime-genai's GPT-2 export: past_%d
			// [2, B, H, P, D] → present_%d.
			present := name(cfg.GenAIOutputs, "present_names", "present_%d")
			for l := 0; ; l++ {
				in := fmt.Sprintf(past, l)
				if _, has := inputs[in]; !has {
					break
				}
				m.cache = append(m.cache, cacheTensor{in: in, out: fmt.Sprintf(present, l), planes: 2})
			}
			break
		}
		pk, pv := name(cfg.GenAIInputs, "past_key_names", "past_key_values.%d.key"), name(cfg.GenAIInputs, "past_value_names", "past_key_values.%d.value")
		outK, outV := name(cfg.GenAIOutputs, "present_key_names", "present.%d.key"), name(cfg.GenAIOutputs, "present_value_names", "present.%d.value")
		for l := 0; ; l++ {
			k, v := fmt.Sprintf(pk, l), fmt.Sprintf(pv, l)
			if _, has := inputs[k]; !has {
				break
			}
			m.cache = append(m.cache, cacheTensor{in: k, out: fmt.Sprintf(outK, l), planes: 1}, cacheTensor{in: v, out: fmt.Sprintf(outV, l), planes: 1})
		}
	default:
		layers := map[int][2]string{}
		combined := map[int]string{}
		for n := range inputs {
			if s := reOptimumPast.FindStringSubmatch(n); s != nil {
				l, _ := strconv.Atoi(s[1])
				p := layers[l]
				if s[2] == "key" {
					p[0] = n
				} else {
					p[1] = n
				}
				layers[l] = p
			} else if s := reGPT2Past.FindStringSubmatch(n); s != nil {
				l, _ := strconv.Atoi(s[1])
				combined[l] = n
			}
		}
		switch {
		case len(layers) > 0 && len(combined) == 0:
			m.info.Format = FormatOptimum
			for l := 0; l < len(layers); l++ {
				p, has := layers[l]
				if !has || p[0] == "" || p[1] == "" {
					return nil, fail("past_key_values.%d.key/value missing", l)
				}
				m.cache = append(m.cache, cacheTensor{in: p[0], out: fmt.Sprintf("present.%d.key", l), planes: 1},
					cacheTensor{in: p[1], out: fmt.Sprintf("present.%d.value", l), planes: 1})
			}
		case len(combined) > 0 && len(layers) == 0:
			m.info.Format = FormatGPT2
			for l := 0; l < len(combined); l++ {
				n, has := combined[l]
				if !has {
					return nil, fail("past_%d missing", l)
				}
				m.cache = append(m.cache, cacheTensor{in: n, out: fmt.Sprintf("present_%d", l), planes: 2})
			}
		default:
			return nil, fail("no KV-cache inputs (want past_key_values.N.key|value or past_N)")
		}
	}
	if len(m.cache) == 0 {
		return nil, fail("no KV-cache inputs named by genai_config.json")
	}
	for i, c := range m.cache {
		in := inputs[c.in]
		out, has := outputs[c.out]
		if !has {
			return nil, fail("input %s has no matching output %s", c.in, c.out)
		}
		if in.Elem != out.Elem || (in.Elem != elemFloat && in.Elem != elemFloat16) {
			return nil, fail("cache %s is %s and %s is %s; want both float32 or both float16", c.in, elemName(in.Elem), c.out, elemName(out.Elem))
		}
		want := 4 + c.planes - 1
		if len(in.Shape) != want {
			return nil, fail("cache %s has %d dimensions, want %d", c.in, len(in.Shape), want)
		}
		if i == 0 {
			m.kvElem, kvShape = in.Elem, in.Shape[c.planes-1:]
		} else if in.Elem != m.kvElem {
			return nil, fail("cache tensors mix element types")
		}
		used[c.in] = true
	}
	for _, v := range g.Inputs {
		if !used[v.Name] {
			return nil, fail("unsupported graph input %q", v.Name)
		}
	}
	if m.logitsElem != elemFloat && m.logitsElem != elemFloat16 {
		return nil, fail("logits are %s; want float32 or float16", elemName(m.logitsElem))
	}
	// Cache geometry: the graph's static dims win over the config files.
	if n, err := strconv.Atoi(kvShape[1]); err == nil {
		m.info.KVHeads = n
	}
	if n, err := strconv.Atoi(kvShape[3]); err == nil {
		m.info.HeadSize = n
	}
	if m.cache[0].planes == 2 { // one combined tensor per layer
		m.info.Layers = len(m.cache)
	} else {
		m.info.Layers = len(m.cache) / 2
	}
	if m.info.Heads == 0 {
		m.info.Heads = m.info.KVHeads
	}
	if m.info.KVHeads <= 0 || m.info.HeadSize <= 0 {
		return nil, fail("cannot tell the cache's heads and head size from the graph (%v) or a config file", kvShape)
	}
	if m.info.Vocab <= 0 {
		return nil, fail("cannot tell the vocabulary size from the logits or a config file")
	}
	if m.info.ContextLength <= 0 {
		m.info.ContextLength = 1 << 20
	}
	m.info.CacheType, m.info.LogitsType = elemName(m.kvElem), elemName(m.logitsElem)
	m.info.PositionIDs = m.hasPos
	m.info.SharedKVCache = m.info.RightPadding
	for _, c := range m.cache {
		if c.planes != 1 || g.GQAPresent[c.in] != c.out {
			m.info.SharedKVCache = false
		}
	}
	return m, nil
}

func describeValue(v valueInfo) string {
	return fmt.Sprintf("%s %s [%s]", v.Name, elemName(v.Elem), strings.Join(v.Shape, " "))
}

func elemSize(e int32) int {
	switch e {
	case elemFloat, elemInt32:
		return 4
	case elemFloat16:
		return 2
	case elemInt64, 11: // 11: double
		return 8
	}
	return 1
}

// newSession starts an ONNX Runtime session on the model file with m.opts.
func (m *Model) newSession() (*ort.DynamicAdvancedSession, error) {
	opts := m.opts
	so, err := ort.NewSessionOptions()
	if err != nil {
		return nil, ortError("session options", err)
	}
	defer so.Destroy()
	if opts.Threads > 0 {
		if err := so.SetIntraOpNumThreads(opts.Threads); err != nil {
			return nil, ortError("set threads", err)
		}
	}
	if strings.EqualFold(opts.Device, "cuda") { // Open validated the device: cpu otherwise
		if err := appendCUDA(so, opts.DeviceID); err != nil {
			return nil, fmt.Errorf("sampler: --device cuda: this ONNX Runtime cannot use CUDA (%v); set %s to a CUDA build of ONNX Runtime %s or later (with its provider libraries beside it) and check the GPU driver",
				ortError("CUDA execution provider", err), EnvLibrary, ORTVersion)
		}
	}
	m.inputNames = []string{m.idsName, m.maskName}
	if m.hasPos {
		m.inputNames = append(m.inputNames, m.posName)
	}
	if m.useCacheBranch {
		m.inputNames = append(m.inputNames, "use_cache_branch")
	}
	m.outputNames = []string{m.logitsName}
	for _, c := range m.cache {
		m.inputNames = append(m.inputNames, c.in)
		m.outputNames = append(m.outputNames, c.out)
	}
	path := filepath.Join(m.info.Dir, m.info.File)
	s, err := ort.NewDynamicAdvancedSession(path, m.inputNames, m.outputNames, so)
	if err != nil {
		// The folder was recognised; only ONNX Runtime refused it (e.g. truncated weights), so
		// Found names the format rather than implying the folder holds nothing mirage knows.
		rerr := ortError("create session", err)
		return nil, &FolderError{Dir: m.info.Dir, Reason: "ONNX Runtime cannot load " + m.info.File + ": " + rerr.Error(),
			Found: []string{"a model folder of format " + string(m.info.Format)}, Err: rerr}
	}
	return s, nil
}

func appendCUDA(so *ort.SessionOptions, device int) error {
	cuda, err := ort.NewCUDAProviderOptions()
	if err != nil {
		return err
	}
	defer cuda.Destroy()
	if err := cuda.Update(map[string]string{"device_id": strconv.Itoa(device)}); err != nil {
		return err
	}
	return so.AppendExecutionProviderCUDA(cuda)
}
