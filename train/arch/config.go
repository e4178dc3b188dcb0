// Package arch describes the Llama / Qwen2 family of decoder-only transformers that mirage trains
// and exports: the Hugging Face config.json (Config), the parameter names and shapes HF uses
// (ParamShapes), random initial weights (RandomWeights) and a plain float64 forward pass
// (ReferenceForward) that serves as the independent oracle for the ONNX writer and the GoMLX model.
//
// Architecture, as in HF transformers' modeling_llama.py / modeling_qwen2.py:
//
//	h = embed_tokens[ids]
//	per layer:  h += o_proj(attn(RoPE(q_proj(rms(h))), RoPE(k_proj(rms(h))), v_proj(rms(h))))
//	            h += down_proj(silu(gate_proj(rms(h))) * up_proj(rms(h)))
//	logits = lm_head(norm(h))     (lm_head = embed_tokens when tie_word_embeddings)
//
// Errors are returned for bad files and bad configs and name the file and field. ReferenceForward
// is a test oracle: it panics on weights that do not match the config.
package arch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// Model types understood by mirage (config.json "model_type").
const (
	ModelLlama = "llama"
	ModelQwen2 = "qwen2"
)

// TokenIDs is a token id field of config.json that HF writes either as one integer or as a list
// (Llama 3 lists several EOS ids). It is written back as an integer when it holds exactly one id.
type TokenIDs []int

// UnmarshalJSON accepts null, an integer or a list of integers.
func (t *TokenIDs) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*t = nil
		return nil
	}
	if len(b) > 0 && b[0] == '[' {
		var ids []int
		if err := json.Unmarshal(b, &ids); err != nil {
			return fmt.Errorf("want an integer or a list of integers, got %s", b)
		}
		*t = ids
		return nil
	}
	id, err := strconv.Atoi(string(b))
	if err != nil {
		return fmt.Errorf("want an integer or a list of integers, got %s", b)
	}
	*t = TokenIDs{id}
	return nil
}

// MarshalJSON writes null, one integer, or a list.
func (t TokenIDs) MarshalJSON() ([]byte, error) {
	switch len(t) {
	case 0:
		return []byte("null"), nil
	case 1:
		return []byte(strconv.Itoa(t[0])), nil
	}
	return json.Marshal([]int(t))
}

// Config is the subset of an HF config.json that defines a Llama or Qwen2 model. Field names and
// meanings follow transformers' LlamaConfig / Qwen2Config. Fields left zero are filled by
// Defaults (ReadConfig calls it); the required sizes have no default.
type Config struct {
	// Architectures is the HF class list; default ["LlamaForCausalLM"] or ["Qwen2ForCausalLM"].
	Architectures []string `json:"architectures,omitempty"`
	// ModelType is "llama" or "qwen2" (required).
	ModelType string `json:"model_type"`

	// Required sizes.
	HiddenSize        int `json:"hidden_size"`
	NumHiddenLayers   int `json:"num_hidden_layers"`
	NumAttentionHeads int `json:"num_attention_heads"`
	IntermediateSize  int `json:"intermediate_size"`
	VocabSize         int `json:"vocab_size"`

	// NumKeyValueHeads < NumAttentionHeads gives grouped-query attention; default NumAttentionHeads.
	NumKeyValueHeads int `json:"num_key_value_heads"`
	// HeadDim is the per-head size; default HiddenSize / NumAttentionHeads.
	HeadDim int `json:"head_dim,omitempty"`
	// RopeTheta is the RoPE base; default 10000 (HF's LlamaConfig default).
	RopeTheta float64 `json:"rope_theta"`
	// RMSNormEps is RMSNorm's epsilon; default 1e-6.
	RMSNormEps float64 `json:"rms_norm_eps"`
	// MaxPositionEmbeddings is the context length; default 2048 (llama) or 32768 (qwen2).
	MaxPositionEmbeddings int `json:"max_position_embeddings"`
	// TieWordEmbeddings makes lm_head share embed_tokens' matrix; default false.
	TieWordEmbeddings bool `json:"tie_word_embeddings"`
	// AttentionBias adds biases to q/k/v and o projections in Llama. Qwen2 always has q/k/v
	// biases (and no o bias) whatever this says; Defaults sets it true for qwen2. See QKVBias.
	AttentionBias bool `json:"attention_bias"`
	// MLPBias (Llama) must be false: mirage's models have no MLP biases.
	MLPBias bool `json:"mlp_bias,omitempty"`
	// HiddenAct must be "silu" (default).
	HiddenAct string `json:"hidden_act"`
	// InitializerRange is the std of RandomWeights' normal init; default 0.02.
	InitializerRange float64 `json:"initializer_range"`

	BOSTokenID TokenIDs `json:"bos_token_id"`
	EOSTokenID TokenIDs `json:"eos_token_id"`
	// PadTokenID is optional; written only when set.
	PadTokenID TokenIDs `json:"pad_token_id,omitempty"`

	// TorchDtype is the weights' dtype as HF records it; default "float32".
	TorchDtype string `json:"torch_dtype"`
	// UseCache is always written true so loaders (transformers.js) expect the KV cache.
	UseCache bool `json:"use_cache"`

	// RopeScaling must be absent or null: scaled RoPE variants are not implemented.
	RopeScaling json.RawMessage `json:"rope_scaling,omitempty"`
	// UseSlidingWindow (Qwen2) must be false: sliding-window attention is not implemented.
	UseSlidingWindow bool `json:"use_sliding_window,omitempty"`
}

// Defaults returns cfg with zero optional fields set to their documented defaults.
func (cfg Config) Defaults() Config {
	if cfg.NumKeyValueHeads == 0 {
		cfg.NumKeyValueHeads = cfg.NumAttentionHeads
	}
	if cfg.HeadDim == 0 && cfg.NumAttentionHeads > 0 {
		cfg.HeadDim = cfg.HiddenSize / cfg.NumAttentionHeads
	}
	if cfg.RopeTheta == 0 {
		cfg.RopeTheta = 10000
	}
	if cfg.RMSNormEps == 0 {
		cfg.RMSNormEps = 1e-6
	}
	if cfg.MaxPositionEmbeddings == 0 {
		cfg.MaxPositionEmbeddings = 2048
		if cfg.ModelType == ModelQwen2 {
			cfg.MaxPositionEmbeddings = 32768
		}
	}
	if cfg.HiddenAct == "" {
		cfg.HiddenAct = "silu"
	}
	if cfg.InitializerRange == 0 {
		cfg.InitializerRange = 0.02
	}
	if cfg.TorchDtype == "" {
		cfg.TorchDtype = "float32"
	}
	if cfg.ModelType == ModelQwen2 {
		cfg.AttentionBias = true
	}
	if len(cfg.Architectures) == 0 {
		switch cfg.ModelType {
		case ModelLlama:
			cfg.Architectures = []string{"LlamaForCausalLM"}
		case ModelQwen2:
			cfg.Architectures = []string{"Qwen2ForCausalLM"}
		}
	}
	cfg.UseCache = true
	return cfg
}

// QKVBias reports whether q_proj, k_proj and v_proj have biases.
func (cfg Config) QKVBias() bool { return cfg.AttentionBias || cfg.ModelType == ModelQwen2 }

// OBias reports whether o_proj has a bias (Llama with attention_bias; never Qwen2).
func (cfg Config) OBias() bool { return cfg.AttentionBias && cfg.ModelType == ModelLlama }

// ConfigError is a config value that is missing or out of range.
type ConfigError struct {
	File  string // config file, "" when the Config did not come from a file
	Field string // JSON field name
	Want  string // what was expected
	Got   string // what was found
}

func (e *ConfigError) Error() string {
	where := "config"
	if e.File != "" {
		where = e.File
	}
	return fmt.Sprintf("arch: %s: field %s: want %s, got %s", where, e.Field, e.Want, e.Got)
}

// Validate checks that cfg (after Defaults) describes a model mirage can build: positive sizes,
// heads dividing the hidden size, kv heads dividing heads, an even head size for RoPE, and no
// unsupported feature. The first problem found is returned as a *ConfigError.
func (cfg Config) Validate() error {
	bad := func(field, want string, got any) error {
		return &ConfigError{Field: field, Want: want, Got: fmt.Sprint(got)}
	}
	if cfg.ModelType != ModelLlama && cfg.ModelType != ModelQwen2 {
		return bad("model_type", `"llama" or "qwen2"`, strconv.Quote(cfg.ModelType))
	}
	for _, f := range []struct {
		name string
		v    int
	}{
		{"hidden_size", cfg.HiddenSize},
		{"num_hidden_layers", cfg.NumHiddenLayers},
		{"num_attention_heads", cfg.NumAttentionHeads},
		{"num_key_value_heads", cfg.NumKeyValueHeads},
		{"intermediate_size", cfg.IntermediateSize},
		{"vocab_size", cfg.VocabSize},
		{"head_dim", cfg.HeadDim},
		{"max_position_embeddings", cfg.MaxPositionEmbeddings},
	} {
		if f.v <= 0 {
			return bad(f.name, "a positive integer", f.v)
		}
	}
	if cfg.HeadDim == cfg.HiddenSize/cfg.NumAttentionHeads && cfg.HiddenSize%cfg.NumAttentionHeads != 0 {
		return bad("num_attention_heads", fmt.Sprintf("a divisor of hidden_size %d", cfg.HiddenSize), cfg.NumAttentionHeads)
	}
	if cfg.NumAttentionHeads%cfg.NumKeyValueHeads != 0 {
		return bad("num_key_value_heads", fmt.Sprintf("a divisor of num_attention_heads %d", cfg.NumAttentionHeads), cfg.NumKeyValueHeads)
	}
	if cfg.HeadDim%2 != 0 {
		return bad("head_dim", "an even number (RoPE rotates pairs)", cfg.HeadDim)
	}
	if !(cfg.RopeTheta > 0) {
		return bad("rope_theta", "a positive number", cfg.RopeTheta)
	}
	if !(cfg.RMSNormEps > 0) {
		return bad("rms_norm_eps", "a positive number", cfg.RMSNormEps)
	}
	if cfg.HiddenAct != "silu" {
		return bad("hidden_act", `"silu"`, strconv.Quote(cfg.HiddenAct))
	}
	if cfg.MLPBias {
		return bad("mlp_bias", "false (MLP biases are not supported)", true)
	}
	if len(cfg.RopeScaling) > 0 && string(bytes.TrimSpace(cfg.RopeScaling)) != "null" {
		return bad("rope_scaling", "null (scaled RoPE is not supported)", string(cfg.RopeScaling))
	}
	if cfg.UseSlidingWindow {
		return bad("use_sliding_window", "false (sliding-window attention is not supported)", true)
	}
	for _, f := range []struct {
		name string
		ids  TokenIDs
	}{{"bos_token_id", cfg.BOSTokenID}, {"eos_token_id", cfg.EOSTokenID}, {"pad_token_id", cfg.PadTokenID}} {
		for _, id := range f.ids {
			if id < 0 || id >= cfg.VocabSize {
				return bad(f.name, fmt.Sprintf("ids in [0, vocab_size %d)", cfg.VocabSize), id)
			}
		}
	}
	return nil
}

// configPath accepts either a config.json path or a model folder holding one.
func configPath(path string) string {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return filepath.Join(path, "config.json")
	}
	return path
}

// ReadConfig reads an HF config.json (path to the file, or a folder holding it), applies Defaults
// and validates. Unknown fields are ignored, since real HF configs carry many that do not change
// the forward pass; the ones that would (rope_scaling, mlp_bias, sliding windows) are rejected.
func ReadConfig(path string) (Config, error) {
	path = configPath(path)
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("arch: %w", err)
	}
	return ParseConfig(b, path)
}

// ParseConfig is ReadConfig on the bytes of a config.json; file names the source in errors.
func ParseConfig(b []byte, file string) (Config, error) {
	path := file
	if path == "" {
		path = "config.json"
	}
	var cfg Config
	if err := json.Unmarshal(b, &cfg); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return Config{}, &ConfigError{File: path, Field: te.Field, Want: te.Type.String(), Got: "JSON " + te.Value}
		}
		return Config{}, fmt.Errorf("arch: %s: %w", path, err)
	}
	cfg = cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		var ce *ConfigError
		if errors.As(err, &ce) {
			ce.File = path
		}
		return Config{}, err
	}
	return cfg, nil
}

// WriteConfig validates cfg (after Defaults) and writes it as indented JSON to path (a file, or
// an existing folder to write config.json into).
func WriteConfig(path string, cfg Config) error {
	cfg = cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return err
	}
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return fmt.Errorf("arch: %w", err)
	}
	if err := os.WriteFile(configPath(path), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("arch: %w", err)
	}
	return nil
}
