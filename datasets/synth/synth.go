// Package synth generates synthetic verifiable tasks for mirage's built-in study: problems with
// a difficulty level, a fixed seed, a gold answer and a reference response in the paper's
// "<think> … </think> <answer> … </answer>" format.
//
// Tasks (Tasks lists them):
//   - arith: left-to-right integer addition and subtraction ("What is 7+5-3?"), graded by the
//     math verifier. Level d has d operations on operands in [0, 9] (levels above 3 draw
//     operands from [0, 19]); the reference reasoning writes one running total per step.
//   - word_sorting: sort distinct words alphabetically, written as a SynLogic record
//     (game_data_str {question, answer, difficulty, metadata, gpt_response}) so it is graded
//     by SynLogic's word_sorting verifier (verify/logic), exactly as real SynLogic data. Level
//     d sorts d+2 words; the reference reasoning restates them.
//   - boolean_expressions: pick the true ones among labelled expressions over True/False with
//     not/and/or, a SynLogic record graded by the boolean_expressions verifier. Level d has
//     d+1 options of d operators each.
//
// Generate is deterministic: the same task, level, count and seed give the same items on every
// machine (math/rand/v2 PCG, no map iteration). Item.Problem turns an item into the record
// `mirage sample` reads; WriteSynLogic writes logic items as SynLogic generator JSONL (one file
// per task, named after it), which `mirage convert synlogic` turns into verl parquet.
package synth

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/mirage-rl/mirage/datasets"
)

// Task names; the logic ones are SynLogic's task names, so verify/logic grades them.
const (
	Arith              = "arith"
	WordSorting        = "word_sorting"
	BooleanExpressions = "boolean_expressions"
)

// Tasks returns the task names, sorted.
func Tasks() []string { return []string{Arith, BooleanExpressions, WordSorting} }

// MaxLevel is the highest difficulty level of every task; levels run from 1.
const MaxLevel = 5

// Item is one generated problem.
type Item struct {
	// ID is "<task>-d<level>-s<seed>-<index>".
	ID string
	// Task is one of the task names.
	Task string
	// Level is the difficulty level, 1 … MaxLevel.
	Level int
	// Question is the prompt text.
	Question string
	// Answer is the gold answer as the task's verifier reads it ("12"; "fig, kiwi, pear"; "A,C").
	Answer string
	// Think is the reference reasoning that goes between <think> and </think>.
	Think string
	// Metadata is the task-specific instance (SynLogic's metadata), for logic tasks.
	Metadata map[string]any
}

// Response returns the reference completion in the paper's format: the reasoning in
// <think>…</think>, then the answer in <answer>…</answer> (logic answers inside \boxed{}, the
// convention of their SynLogic prompts).
func (it Item) Response() string { return Format(it.Task, it.Think, it.Answer) }

// Format writes a completion of task in the paper's format with the given reasoning and answer.
func Format(task, think, answer string) string {
	if task != Arith {
		answer = `\boxed{` + answer + `}`
	}
	return "<think>" + think + "</think> <answer>" + answer + "</answer>"
}

// Generate returns n items of task at the given level, drawn from seed. Items with equal
// (task, level, seed) share their prefix: Generate(t, d, 10, s)[:5] equals Generate(t, d, 5, s).
func Generate(task string, level, n int, seed uint64) ([]Item, error) {
	gen, ok := generators[task]
	if !ok {
		return nil, fmt.Errorf("synth: unknown task %q (want one of %s)", task, strings.Join(Tasks(), ", "))
	}
	if level < 1 || level > MaxLevel {
		return nil, fmt.Errorf("synth: %s: level %d; want 1 … %d", task, level, MaxLevel)
	}
	if n < 0 {
		return nil, fmt.Errorf("synth: %s: count %d; want ≥ 0", task, n)
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%s/%d", task, level)
	r := rand.New(rand.NewPCG(seed, h.Sum64()))
	items := make([]Item, n)
	for i := range items {
		it := gen(r, level)
		it.ID = fmt.Sprintf("%s-d%d-s%d-%d", task, level, seed, i)
		it.Task, it.Level = task, level
		items[i] = it
	}
	return items, nil
}

var generators = map[string]func(*rand.Rand, int) Item{
	Arith:              genArith,
	WordSorting:        genWordSorting,
	BooleanExpressions: genBoolean,
}

// IsLogic reports whether task is written as a SynLogic record.
func IsLogic(task string) bool { return task == WordSorting || task == BooleanExpressions }

// Problem returns the item as the problem record `mirage sample` reads: a one-message chat
// prompt, the gold answer as ground_truth, data_source the task name. Logic items carry their
// SynLogic game_data_str in Extra, as datasets.ConvertSynLogic writes it; arith items are
// ability "math".
func (it Item) Problem() datasets.Problem {
	p := datasets.Problem{
		ID:          it.ID,
		Prompt:      datasets.Prompt{Messages: []datasets.Message{{Role: "user", Content: it.Question}}},
		GroundTruth: datasets.Answer(it.Answer),
		DataSource:  it.Task,
		Ability:     "math",
		Extra:       map[string]any{"difficulty": int64(it.Level)},
	}
	if IsLogic(it.Task) {
		p.Ability = "logic"
		p.Extra["game_data_str"] = string(it.gameData())
	}
	return p
}

// Problems maps Item.Problem over items.
func Problems(items []Item) []datasets.Problem {
	out := make([]datasets.Problem, len(items))
	for i, it := range items {
		out[i] = it.Problem()
	}
	return out
}

// gameData is the item as one SynLogic base.data.Data object (its to_json() field order), with
// the reference response as gpt_response.
func (it Item) gameData() []byte {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	// Cannot fail: the fields are strings, ints and JSON-safe metadata built by this package.
	_ = enc.Encode(struct {
		Question    string         `json:"question"`
		Answer      string         `json:"answer"`
		Difficulty  int            `json:"difficulty"`
		Metadata    map[string]any `json:"metadata"`
		GPTResponse string         `json:"gpt_response"`
	}{it.Question, it.Answer, it.Level, it.Metadata, it.Response()})
	return []byte(strings.TrimSuffix(b.String(), "\n"))
}

// WriteSynLogic writes logic items as SynLogic generator JSONL, one Data object per line; name
// the file after the task (word_sorting.jsonl) so `mirage convert synlogic` labels it.
func WriteSynLogic(w io.Writer, items []Item) error {
	for _, it := range items {
		if !IsLogic(it.Task) {
			return fmt.Errorf("synth: %s: task %s is not a SynLogic task", it.ID, it.Task)
		}
		if _, err := w.Write(append(it.gameData(), '\n')); err != nil {
			return fmt.Errorf("synth: %w", err)
		}
	}
	return nil
}

// genArith: level operations, left to right, on operands in [0, 9] ([0, 19] above level 3).
func genArith(r *rand.Rand, level int) Item {
	hi := 10
	if level > 3 {
		hi = 20
	}
	total := r.IntN(hi)
	expr := fmt.Sprint(total)
	steps := make([]string, 0, level)
	ops := make([]string, 0, level)
	for range level {
		x := r.IntN(hi)
		op := "+"
		if r.IntN(2) == 1 {
			op = "-"
		}
		next := total + x
		if op == "-" {
			next = total - x
		}
		steps = append(steps, fmt.Sprintf("%d%s%d=%d", total, op, x, next))
		ops = append(ops, op)
		expr += op + fmt.Sprint(x)
		total = next
	}
	return Item{
		Question: "What is " + expr + "?",
		Answer:   fmt.Sprint(total),
		Think:    strings.Join(steps, " "),
		Metadata: map[string]any{"expression": expr, "operations": int64(len(ops))},
	}
}

// Words is the vocabulary of word_sorting: short, distinct English words.
var Words = []string{
	"ant", "bee", "cat", "cow", "dog", "elk", "fig", "fox", "gnu", "hen",
	"ink", "jam", "jet", "kit", "lab", "map", "mud", "net", "owl", "pan",
	"pig", "rat", "sun", "tea", "toy", "urn", "van", "wax", "yak", "zoo",
}

// genWordSorting: level+2 distinct words to sort ascending.
func genWordSorting(r *rand.Rand, level int) Item {
	n := level + 2
	perm := r.Perm(len(Words))[:n]
	words := make([]string, n)
	for i, j := range perm {
		words[i] = Words[j]
	}
	sorted := slices.Sorted(slices.Values(words))
	return Item{
		Question: "Sort these words alphabetically: " + strings.Join(words, " ") + ". Answer in \\boxed{word1, word2, ...}.",
		Answer:   strings.Join(sorted, ", "),
		Think:    strings.Join(words, " "),
		Metadata: map[string]any{"words": words, "sorted_words": sorted, "order": "ascending"},
	}
}

// boolExpr is a random expression with ops operators and its value.
func boolExpr(r *rand.Rand, ops int) (string, bool) {
	if ops == 0 {
		v := r.IntN(2) == 1
		return pyBool(v), v
	}
	if r.IntN(3) == 0 {
		s, v := boolExpr(r, ops-1)
		if strings.HasPrefix(s, "(") || !strings.Contains(s, " ") {
			return "not " + s, !v
		}
		return "not (" + s + ")", !v
	}
	left := r.IntN(ops)
	ls, lv := boolExpr(r, left)
	rs, rv := boolExpr(r, ops-1-left)
	wrap := func(s string) string {
		if strings.Contains(s, " and ") || strings.Contains(s, " or ") {
			return "(" + s + ")"
		}
		return s
	}
	if r.IntN(2) == 0 {
		return wrap(ls) + " and " + wrap(rs), lv && rv
	}
	return wrap(ls) + " or " + wrap(rs), lv || rv
}

func pyBool(v bool) string {
	if v {
		return "True"
	}
	return "False"
}

// genBoolean: level+1 options of level operators each; at least one option is true.
func genBoolean(r *rand.Rand, level int) Item {
	n := level + 1
	for {
		var lines, think, labels []string
		var values []bool
		for i := range n {
			label := string(rune('A' + i))
			s, v := boolExpr(r, level)
			lines = append(lines, label+". "+s)
			think = append(think, label+" "+pyBool(v))
			values = append(values, v)
			if v {
				labels = append(labels, label)
			}
		}
		if len(labels) == 0 {
			continue
		}
		return Item{
			Question: "Which of these are true?\n" + strings.Join(lines, "\n") + "\nAnswer in \\boxed{} with the labels, separated by commas.",
			Answer:   strings.Join(labels, ","),
			Think:    strings.Join(think, " "),
			Metadata: map[string]any{"expressions": lines, "values": values},
		}
	}
}
