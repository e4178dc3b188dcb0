package datasets

import (
	"os"
	"path/filepath"
	"testing"
)

// TestConvertDeepScaleRTestFiles (issue 17): DeepScaleR's test files (data/test/math.json is
// MATH-500) keep what they have — unique_id, difficulty — and are labelled by their own name
// and folder, not data_source "deepscaler" and split "train"; --data-source and --split
// override; an item's own data_source and split are kept.
func TestConvertDeepScaleRTestFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "test")
	os.MkdirAll(dir, 0o755)
	b, err := os.ReadFile("testdata/deepscaler/math500_sample.json")
	if err != nil {
		t.Fatal(err)
	}
	math := filepath.Join(dir, "math.json")
	os.WriteFile(math, b, 0o644)
	raw := rawObjects(t, math)

	for _, tc := range []struct {
		name              string
		opts              DeepScaleROptions
		source, split, id string
	}{
		{"defaults", DeepScaleROptions{}, "math", "test", ""},
		{"flags", DeepScaleROptions{DataSource: "math500", Split: "validation"}, "math500", "validation", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps, err := ConvertDeepScaleR(math, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range ps {
				if p.DataSource != tc.source || p.Extra["split"] != tc.split || p.ID != raw[i]["unique_id"] ||
					p.Extra["unique_id"] != raw[i]["unique_id"] || p.Extra["difficulty"] != raw[i]["difficulty"] {
					t.Fatalf("row %d: data_source %q split %v id %q unique_id %v difficulty %v; want %q, %q, the item's unique_id %v and difficulty %v",
						i, p.DataSource, p.Extra["split"], p.ID, p.Extra["unique_id"], p.Extra["difficulty"], tc.source, tc.split, raw[i]["unique_id"], raw[i]["difficulty"])
				}
			}
		})
	}

	t.Run("item's own labels", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "mixed.json")
		os.WriteFile(path, []byte(`[{"problem":"a","answer":"1","data_source":"aime25","split":"test"},{"problem":"b","answer":"2"}]`), 0o644)
		ps, err := ConvertDeepScaleR(path, DeepScaleROptions{})
		if err != nil {
			t.Fatal(err)
		}
		if ps[0].DataSource != "aime25" || ps[0].Extra["split"] != "test" || ps[1].DataSource != "mixed" || ps[1].Extra["split"] != "train" {
			t.Errorf("rows %+v / %+v", ps[0], ps[1])
		}
	})
}
