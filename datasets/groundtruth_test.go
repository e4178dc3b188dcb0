package datasets

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestGroundTruth(t *testing.T) {
	for _, tc := range []struct {
		json  string
		alts  []string
		list  bool
		blank bool
		str   string
	}{
		{`null`, nil, false, true, ""},
		{`"42"`, []string{"42"}, false, false, "42"},
		{`""`, []string{""}, false, true, ""},
		{`142.0`, []string{"142"}, false, false, "142"},
		{`0.5`, []string{"0.5"}, false, false, "0.5"},
		{`7`, []string{"7"}, false, false, "7"},
		{`true`, []string{"true"}, false, false, "true"},
		{`["6630.65\n","6630\n"]`, []string{"6630.65\n", "6630\n"}, true, false, `["6630.65\n","6630\n"]`},
		{`["7"]`, []string{"7"}, true, false, `["7"]`},
		{`[" ",""]`, []string{" ", ""}, true, true, `[" ",""]`},
		{`[]`, []string{}, true, true, `[]`},
		{`[1,2.5,"x"]`, []string{"1", "2.5", "x"}, true, false, `["1","2.5","x"]`},
	} {
		var g GroundTruth
		if err := json.Unmarshal([]byte(tc.json), &g); err != nil {
			t.Fatalf("%s: %v", tc.json, err)
		}
		if alts := g.Alternatives(); !reflect.DeepEqual(alts, tc.alts) && !(len(alts) == 0 && len(tc.alts) == 0) {
			t.Errorf("%s: alternatives %q, want %q", tc.json, alts, tc.alts)
		}
		if g.IsList() != tc.list || g.Blank() != tc.blank || g.String() != tc.str || g.IsZero() != (tc.json == "null") {
			t.Errorf("%s: list %v blank %v string %q zero %v", tc.json, g.IsList(), g.Blank(), g.String(), g.IsZero())
		}
		// Written back, the value is the same JSON: a double keeps its decimal point.
		b, err := json.Marshal(g)
		if err != nil || string(b) != tc.json {
			t.Errorf("%s: marshals as %s (%v)", tc.json, b, err)
		}
	}
	for _, bad := range []string{`{"a":1}`, `[["1"]]`, `[null]`, `[{}]`} {
		var g GroundTruth
		if err := json.Unmarshal([]byte(bad), &g); err == nil || !strings.Contains(err.Error(), "ground_truth") {
			t.Errorf("%s: err %v, want a ground_truth error", bad, err)
		}
	}
	// Value hands out a copy: changing it leaves the ground truth as it was.
	g := Answers("a", "b")
	g.Value().([]any)[0] = "z"
	if !g.Equal(Answers("a", "b")) || g.Equal(Answer("a")) || Answers("a").Equal(Answer("a")) {
		t.Errorf("Value or Equal: %v", g)
	}
}

// FuzzGroundTruth: whatever UnmarshalJSON accepts marshals to JSON that reads back equal, with
// the same alternatives.
func FuzzGroundTruth(f *testing.F) {
	for _, s := range []string{`null`, `"x"`, `142.0`, `1e300`, `-0.0`, `[]`, `["a","b"]`, `[1,2.5,true]`, `9007199254740993`, `{"a":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var g GroundTruth
		if json.Unmarshal(b, &g) != nil {
			return
		}
		out, err := json.Marshal(g)
		if err != nil {
			t.Fatalf("%s: accepted but not written: %v", b, err)
		}
		var back GroundTruth
		if err := json.Unmarshal(out, &back); err != nil || !back.Equal(g) || !reflect.DeepEqual(back.Alternatives(), g.Alternatives()) {
			t.Fatalf("%s → %s → %#v (%v), want %#v", b, out, back, err, g)
		}
	})
}
