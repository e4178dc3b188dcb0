package arch

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// tinyConfig is a small valid config used across the package's tests.
func tinyConfig() Config {
	return Config{
		ModelType: ModelLlama, HiddenSize: 16, NumHiddenLayers: 2, NumAttentionHeads: 4,
		NumKeyValueHeads: 2, IntermediateSize: 24, VocabSize: 32,
		BOSTokenID: TokenIDs{1}, EOSTokenID: TokenIDs{2},
	}.Defaults()
}

func TestConfigRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"llama-gqa", tinyConfig()},
		{"qwen2-tied", Config{ModelType: ModelQwen2, HiddenSize: 8, NumHiddenLayers: 1, NumAttentionHeads: 2,
			IntermediateSize: 8, VocabSize: 10, TieWordEmbeddings: true, EOSTokenID: TokenIDs{3, 4}}},
		{"llama-head-dim", Config{ModelType: ModelLlama, HiddenSize: 12, NumHiddenLayers: 1, NumAttentionHeads: 5,
			HeadDim: 4, IntermediateSize: 8, VocabSize: 10, AttentionBias: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.json")
			if err := WriteConfig(path, tc.cfg); err != nil {
				t.Fatal(err)
			}
			got, err := ReadConfig(filepath.Dir(path))
			if err != nil {
				t.Fatal(err)
			}
			if want := tc.cfg.Defaults(); !reflect.DeepEqual(got, want) {
				t.Errorf("round trip changed the config:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

// A Qwen2.5-0.5B style config.json, as HF ships it (abridged, no attention_bias field).
const qwenJSON = `{
  "architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 151643,
  "eos_token_id": 151645, "hidden_act": "silu", "hidden_size": 896, "initializer_range": 0.02,
  "intermediate_size": 4864, "max_position_embeddings": 32768, "max_window_layers": 21,
  "model_type": "qwen2", "num_attention_heads": 14, "num_hidden_layers": 24, "num_key_value_heads": 2,
  "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "sliding_window": 32768, "tie_word_embeddings": true,
  "torch_dtype": "bfloat16", "transformers_version": "4.43.1", "use_cache": true,
  "use_sliding_window": false, "vocab_size": 151936
}`

// TinyLlama-1.1B's config.json (abridged).
const tinyLlamaJSON = `{
  "architectures": ["LlamaForCausalLM"], "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu",
  "hidden_size": 2048, "initializer_range": 0.02, "intermediate_size": 5632,
  "max_position_embeddings": 2048, "model_type": "llama", "num_attention_heads": 32,
  "num_hidden_layers": 22, "num_key_value_heads": 4, "pretraining_tp": 1, "rms_norm_eps": 1e-05,
  "rope_scaling": null, "rope_theta": 10000.0, "tie_word_embeddings": false, "torch_dtype": "float32",
  "transformers_version": "4.31.0.dev0", "use_cache": true, "vocab_size": 32000
}`

func TestParseRealConfigs(t *testing.T) {
	// Parameter counts published for these models (HF num_parameters()).
	for _, tc := range []struct {
		name       string
		json       string
		params     int64
		qkvBias    bool
		headDim    int
		eos        TokenIDs
		maxContext int
	}{
		{"qwen2.5-0.5b", qwenJSON, 494_032_768, true, 64, TokenIDs{151645}, 32768},
		{"tinyllama-1.1b", tinyLlamaJSON, 1_100_048_384, false, 64, TokenIDs{2}, 2048},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ParseConfig([]byte(tc.json), "config.json")
			if err != nil {
				t.Fatal(err)
			}
			if got := ParamCount(cfg); got != tc.params {
				t.Errorf("ParamCount = %d, want %d", got, tc.params)
			}
			if cfg.QKVBias() != tc.qkvBias || cfg.OBias() {
				t.Errorf("QKVBias=%v OBias=%v, want %v false", cfg.QKVBias(), cfg.OBias(), tc.qkvBias)
			}
			if cfg.HeadDim != tc.headDim || !reflect.DeepEqual(cfg.EOSTokenID, tc.eos) || cfg.MaxPositionEmbeddings != tc.maxContext {
				t.Errorf("head_dim %d eos %v context %d", cfg.HeadDim, cfg.EOSTokenID, cfg.MaxPositionEmbeddings)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	cfg, err := ParseConfig([]byte(`{"model_type":"llama","hidden_size":8,"num_hidden_layers":1,
		"num_attention_heads":2,"intermediate_size":8,"vocab_size":10}`), "")
	if err != nil {
		t.Fatal(err)
	}
	want := Config{ModelType: "llama", HiddenSize: 8, NumHiddenLayers: 1, NumAttentionHeads: 2,
		IntermediateSize: 8, VocabSize: 10, NumKeyValueHeads: 2, HeadDim: 4, RopeTheta: 10000,
		RMSNormEps: 1e-6, MaxPositionEmbeddings: 2048, HiddenAct: "silu", InitializerRange: 0.02,
		TorchDtype: "float32", UseCache: true, Architectures: []string{"LlamaForCausalLM"}}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("got  %+v\nwant %+v", cfg, want)
	}
}

func TestConfigErrors(t *testing.T) {
	base := `"model_type":"llama","hidden_size":8,"num_hidden_layers":1,"num_attention_heads":2,"intermediate_size":8,"vocab_size":10`
	for _, tc := range []struct {
		name, json, field, want string
	}{
		{"missing model_type", `{"hidden_size":8}`, "model_type", `"llama" or "qwen2"`},
		{"gpt2", `{"model_type":"gpt2"}`, "model_type", `"llama"`},
		{"missing hidden", `{"model_type":"qwen2","num_hidden_layers":1}`, "hidden_size", "positive"},
		{"heads do not divide", `{` + base + `,"num_attention_heads":3}`, "num_attention_heads", "divisor of hidden_size 8"},
		{"kv heads do not divide", `{` + base + `,"num_attention_heads":4,"hidden_size":16,"num_key_value_heads":3}`, "num_key_value_heads", "divisor of num_attention_heads 4"},
		{"odd head dim", `{` + base + `,"head_dim":3}`, "head_dim", "even"},
		{"negative eps", `{` + base + `,"rms_norm_eps":-1}`, "rms_norm_eps", "positive"},
		{"gelu", `{` + base + `,"hidden_act":"gelu"}`, "hidden_act", "silu"},
		{"rope scaling", `{` + base + `,"rope_scaling":{"type":"llama3","factor":8}}`, "rope_scaling", "null"},
		{"mlp bias", `{` + base + `,"mlp_bias":true}`, "mlp_bias", "false"},
		{"sliding window", `{` + base + `,"use_sliding_window":true}`, "use_sliding_window", "false"},
		{"eos out of vocab", `{` + base + `,"eos_token_id":[2,10]}`, "eos_token_id", "vocab_size 10"},
		{"wrong type", `{` + base + `,"hidden_size":"8"}`, "hidden_size", "int"},
		{"eos wrong type", `{` + base + `,"eos_token_id":"x"}`, "", "integer or a list"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tc.json), "m/config.json")
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), "m/config.json") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q should name the file and say %q", err, tc.want)
			}
			var ce *ConfigError
			if tc.field != "" && (!errors.As(err, &ce) || ce.Field != tc.field) {
				t.Errorf("error %q: want a *ConfigError on field %s", err, tc.field)
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		_, err := ReadConfig(filepath.Join(t.TempDir(), "nope.json"))
		if !errors.Is(err, os.ErrNotExist) || !strings.HasPrefix(err.Error(), "arch: ") {
			t.Errorf("got %v", err)
		}
	})
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(qwenJSON))
	f.Add([]byte(tinyLlamaJSON))
	f.Add([]byte(`{"model_type":"llama","hidden_size":8,"num_hidden_layers":1,"num_attention_heads":2,"intermediate_size":8,"vocab_size":10,"eos_token_id":[1,2]}`))
	f.Add([]byte(`{"eos_token_id":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg, err := ParseConfig(b, "fuzz.json")
		if err != nil {
			return
		}
		// Anything accepted is valid and survives a write/read round trip unchanged.
		path := filepath.Join(t.TempDir(), "config.json")
		if err := WriteConfig(path, cfg); err != nil {
			t.Fatalf("accepted config does not write: %v", err)
		}
		again, err := ReadConfig(path)
		if err != nil {
			t.Fatalf("written config does not read: %v", err)
		}
		if !reflect.DeepEqual(cfg, again) {
			t.Fatalf("round trip changed %+v into %+v", cfg, again)
		}
	})
}
