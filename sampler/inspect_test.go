package sampler

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

func TestONNXProducer(t *testing.T) {
	big := bytes.Repeat([]byte{7}, 200_000) // larger than the reader's buffer: must be seeked over
	var model []byte
	model = protowire.AppendTag(model, 1, protowire.VarintType)
	model = protowire.AppendVarint(model, 9)
	model = protowire.AppendTag(model, 7, protowire.BytesType)
	model = protowire.AppendBytes(model, big)
	model = protowire.AppendTag(model, 5, protowire.Fixed64Type)
	model = protowire.AppendFixed64(model, 1)
	model = protowire.AppendTag(model, 2, protowire.BytesType)
	model = protowire.AppendString(model, "pytorch")
	model = protowire.AppendTag(model, 3, protowire.BytesType)
	model = protowire.AppendString(model, "2.3")
	for _, c := range []struct {
		name    string
		data    []byte
		want    string
		wantErr string
	}{
		{"fields after a large graph", model, "pytorch 2.3", ""},
		{"no producer", model[:len(model)-len("pytorch")-len("2.3")-4], "", ""},
		{"empty", nil, "", ""},
		{"not protobuf", []byte{0x0f, 0x01}, "", "not an ONNX model"},
		{"truncated", model[:100], "", "EOF"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "model.onnx")
			if err := os.WriteFile(path, c.data, 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := onnxProducer(path)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Errorf("error %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil || got != c.want {
				t.Errorf("got %q, %v; want %q", got, err, c.want)
			}
		})
	}
}
