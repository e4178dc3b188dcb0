package weights

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mirage-rl/mirage/train/arch"
)

// rawSafetensors builds a file by hand: header JSON, then data bytes.
func rawSafetensors(header map[string]any, data []byte) []byte {
	hb, _ := json.Marshal(header)
	var buf bytes.Buffer
	binary.Write(&buf, binary.LittleEndian, uint64(len(hb)))
	buf.Write(hb)
	buf.Write(data)
	return buf.Bytes()
}

func le16(vs ...uint16) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint16(b, v)
	}
	return b
}

func TestReadDTypes(t *testing.T) {
	cases := []struct {
		name  string
		dtype string
		data  []byte
		want  []float32
	}{
		// Known bit patterns: bf16 is the top half of an f32; f16 per IEEE 754 binary16.
		{"bf16", "BF16", le16(0x3F80, 0xC000, 0x3EAA, 0x0000), []float32{1, -2, 0.33203125, 0}},
		{"f16", "F16", le16(0x3C00, 0xC000, 0x3555, 0x7BFF), []float32{1, -2, 0.333251953125, 65504}},
		{"f32", "F32", binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(
			binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, 0x3F800000), 0xC0000000), 0x3EAAAAAB), 0),
			[]float32{1, -2, 0.33333334, 0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.safetensors")
			file := rawSafetensors(map[string]any{
				"__metadata__": map[string]string{"format": "pt"},
				"w":            map[string]any{"dtype": tc.dtype, "shape": []int{2, 2}, "data_offsets": []int{0, len(tc.data)}},
			}, tc.data)
			if err := os.WriteFile(path, file, 0o644); err != nil {
				t.Fatal(err)
			}
			w, meta, err := ReadSafetensors(path)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(w["w"].Data, tc.want) || !slices.Equal(w["w"].Shape, []int{2, 2}) {
				t.Errorf("got %v %v, want %v [2 2]", w["w"].Data, w["w"].Shape, tc.want)
			}
			if meta["format"] != "pt" {
				t.Errorf("metadata %v", meta)
			}
		})
	}
}

func TestRoundTripAndShards(t *testing.T) {
	cfg := arch.Config{ModelType: arch.ModelQwen2, HiddenSize: 8, NumHiddenLayers: 2, NumAttentionHeads: 2,
		IntermediateSize: 12, VocabSize: 11}
	w := arch.RandomWeights(cfg, 5)
	dir := t.TempDir()
	if err := WriteSafetensors(filepath.Join(dir, "model.safetensors"), w, map[string]string{"step": "3"}); err != nil {
		t.Fatal(err)
	}
	got, err := ReadHF(dir)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, got, w)

	// Two shards: layer 0 in one file, everything else in the other.
	sharded := t.TempDir()
	parts := map[string]Weights{"a.safetensors": {}, "b.safetensors": {}}
	index := map[string]string{}
	for name, tensor := range w {
		file := "b.safetensors"
		if strings.HasPrefix(name, "model.layers.0.") {
			file = "a.safetensors"
		}
		parts[file][name] = tensor
		index[name] = file
	}
	for file, p := range parts {
		if err := WriteSafetensors(filepath.Join(sharded, file), p, nil); err != nil {
			t.Fatal(err)
		}
	}
	writeIndex(t, sharded, index)
	got, err = ReadHF(sharded)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, got, w)
	if _, err := Match(cfg, got, sharded); err != nil {
		t.Error(err)
	}

	// An index naming a tensor no shard holds.
	index["model.layers.9.mlp.up_proj.weight"] = "a.safetensors"
	writeIndex(t, sharded, index)
	if _, err := ReadHF(sharded); err == nil || !strings.Contains(err.Error(), "layers.9") {
		t.Errorf("missing indexed tensor: err = %v", err)
	}
}

func writeIndex(t *testing.T, dir string, index map[string]string) {
	b, _ := json.Marshal(map[string]any{"metadata": map[string]any{}, "weight_map": index})
	if err := os.WriteFile(filepath.Join(dir, indexFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func equal(t *testing.T, got, want Weights) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d tensors, want %d", len(got), len(want))
	}
	for name, w := range want {
		g := got[name]
		if g == nil || !slices.Equal(g.Shape, w.Shape) || !slices.Equal(g.Data, w.Data) {
			t.Fatalf("tensor %s differs", name)
		}
	}
}

func TestMatch(t *testing.T) {
	cfg := arch.Config{ModelType: arch.ModelLlama, HiddenSize: 8, NumHiddenLayers: 1, NumAttentionHeads: 2,
		IntermediateSize: 12, VocabSize: 11, TieWordEmbeddings: true}
	good := arch.RandomWeights(cfg, 1)
	t.Run("tied copy and inv_freq dropped", func(t *testing.T) {
		w := clone(good)
		w[arch.LMHead] = &arch.Tensor{Shape: w[arch.EmbedName].Shape, Data: slices.Clone(w[arch.EmbedName].Data)}
		w["model.layers.0.self_attn.rotary_emb.inv_freq"] = arch.NewTensor(2)
		out, err := Match(cfg, w, "x")
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := out[arch.LMHead]; ok {
			t.Error("tied lm_head kept")
		}
	})
	t.Run("every problem listed", func(t *testing.T) {
		w := clone(good)
		delete(w, arch.NormName)
		delete(w, arch.LayerName(0, "mlp.up_proj.weight"))
		w["model.layers.0.self_attn.q_proj.bias"] = arch.NewTensor(8)
		w[arch.LayerName(0, "self_attn.k_proj.weight")] = arch.NewTensor(8, 4)
		_, err := Match(cfg, w, "ckpt")
		var me *MismatchError
		if !errors.As(err, &me) {
			t.Fatalf("err = %v, want *MismatchError", err)
		}
		if len(me.Missing) != 2 || len(me.Extra) != 1 || len(me.Misshapen) != 1 {
			t.Errorf("missing %v extra %v misshapen %v", me.Missing, me.Extra, me.Misshapen)
		}
		for _, s := range []string{"model.norm.weight", "up_proj", "q_proj.bias", "want [8 8], got [8 4]", "ckpt"} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("error %q does not mention %q", err, s)
			}
		}
	})
}

func clone(w Weights) Weights {
	out := Weights{}
	for k, v := range w {
		out[k] = v
	}
	return out
}

func TestReadErrors(t *testing.T) {
	entry := func(dtype string, shape []int, off ...int) map[string]any {
		return map[string]any{"w": map[string]any{"dtype": dtype, "shape": shape, "data_offsets": off}}
	}
	cases := []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "not a safetensors file"},
		{"header past end", binary.LittleEndian.AppendUint64(nil, 1000), "header length"},
		{"header not json", append(binary.LittleEndian.AppendUint64(nil, 3), "abc"...), "JSON"},
		{"unsupported dtype", rawSafetensors(entry("I64", []int{1}, 0, 8), make([]byte, 8)), "want F32, BF16 or F16"},
		{"offsets past data", rawSafetensors(entry("F32", []int{4}, 0, 16), make([]byte, 8)), "data_offsets"},
		{"size mismatch", rawSafetensors(entry("F32", []int{3}, 0, 16), make([]byte, 16)), "data_offsets"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.safetensors")
			os.WriteFile(path, tc.file, 0o644)
			_, _, err := ReadSafetensors(path)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("err = %v, want one naming the file and %q", err, tc.want)
			}
		})
	}
}

// FuzzReadSafetensors: no input panics, and whatever is accepted survives a write/read round trip.
func FuzzReadSafetensors(f *testing.F) {
	f.Add(rawSafetensors(map[string]any{"a": map[string]any{"dtype": "BF16", "shape": []int{2}, "data_offsets": []int{0, 4}}}, le16(1, 2)))
	f.Add(rawSafetensors(map[string]any{"__metadata__": map[string]string{"k": "v"}}, nil))
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, b []byte) {
		w, meta, err := decodeSafetensors(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		path := filepath.Join(t.TempDir(), "x.safetensors")
		if err := WriteSafetensors(path, w, meta); err != nil {
			t.Fatal(err)
		}
		back, _, err := ReadSafetensors(path)
		if err != nil {
			t.Fatal(err)
		}
		for name, x := range w {
			if !slices.Equal(x.Shape, back[name].Shape) || len(x.Data) != len(back[name].Data) {
				t.Fatalf("tensor %s changed in the round trip", name)
			}
		}
	})
}

// A folder mirage can sample but not train from gets an error that says so.
func TestLoadGenAIFolder(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "genai_config.json"), []byte(`{"model":{"type":"llama"}}`), 0o644)
	os.WriteFile(filepath.Join(dir, "model.onnx"), nil, 0o644)
	_, _, err := Load(dir)
	if err == nil || !strings.Contains(err.Error(), "onnxruntime-genai folder") || !strings.Contains(err.Error(), dir) {
		t.Errorf("Load(genai folder) = %v; want an error naming the folder and its kind", err)
	}
}
