package sampler

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	ort "github.com/yalue/onnxruntime_go"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/mirage-rl/mirage/sampler/chat"
	"github.com/mirage-rl/mirage/sampler/tokenizer"
)

// Inspection is what mirage makes of a model folder, loaded by the same code sampling uses
// (Open, tokenizer.Load, chat.Load): what `mirage inspect` prints.
type Inspection struct {
	Model   ModelInfo   `json:"model"`
	Runtime RuntimeInfo `json:"runtime"`
	// Producer is the ONNX file's producer_name and producer_version ("mirage 1" for models
	// mirage's trainer wrote, "pytorch 2.3", "onnxruntime-genai ..."); "" when not recorded.
	Producer string `json:"producer"`

	// TokenizerVocab is the tokenizer's vocabulary size (max id + 1); 0 without a tokenizer.
	TokenizerVocab int                     `json:"tokenizer_vocab"`
	Special        tokenizer.SpecialTokens `json:"special_tokens"`
	// ChatMarkers are the added tokens other than reserved placeholders, e.g. "<|im_start|>",
	// "<|eot_id|>", and Qwen3's non-special "<think>".
	ChatMarkers []string `json:"chat_markers"`
	// ChatTemplate says where the chat template comes from; "" when there is none.
	ChatTemplate string `json:"chat_template"`
	// Generation holds the folder's generation defaults (generation_config.json, or
	// genai_config.json's "search"); GenerationSource names the file.
	Generation       map[string]any `json:"generation,omitempty"`
	GenerationSource string         `json:"generation_source,omitempty"`
	// Warnings are disagreements between the folder's files that change what sampling does.
	Warnings []string `json:"warnings"`
}

// RuntimeInfo describes the loaded ONNX Runtime library.
type RuntimeInfo struct {
	Library string `json:"library"`
	Version string `json:"version"`
	// Providers are the execution providers the library can use: the CPU provider, which every
	// build has, plus one per provider library (libonnxruntime_providers_<name>.so) shipped next
	// to it — how ONNX Runtime's shared builds package CUDA, TensorRT, ROCm and OpenVINO.
	Providers []string `json:"providers"`
}

// Runtime loads ONNX Runtime (as Open does) and describes it.
func Runtime() (RuntimeInfo, error) {
	path, err := InitRuntime()
	if err != nil {
		return RuntimeInfo{}, err
	}
	info := RuntimeInfo{Library: path, Version: ort.GetVersion(), Providers: []string{"CPUExecutionProvider"}}
	names := map[string]string{"cuda": "CUDAExecutionProvider", "tensorrt": "TensorrtExecutionProvider",
		"rocm": "ROCMExecutionProvider", "openvino": "OpenVINOExecutionProvider", "dnnl": "DnnlExecutionProvider"}
	libs, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "libonnxruntime_providers_*.so"))
	for _, lib := range libs {
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(lib), "libonnxruntime_providers_"), ".so")
		if p, ok := names[name]; ok {
			info.Providers = append(info.Providers, p)
		}
	}
	return info, nil
}

// Inspect opens the model folder dir and gathers its description. A missing or unreadable
// tokenizer or chat template is a warning, so the rest is still shown; a folder Open rejects
// is an error.
func Inspect(ctx context.Context, dir string, opts ModelOptions) (*Inspection, error) {
	m, err := Open(ctx, dir, opts)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	ins := &Inspection{Model: m.Info(), ChatMarkers: []string{}, Warnings: []string{}}
	if ins.Runtime, err = Runtime(); err != nil {
		return nil, err
	}
	warn := func(format string, args ...any) { ins.Warnings = append(ins.Warnings, fmt.Sprintf(format, args...)) }
	file := ins.Model.File
	if !filepath.IsAbs(file) {
		file = filepath.Join(dir, file)
	}
	if ins.Producer, err = onnxProducer(file); err != nil {
		warn("reading the producer of %s: %v", file, err)
	}

	tok, err := tokenizer.Load(dir)
	switch {
	case errors.Is(err, tokenizer.ErrNoTokenizer):
		warn("no tokenizer.json: mirage cannot turn text into ids for this model")
	case err != nil:
		warn("tokenizer: %v", err)
	default:
		ins.TokenizerVocab = tok.VocabSize()
		ins.Special = tok.Special()
		for _, a := range tok.AddedTokens() {
			if !strings.Contains(a.Content, "reserved") {
				ins.ChatMarkers = append(ins.ChatMarkers, a.Content)
			}
		}
		checkTokenizer(ins, warn)
	}

	tpl, err := chat.Load(dir)
	switch {
	case errors.Is(err, chat.ErrNoTemplate):
		warn("no chat template: sample with --template raw or none")
	case err != nil:
		warn("chat template: %v", err)
	default:
		ins.ChatTemplate = tpl.Origin()
	}
	ins.Generation, ins.GenerationSource, err = generationDefaults(dir)
	if err != nil {
		warn("%v", err)
	}
	return ins, nil
}

// checkTokenizer compares the tokenizer with the graph and the model config.
func checkTokenizer(ins *Inspection, warn func(string, ...any)) {
	mi := ins.Model
	switch {
	case mi.Vocab > 0 && ins.TokenizerVocab > mi.Vocab:
		warn("the tokenizer has %d ids but the logits only %d: prompts with ids ≥ %d fail", ins.TokenizerVocab, mi.Vocab, mi.Vocab)
	case mi.Vocab > ins.TokenizerVocab:
		warn("the logits (%d) are wider than the tokenizer's vocabulary (%d): %d rows have no token (usually padding)",
			mi.Vocab, ins.TokenizerVocab, mi.Vocab-ins.TokenizerVocab)
	}
	if eos := ins.Special.EOS; eos != nil && len(mi.EOS) > 0 && !slices.Contains(mi.EOS, eos.ID) {
		warn("the tokenizer's eos_token %q is id %d, but the model config stops at %v", eos.Text, eos.ID, mi.EOS)
	}
	if bos := ins.Special.BOS; bos != nil && mi.BOS >= 0 && mi.BOS != bos.ID {
		warn("the tokenizer's bos_token %q is id %d, but the model config says %d", bos.Text, bos.ID, mi.BOS)
	}
}

// generationDefaults reads generation_config.json, else genai_config.json's "search" block.
func generationDefaults(dir string) (map[string]any, string, error) {
	for _, c := range []struct{ file, key string }{{"generation_config.json", ""}, {"genai_config.json", "search"}} {
		b, err := os.ReadFile(filepath.Join(dir, c.file))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, "", fmt.Errorf("generation defaults: %w", err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, "", fmt.Errorf("generation defaults: %s: %w", c.file, err)
		}
		if c.key == "" {
			return m, c.file, nil
		}
		if s, ok := m[c.key].(map[string]any); ok {
			return s, c.file + " search", nil
		}
	}
	return nil, "", nil
}

// onnxProducer reads producer_name (field 2) and producer_version (field 3) of an ONNX
// ModelProto, seeking over the other top-level fields (the graph may be gigabytes).
func onnxProducer(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	br := bufio.NewReader(f)
	var name, version string
	for {
		tag, err := binary.ReadUvarint(br)
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
		num, typ := protowire.Number(tag>>3), protowire.Type(tag&7)
		var skip int64
		switch typ {
		case protowire.VarintType:
			if _, err := binary.ReadUvarint(br); err != nil {
				return "", err
			}
			continue
		case protowire.Fixed32Type:
			skip = 4
		case protowire.Fixed64Type:
			skip = 8
		case protowire.BytesType:
			n, err := binary.ReadUvarint(br)
			if err != nil {
				return "", err
			}
			if num == 2 || num == 3 {
				b := make([]byte, min(n, 1<<10))
				if _, err := io.ReadFull(br, b); err != nil {
					return "", err
				}
				if num == 2 {
					name = string(b)
				} else {
					version = string(b)
				}
				continue
			}
			skip = int64(n)
		default:
			return "", fmt.Errorf("not an ONNX model (wire type %d at the top level)", typ)
		}
		// Seek from the file position the buffered reader stands for.
		pos, err := f.Seek(0, io.SeekCurrent)
		if err != nil {
			return "", err
		}
		next := pos - int64(br.Buffered()) + skip
		if next > st.Size() {
			return "", fmt.Errorf("truncated: field %d ends at byte %d of %d (unexpected EOF)", num, next, st.Size())
		}
		if _, err := f.Seek(next, io.SeekStart); err != nil {
			return "", err
		}
		br.Reset(f)
	}
	return strings.TrimSpace(name + " " + version), nil
}
