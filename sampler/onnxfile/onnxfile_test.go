package onnxfile

import (
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

type field struct {
	num protowire.Number
	typ protowire.Type
	v   string
	x   uint64
}

// message encodes fields with protowire's own encoders, the independent side of the tests.
func message(fs []field) []byte {
	var b []byte
	for _, f := range fs {
		b = protowire.AppendTag(b, f.num, f.typ)
		switch f.typ {
		case protowire.VarintType:
			b = protowire.AppendVarint(b, f.x)
		case protowire.Fixed32Type:
			b = protowire.AppendFixed32(b, uint32(f.x))
		case protowire.Fixed64Type:
			b = protowire.AppendFixed64(b, f.x)
		case protowire.BytesType:
			b = protowire.AppendString(b, f.v)
		}
	}
	return b
}

func walk(b []byte) ([]field, error) {
	var got []field
	err := EachField(b, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		got = append(got, field{num, typ, string(v), x})
		return nil
	})
	return got, err
}

func TestEachField(t *testing.T) {
	fs := []field{
		{7, protowire.BytesType, "graph bytes", 0},
		{1, protowire.VarintType, "", 1 << 40},
		{2, protowire.Fixed32Type, "", 0xdeadbeef},
		{3, protowire.Fixed64Type, "", 1<<63 + 5},
		{1000, protowire.BytesType, "", 0},
	}
	b := message(fs)
	t.Run("all wire types", func(t *testing.T) {
		got, err := walk(b)
		if err != nil || !slices.Equal(got, fs) {
			t.Errorf("got %v, %v; want %v", got, err, fs)
		}
	})
	t.Run("group skipped", func(t *testing.T) {
		g := protowire.AppendTag(nil, 4, protowire.StartGroupType)
		g = protowire.AppendTag(g, 1, protowire.VarintType)
		g = protowire.AppendVarint(g, 9)
		g = protowire.AppendTag(g, 4, protowire.EndGroupType)
		got, err := walk(append(g, b...))
		if err != nil || len(got) != len(fs)+1 || got[0].num != 4 || !slices.Equal(got[1:], fs) {
			t.Errorf("got %v, %v", got, err)
		}
	})
	t.Run("truncated", func(t *testing.T) {
		_, err := walk(b[:5])
		if err == nil || !strings.Contains(err.Error(), "bad protobuf") {
			t.Errorf("error %v, want bad protobuf", err)
		}
	})
	t.Run("callback error stops", func(t *testing.T) {
		n := 0
		stop := protowire.ParseError(-1)
		err := EachField(b, func(protowire.Number, protowire.Type, []byte, uint64) error {
			n++
			return stop
		})
		if err != stop || n != 1 {
			t.Errorf("error %v after %d fields, want the callback's after 1", err, n)
		}
	})
}

func TestEachVarint(t *testing.T) {
	want := []uint64{0, 1, 127, 128, 1 << 35, 1<<64 - 1}
	var b []byte
	for _, v := range want {
		b = protowire.AppendVarint(b, v)
	}
	var got []uint64
	if err := EachVarint(b, func(v uint64) { got = append(got, v) }); err != nil || !slices.Equal(got, want) {
		t.Errorf("got %v, %v; want %v", got, err, want)
	}
	if err := EachVarint([]byte{0x80}, func(uint64) {}); err == nil {
		t.Error("a cut varint gave no error")
	}
}

// FuzzEachField checks the walker never panics and that re-encoding what it reports gives the
// input back whenever it accepts one without groups.
func FuzzEachField(f *testing.F) {
	f.Add(message([]field{{7, protowire.BytesType, "x", 0}, {1, protowire.VarintType, "", 300}}))
	f.Add([]byte{0x0f, 0x01})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := walk(b)
		if err != nil {
			return
		}
		for _, g := range got {
			if g.typ == protowire.StartGroupType {
				return
			}
		}
		if re := message(got); string(re) != string(b) && canonical(b) {
			t.Errorf("re-encoded %x, input %x", re, b)
		}
	})
}

// canonical reports whether b uses minimal varints, so re-encoding must reproduce it.
func canonical(b []byte) bool {
	for len(b) > 0 {
		_, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return false
		}
		tag, _ := protowire.ConsumeVarint(b)
		if protowire.SizeVarint(tag) != n {
			return false
		}
		b = b[n:]
		switch typ {
		case protowire.VarintType:
			x, m := protowire.ConsumeVarint(b)
			if protowire.SizeVarint(x) != m {
				return false
			}
			n = m
		case protowire.BytesType:
			l, m := protowire.ConsumeVarint(b)
			if protowire.SizeVarint(l) != m {
				return false
			}
			n = m + int(l)
		default:
			n = protowire.ConsumeFieldValue(0, typ, b)
		}
		b = b[n:]
	}
	return true
}
