package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/mirage-rl/mirage/datasets"
)

// TestLabTasks: mirage lab tasks writes each task as verl parquet (the logic ones through
// SynLogic generator JSONL, with their game_data_str), and rejects a malformed --task.
func TestLabTasks(t *testing.T) {
	dir := t.TempDir()
	out, err := mirageOutput(t, "", "lab", "tasks", "--out", dir, "--task", "arith:1", "--task", "word_sorting:2", "--n", "5")
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(dir, "arith.parquet") + "\n" + filepath.Join(dir, "word_sorting.parquet") + "\n"
	if out != want {
		t.Errorf("printed %q, want %q", out, want)
	}
	for _, c := range []struct{ task, ability string }{{"arith", "math"}, {"word_sorting", "logic"}} {
		ps, err := datasets.ReadProblems(filepath.Join(dir, c.task+".parquet"))
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != 5 || ps[0].DataSource != c.task || ps[0].Ability != c.ability {
			t.Fatalf("%s: %d problems, first %+v", c.task, len(ps), ps[0])
		}
		if gd, _ := ps[0].Extra["game_data_str"].(string); (c.ability == "logic") != strings.Contains(gd, `"question"`) {
			t.Errorf("%s: game_data_str %q", c.task, gd)
		}
	}
	if _, _, err := datasets.ConvertSynLogic([]string{filepath.Join(dir, "synlogic")}, datasets.SynLogicOptions{}); err != nil {
		t.Errorf("the SynLogic generator JSONL does not convert: %v", err)
	}
	for _, bad := range []string{"arith", "arith:x", "sudoku:1", "arith:9"} {
		if _, err := mirageOutput(t, "", "lab", "tasks", "--out", dir, "--task", bad); err == nil {
			t.Errorf("--task %s: no error", bad)
		}
	}
}
