package sampler

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

var tinyModelFile = filepath.Join("..", "testdata", "models", "tiny-llama", "model.onnx")

func TestReadGraphInfo(t *testing.T) {
	g, err := readGraphInfo(tinyModelFile)
	if err != nil {
		t.Fatal(err)
	}
	var in []string
	for _, v := range g.Inputs {
		in = append(in, describeValue(v))
	}
	want := []string{"input_ids int64 [batch_size sequence_length]", "attention_mask int64 [batch_size total_sequence_length]",
		"position_ids int64 [batch_size sequence_length]", "past_key_values.0.key float16 [batch_size 1 past_sequence_length 16]",
		"past_key_values.0.value float16 [batch_size 1 past_sequence_length 16]", "past_key_values.1.key float16 [batch_size 1 past_sequence_length 16]",
		"past_key_values.1.value float16 [batch_size 1 past_sequence_length 16]"}
	if !slices.Equal(in, want) {
		t.Errorf("inputs\n got %q\nwant %q", in, want)
	}
	if !g.OpTypes["MultiHeadAttention"] || g.OpTypes["GroupQueryAttention"] || !g.OpTypes["MatMul"] {
		t.Errorf("op types %v: want MultiHeadAttention and MatMul, no GroupQueryAttention", g.OpTypes)
	}
	// 2 layers of 16×16 q/k/v/o and 16×64-ish MLP, embeddings and lm_head of 32000×16, in fp16:
	// the external data file holds exactly the weights.
	st, err := os.Stat(filepath.Join("..", "testdata", "models", "tiny-llama", "model.onnx.data"))
	if err != nil {
		t.Fatal(err)
	}
	if g.WeightBytes < st.Size() || g.WeightBytes > st.Size()+st.Size()/100 {
		t.Errorf("weight bytes %d, external data file %d", g.WeightBytes, st.Size())
	}
}

// FuzzParseGraphInfo: arbitrary bytes never panic; truncations of a real model are handled.
func FuzzParseGraphInfo(f *testing.F) {
	b, err := os.ReadFile(tinyModelFile)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	for _, n := range []int{0, 1, 7, 100, len(b) / 2, len(b) - 1} {
		f.Add(b[:n])
	}
	f.Add([]byte("\x3a\x05\x0a\x03\x0a\x01x"))
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := parseGraphInfo(data)
		if err == nil && g == nil {
			t.Fatal("nil graph without error")
		}
	})
}
