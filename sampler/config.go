package sampler

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// folderConfig is what the JSON files of a model folder say, merged. Third-party files are read
// leniently (unknown keys ignored): each exporter writes its own superset of fields.
type folderConfig struct {
	Found []string // which of the known files exist

	// From genai_config.json (empty without it).
	GenAI          bool
	GenAIFile      string
	GenAIInputs    map[string]string
	GenAIOutputs   map[string]string
	GenAIHeadSize  int
	GenAIKVHeads   int
	GenAIHeads     int
	GenAILayers    int
	GenAIProviders []string

	// Merged from config.json, genai_config.json and generation_config.json.
	Layers, Heads, KVHeads, HeadSize, Hidden int
	Vocab, Context                           int
	EOS                                      []int
	BOS, Pad                                 int // -1 when absent
}

func readFolderConfig(dir string) (*folderConfig, error) {
	c := &folderConfig{BOS: -1, Pad: -1}
	read := func(name string) (map[string]any, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("sampler: %w", err)
		}
		c.Found = append(c.Found, name)
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("sampler: %s: want a JSON object: %w", filepath.Join(dir, name), err)
		}
		return m, nil
	}
	hf, err := read("config.json")
	if err != nil {
		return nil, err
	}
	if hf != nil {
		c.Layers = firstInt(hf, "num_hidden_layers", "n_layer", "num_layers")
		c.Heads = firstInt(hf, "num_attention_heads", "n_head")
		c.KVHeads = firstInt(hf, "num_key_value_heads", "multi_query_group_num")
		c.Hidden = firstInt(hf, "hidden_size", "n_embd")
		c.HeadSize = firstInt(hf, "head_dim")
		c.Vocab = firstInt(hf, "vocab_size")
		c.Context = firstInt(hf, "max_position_embeddings", "n_positions", "n_ctx", "seq_length")
		c.addTokens(hf)
	}
	gen, err := read("generation_config.json")
	if err != nil {
		return nil, err
	}
	if gen != nil {
		c.addTokens(gen)
	}
	ga, err := read("genai_config.json")
	if err != nil {
		return nil, err
	}
	if ga != nil {
		model, _ := ga["model"].(map[string]any)
		dec, _ := model["decoder"].(map[string]any)
		if model == nil || dec == nil {
			return nil, fmt.Errorf("sampler: %s: want model.decoder in genai_config.json", filepath.Join(dir, "genai_config.json"))
		}
		c.GenAI = true
		c.GenAIFile, _ = dec["filename"].(string)
		c.GenAIInputs = stringMap(dec["inputs"])
		c.GenAIOutputs = stringMap(dec["outputs"])
		c.GenAIHeadSize = firstInt(dec, "head_size")
		c.GenAIHeads = firstInt(dec, "num_attention_heads")
		c.GenAIKVHeads = firstInt(dec, "num_key_value_heads")
		c.GenAILayers = firstInt(dec, "num_hidden_layers")
		if so, ok := dec["session_options"].(map[string]any); ok {
			if pos, ok := so["provider_options"].([]any); ok {
				for _, p := range pos {
					if pm, ok := p.(map[string]any); ok {
						for k := range pm {
							c.GenAIProviders = append(c.GenAIProviders, k)
						}
					}
				}
			}
		}
		setIfZero(&c.Layers, c.GenAILayers)
		setIfZero(&c.Heads, c.GenAIHeads)
		setIfZero(&c.KVHeads, c.GenAIKVHeads)
		setIfZero(&c.HeadSize, c.GenAIHeadSize)
		setIfZero(&c.Hidden, firstInt(dec, "hidden_size"))
		setIfZero(&c.Vocab, firstInt(model, "vocab_size"))
		if n := firstInt(model, "context_length"); n > 0 {
			c.Context = n
		}
		c.addTokens(model)
	}
	if c.KVHeads == 0 {
		c.KVHeads = c.Heads
	}
	if c.HeadSize == 0 && c.Heads > 0 {
		c.HeadSize = c.Hidden / c.Heads
	}
	return c, nil
}

// addTokens merges eos/bos/pad ids; eos_token_id may be a number or a list.
func (c *folderConfig) addTokens(m map[string]any) {
	switch v := m["eos_token_id"].(type) {
	case float64:
		c.addEOS(int(v))
	case []any:
		for _, e := range v {
			if f, ok := e.(float64); ok {
				c.addEOS(int(f))
			}
		}
	}
	if v, ok := m["bos_token_id"].(float64); ok && c.BOS < 0 {
		c.BOS = int(v)
	}
	if v, ok := m["pad_token_id"].(float64); ok && c.Pad < 0 {
		c.Pad = int(v)
	}
}

func (c *folderConfig) addEOS(id int) {
	for _, e := range c.EOS {
		if e == id {
			return
		}
	}
	c.EOS = append(c.EOS, id)
}

func firstInt(m map[string]any, keys ...string) int {
	for _, k := range keys {
		if v, ok := m[k].(float64); ok {
			return int(v)
		}
	}
	return 0
}

func stringMap(v any) map[string]string {
	out := map[string]string{}
	if m, ok := v.(map[string]any); ok {
		for k, x := range m {
			if s, ok := x.(string); ok {
				out[k] = s
			}
		}
	}
	return out
}

func setIfZero(dst *int, v int) {
	if *dst == 0 {
		*dst = v
	}
}
