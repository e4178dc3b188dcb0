package lab

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mirage-rl/mirage/train"
)

// TestStudyOneCell runs one real cell of the study end to end (RQ2 one-shot on the aligned task,
// 2 RL steps of the shipped model) and checks the report against the cell's own files: the
// table row holds the accuracies and pass@k of its eval.jsonl, the cells not run are marked so,
// the plots and curves.jsonl are written, and a second run skips the finished cell.
func TestStudyOneCell(t *testing.T) {
	needRuntime(t)
	spec := Models[0]
	out := t.TempDir()
	o := StudyOptions{
		Out: out, RQs: []string{RQ2}, Model: spec, ModelDir: filepath.Join(shippedModels, spec.Name),
		Seeds: 1, Quick: true, Steps: 2,
		Only: func(c Cell) bool { return c.Variant == "one-shot" && c.Task == spec.Strong },
	}
	var ran []Cell
	o.OnCell = func(c Cell, done bool, _ time.Duration) {
		if done {
			ran = append(ran, c)
		}
	}
	if err := RunStudy(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if len(ran) != 1 {
		t.Fatalf("ran %d cells, want 1", len(ran))
	}
	cell := ran[0]
	evals, err := readJSONL[train.RLEval](filepath.Join(cell.Dir(out), train.EvalFile))
	if err != nil {
		t.Fatal(err)
	}
	first, last := evals[0], evals[len(evals)-1]
	if first.Step != 0 || last.Step != 2 {
		t.Fatalf("evaluations at steps %d … %d, want 0 … 2", first.Step, last.Step)
	}
	k, pb := passAtMax(first)
	_, pa := passAtMax(last)
	want := fmt.Sprintf("| one-shot | %.1f ± 0.0 | %.1f ± 0.0 | %.1f ± 0.0 | %.1f ± 0.0 | %.1f ± 0.0 |",
		100*first.Accuracy, 100*last.Accuracy, 100*(last.Accuracy-first.Accuracy), 100*pb, 100*pa)
	report, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(report)
	for _, s := range []string{want, fmt.Sprintf("pass@%d before", k), "| full | not run |", "some cells not run"} {
		if !strings.Contains(text, s) {
			t.Errorf("report.md lacks %q:\n%s", s, text)
		}
	}
	for _, name := range []string{"rq2-accuracy.png", "rq2-accuracy.svg", "rq2-arith-passk.png", "rq2-arith-passk.svg"} {
		if st, err := os.Stat(filepath.Join(out, name)); err != nil || st.Size() < 1000 {
			t.Errorf("%s: %v (size %v)", name, err, st)
		}
	}
	f, err := os.Open(filepath.Join(out, "curves.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lines := 0
	for sc := bufio.NewScanner(f); sc.Scan(); lines++ {
		var rec struct {
			RQ, Variant string
			Step        int
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil || rec.RQ != RQ2 || rec.Variant != "one-shot" || rec.Step != lines+1 {
			t.Fatalf("curves.jsonl line %d: %s (%v)", lines+1, sc.Text(), err)
		}
	}
	if lines != 2 {
		t.Errorf("curves.jsonl has %d steps, want 2", lines)
	}

	ran = nil
	if err := RunStudy(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if len(ran) != 0 {
		t.Errorf("a second run redid %d finished cells", len(ran))
	}
}
