package synth_test

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/datasets/synth"
	"github.com/mirage-rl/mirage/verify"
	vmath "github.com/mirage-rl/mirage/verify/math"
)

func generate(t *testing.T, task string, level, n int, seed uint64) []synth.Item {
	t.Helper()
	items, err := synth.Generate(task, level, n, seed)
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func TestDeterministicPerSeed(t *testing.T) {
	for _, task := range synth.Tasks() {
		t.Run(task, func(t *testing.T) {
			a, b := generate(t, task, 3, 50, 7), generate(t, task, 3, 50, 7)
			if !reflect.DeepEqual(a, b) {
				t.Fatal("same seed gave different items")
			}
			if prefix := generate(t, task, 3, 10, 7); !reflect.DeepEqual(prefix, a[:10]) {
				t.Fatal("the first 10 of 50 items differ from 10 items of the same seed")
			}
			other := generate(t, task, 3, 50, 8)
			same := 0
			for i := range a {
				if a[i].Question == other[i].Question {
					same++
				}
			}
			if same > 5 {
				t.Fatalf("seeds 7 and 8 share %d of 50 questions", same)
			}
		})
	}
}

// verifyProblems grades response(item) for each item through mirage's verify path: the problem
// records of the items (for logic tasks read back from SynLogic generator JSONL by
// datasets.ConvertSynLogic, as real SynLogic data is), Prepare with the auto grader and the
// paper's format.
func verifyProblems(t *testing.T, items []synth.Item, response func(synth.Item) string) []verify.Outcome {
	t.Helper()
	ps := synth.Problems(items)
	if synth.IsLogic(items[0].Task) {
		var buf bytes.Buffer
		if err := synth.WriteSynLogic(&buf, items); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), items[0].Task+".jsonl")
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		train, test, err := datasets.ConvertSynLogic([]string{path}, datasets.SynLogicOptions{TestPerTask: len(items)})
		if err != nil {
			t.Fatal(err)
		}
		ps = append(train, test...)
		if len(ps) != len(items) {
			t.Fatalf("ConvertSynLogic read %d problems, want %d", len(ps), len(items))
		}
	}
	out := make([]verify.Outcome, len(items))
	for i, p := range ps {
		g := verify.Prepare(verify.TaskOf(p),
			verify.Options{Format: vmath.FormatThinkAnswer})
		want := verify.GraderMath
		if synth.IsLogic(items[i].Task) {
			want = verify.GraderSynLogic
		}
		if g.Grader() != want {
			t.Fatalf("%s graded by %s, want %s", items[i].ID, g.Grader(), want)
		}
		out[i] = g.Grade(response(items[i]))
	}
	return out
}

func TestGoldVerifies(t *testing.T) {
	for _, task := range synth.Tasks() {
		for level := 1; level <= synth.MaxLevel; level++ {
			t.Run(task+"/"+strconv.Itoa(level), func(t *testing.T) {
				items := generate(t, task, level, 40, 1)
				for i, o := range verifyProblems(t, items, synth.Item.Response) {
					if !o.Correct || !o.FormatOK {
						t.Fatalf("%s: gold response %q graded correct=%v format=%v (%s)", items[i].ID, items[i].Response(), o.Correct, o.FormatOK, o.Reason)
					}
				}
			})
		}
	}
}

// corruptions are systematic mistakes, each of which makes any answer wrong.
var corruptions = map[string][]struct {
	name string
	f    func(synth.Item) string
}{
	synth.Arith: {
		{"off by one", func(it synth.Item) string {
			n, _ := strconv.Atoi(it.Answer)
			return synth.Format(it.Task, it.Think, strconv.Itoa(n+1))
		}},
		{"sign flipped or zero moved", func(it synth.Item) string {
			n, _ := strconv.Atoi(it.Answer)
			if n == 0 {
				n = 10
			}
			return synth.Format(it.Task, it.Think, strconv.Itoa(-n))
		}},
		{"answer of the first step only", func(it synth.Item) string {
			first := strings.Fields(it.Think)[0]
			ans := first[strings.LastIndex(first, "=")+1:]
			if ans == it.Answer { // one step, or the later steps cancel out
				n, _ := strconv.Atoi(ans)
				ans = strconv.Itoa(n + 2)
			}
			return synth.Format(it.Task, it.Think, ans)
		}},
		{"answer outside the tags", func(it synth.Item) string { return "<think>" + it.Think + "</think> " + it.Answer }},
	},
	synth.WordSorting: {
		{"first two swapped", func(it synth.Item) string {
			w := strings.Split(it.Answer, ", ")
			w[0], w[1] = w[1], w[0]
			return synth.Format(it.Task, it.Think, strings.Join(w, ", "))
		}},
		{"reversed", func(it synth.Item) string {
			w := strings.Split(it.Answer, ", ")
			slices.Reverse(w)
			return synth.Format(it.Task, it.Think, strings.Join(w, ", "))
		}},
		{"last word dropped", func(it synth.Item) string {
			w := strings.Split(it.Answer, ", ")
			return synth.Format(it.Task, it.Think, strings.Join(w[:len(w)-1], ", "))
		}},
		{"no box", func(it synth.Item) string {
			return "<think>" + it.Think + "</think> <answer>" + it.Answer + "</answer>"
		}},
	},
	synth.BooleanExpressions: {
		{"label A toggled", func(it synth.Item) string {
			labels := strings.Split(it.Answer, ",")
			if i := slices.Index(labels, "A"); i >= 0 {
				labels = slices.Delete(labels, i, i+1)
			} else {
				labels = append([]string{"A"}, labels...)
			}
			return synth.Format(it.Task, it.Think, strings.Join(labels, ","))
		}},
		{"complement", func(it synth.Item) string {
			var out []string
			for i := range it.Level + 1 {
				if l := string(rune('A' + i)); !slices.Contains(strings.Split(it.Answer, ","), l) {
					out = append(out, l)
				}
			}
			return synth.Format(it.Task, it.Think, strings.Join(out, ","))
		}},
		// Upstream SynLogic compares the set of letters in the box: a repeated label passes
		// there, and the letters of a \text{} wrapper count.
		{"labels in text", func(it synth.Item) string {
			return synth.Format(it.Task, it.Think, `\text{`+it.Answer+`}`)
		}},
	},
}

func TestCorruptionsFail(t *testing.T) {
	for _, task := range synth.Tasks() {
		for _, c := range corruptions[task] {
			t.Run(task+"/"+c.name, func(t *testing.T) {
				for level := 1; level <= synth.MaxLevel; level++ {
					items := generate(t, task, level, 40, 2)
					for i, o := range verifyProblems(t, items, c.f) {
						if o.Correct {
							t.Fatalf("%s: corrupted response %q graded correct", items[i].ID, c.f(items[i]))
						}
					}
				}
			})
		}
	}
}

// chanceRate is the success rate of a guesser who knows the answer's shape but not the task:
// a uniform total in the range the operands allow (arith), a uniform order of the words
// (word_sorting), a uniform non-empty set of labels (boolean_expressions). Estimated by
// Monte Carlo with a fixed seed, 64 guesses per item.
func chanceRate(items []synth.Item) float64 {
	r := rand.New(rand.NewPCG(1, 2))
	hits, tries := 0, 0
	for _, it := range items {
		for range 64 {
			var guess string
			switch it.Task {
			case synth.Arith:
				hi := 9
				if it.Level > 3 {
					hi = 19
				}
				lo, top := -hi*it.Level, hi*(it.Level+1)
				guess = strconv.Itoa(lo + r.IntN(top-lo+1))
			case synth.WordSorting:
				w := strings.Split(it.Answer, ", ")
				r.Shuffle(len(w), func(i, j int) { w[i], w[j] = w[j], w[i] })
				guess = strings.Join(w, ", ")
			case synth.BooleanExpressions:
				n := it.Level + 1
				mask := 1 + r.IntN(1<<n-1)
				var labels []string
				for i := range n {
					if mask&(1<<i) != 0 {
						labels = append(labels, string(rune('A'+i)))
					}
				}
				guess = strings.Join(labels, ",")
			}
			tries++
			if guess == it.Answer {
				hits++
			}
		}
	}
	return float64(hits) / float64(tries)
}

// reasoningSteps counts the steps of the reference reasoning a solver must get right.
func reasoningSteps(it synth.Item) int {
	switch it.Task {
	case synth.Arith:
		return len(strings.Fields(it.Think))
	case synth.WordSorting:
		return len(strings.Split(it.Answer, ", ")) // words to place
	}
	return strings.Count(it.Question, " and ") + strings.Count(it.Question, " or ") + strings.Count(it.Question, "not ")
}

// TestLevelsChangeDifficulty measures each level: the chance of guessing the answer falls and
// the steps of reasoning rise strictly from level to level.
func TestLevelsChangeDifficulty(t *testing.T) {
	for _, task := range synth.Tasks() {
		t.Run(task, func(t *testing.T) {
			prevChance, prevSteps := 2.0, 0.0
			for level := 1; level <= synth.MaxLevel; level++ {
				items := generate(t, task, level, 200, 3)
				chance := chanceRate(items)
				steps := 0
				for _, it := range items {
					steps += reasoningSteps(it)
				}
				mean := float64(steps) / float64(len(items))
				t.Logf("level %d: chance %.4f, steps %.2f", level, chance, mean)
				if chance >= prevChance || mean <= prevSteps {
					t.Fatalf("level %d: chance %.4f (level before %.4f), steps %.2f (before %.2f): want lower chance and more steps",
						level, chance, prevChance, mean, prevSteps)
				}
				prevChance, prevSteps = chance, mean
			}
		})
	}
}

func TestGenerateErrors(t *testing.T) {
	for _, c := range []struct {
		name, task string
		level, n   int
		want       string
	}{
		{"unknown task", "sudoku", 1, 1, `unknown task "sudoku"`},
		{"level 0", synth.Arith, 0, 1, "level 0; want 1 … 5"},
		{"level too high", synth.WordSorting, 6, 1, "level 6"},
		{"negative count", synth.Arith, 1, -1, "count -1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := synth.Generate(c.task, c.level, c.n, 0)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to contain %q", err, c.want)
			}
		})
	}
	var buf bytes.Buffer
	if err := synth.WriteSynLogic(&buf, generate(t, synth.Arith, 1, 1, 0)); err == nil || !strings.Contains(err.Error(), "not a SynLogic task") {
		t.Fatalf("WriteSynLogic(arith) err = %v", err)
	}
}
