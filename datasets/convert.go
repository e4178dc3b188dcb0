package datasets

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"strings"
	"unicode"

	"github.com/mirage-rl/mirage/datasets/atomicfile"
)

// Prompt templates for math problems. A template is one of these names or any text holding
// "{problem}", which is replaced by the problem.
const (
	// TemplateThinkAnswer is the paper's prompt, word for word as its released
	// math_data_process.py writes it: the instruction to reason inside <think> </think> and
	// answer inside <answer> </answer>, then a blank line, then the problem.
	TemplateThinkAnswer = "think-answer"
	// TemplateBoxed asks for the final answer in \boxed{}, as DeepScaleR and verl do.
	TemplateBoxed = "boxed"
)

var templates = map[string]string{
	TemplateThinkAnswer: "Solve the following problem step by step. First, think about the reasoning process in the mind and then provide the answer. The reasoning process is enclosed within <think> </think> and the final answer is enclosed within <answer> </answer> tags, respectively, i.e., <think> reasoning process here </think> <answer> answer here</answer>.\n\n{problem}",
	TemplateBoxed:       "{problem}\n\nLet's think step by step and output the final answer within \\boxed{}.",
}

// ApplyTemplate renders a math prompt; template "" is TemplateThinkAnswer.
func ApplyTemplate(template, problem string) (string, error) {
	if template == "" {
		template = TemplateThinkAnswer
	}
	t, ok := templates[template]
	if !ok {
		if !strings.Contains(template, "{problem}") {
			return "", fmt.Errorf("datasets: template %q: want %q, %q or a text with {problem}", template, TemplateThinkAnswer, TemplateBoxed)
		}
		t = template
	}
	return strings.ReplaceAll(t, "{problem}", problem), nil
}

// ApplyTemplateAll templates every problem's question (Prompt.String()): a text prompt becomes
// one user message, a chat prompt gets its last user message rewritten. ps is not modified.
func ApplyTemplateAll(ps []Problem, template string) ([]Problem, error) {
	out := make([]Problem, len(ps))
	for i, p := range ps {
		text, err := ApplyTemplate(template, p.Prompt.String())
		if err != nil {
			return nil, err
		}
		msgs := append([]Message(nil), p.Prompt.Messages...)
		last := -1
		for j := range msgs {
			if msgs[j].Role == "user" {
				last = j
			}
		}
		if last < 0 {
			msgs = append(msgs, Message{Role: "user", Content: text})
		} else {
			msgs[last].Content = text
		}
		p.Prompt = Prompt{Messages: msgs}
		out[i] = p
	}
	return out, nil
}

// DeepScaleROptions tunes ConvertDeepScaleR; the zero value gives the paper's rows.
type DeepScaleROptions struct {
	// Template is the prompt template (default TemplateThinkAnswer).
	Template string
	// DataSource, when set, is the data_source of every row. Default: the item's own
	// data_source field, else the file's name without its extension (DeepScaleR's
	// deepscaler.json gives "deepscaler", its test file minerva.json "minerva").
	DataSource string
	// Split, when set, is extra_info.split of every row. Default: the item's own split
	// field, else "test" for a file in a folder named test (DeepScaleR's data/test/*.json),
	// else "train".
	Split string
}

// ConvertDeepScaleR turns DeepScaleR JSON (problem, answer, solution; also the AIME, AMC,
// MATH-500, Minerva and OlympiadBench test files) into verl rows: one user message with the
// templated problem, ability "math", reward_model {style: rule, ground_truth},
// extra_info {index, split, and every other field of the item}. The answer keeps its type: a
// string, a number (AMC's doubles) or a list of alternative answers, any of which is correct
// (Minerva's ["6630.65", "6630"]), as DeepScaleR's own preprocessing writes it. index is the
// item's position in the file; the id is the item's unique_id (MATH-500) or id
// (OlympiadBench), else "<data_source>/<index>".
func ConvertDeepScaleR(path string, opts DeepScaleROptions) ([]Problem, error) {
	if _, err := ApplyTemplate(opts.Template, ""); err != nil {
		return nil, err
	}
	source, split := fileStem(path), "train"
	if filepath.Base(filepath.Dir(path)) == "test" {
		split = "test"
	}
	var out []Problem
	err := scanRecords(path, func(rec record, pos position) error {
		problem, ok := rec["problem"].(string)
		if !ok {
			return pos.err(path, "problem", fmt.Errorf("want a string, got %s", typeName(rec["problem"])))
		}
		if strings.TrimSpace(problem) == "" {
			return pos.err(path, "problem", fmt.Errorf("empty: want the problem's text"))
		}
		if _, ok := rec["answer"]; !ok {
			return pos.err(path, "answer", fmt.Errorf("missing: want the reference answer"))
		}
		gt, err := NewGroundTruth(rec["answer"])
		if err != nil {
			return pos.err(path, "answer", err)
		}
		if gt.Blank() {
			// A row without a gold answer would train and evaluate against nothing.
			return pos.err(path, "answer", fmt.Errorf("empty (%s): want the reference answer", typeName(rec["answer"])))
		}
		text, _ := ApplyTemplate(opts.Template, problem)
		p := Problem{
			Prompt:      Prompt{Messages: []Message{{Role: "user", Content: text}}},
			GroundTruth: gt,
			Ability:     "math",
			Extra:       map[string]any{"index": int64(pos.index), RewardModelPrefix + "style": "rule"},
		}
		for k, v := range rec {
			switch k {
			case "problem", "answer":
			case "data_source", "id":
				// Checked below.
			default:
				if v != nil { // parquet cannot tell null from absent
					p.Extra[k] = v
				}
			}
		}
		switch ds := rec["data_source"].(type) {
		case nil:
			p.DataSource = source
		case string:
			p.DataSource = ds
		default:
			return pos.err(path, "data_source", fmt.Errorf("want a string, got %s", typeName(ds)))
		}
		if opts.DataSource != "" || p.DataSource == "" {
			p.DataSource = cmp.Or(opts.DataSource, source)
		}
		if _, ok := p.Extra["split"].(string); !ok {
			p.Extra["split"] = split
		}
		if opts.Split != "" {
			p.Extra["split"] = opts.Split
		}
		if v, ok := rec["id"]; ok && v != nil {
			if p.ID, err = idString(v); err != nil {
				return pos.err(path, "id", err)
			}
		} else {
			p.ID = derivedID(p)
		}
		out = append(out, p)
		return nil
	})
	uniqueIDs(out)
	if err == nil && len(out) == 0 {
		return nil, &DataError{File: path, Group: -1, Err: errors.New("holds no items: want DeepScaleR problems")}
	}
	return out, err
}

// NormalizeText is the key for de-duplication: the prompt's question text, lower-cased,
// with every run of white space made one space and punctuation-only differences at the
// ends removed.
func NormalizeText(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return strings.TrimRight(b.String(), ".?!。？！ ")
}

// Dedupe keeps the first problem of each normalised question text (NormalizeText of
// Prompt.String()) and reports how many it dropped.
func Dedupe(ps []Problem) ([]Problem, int) {
	seen := make(map[string]bool, len(ps))
	out := ps[:0:0]
	for _, p := range ps {
		k := NormalizeText(p.Prompt.String())
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, p)
	}
	return out, len(ps) - len(out)
}

// Shuffle returns a copy of ps in a random order fixed by seed (PCG), the same on every
// machine and Go version.
func Shuffle(ps []Problem, seed uint64) []Problem {
	out := append([]Problem(nil), ps...)
	r := rand.New(rand.NewPCG(seed, 0x6d69726167652d31))
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// Split cuts ps into train and test: the last testSize problems, or when testSize is 0 the
// last round(testFraction·len) — shuffle first for a random split. Each half gets
// extra_info.split set.
func Split(ps []Problem, testFraction float64, testSize int) (train, test []Problem, err error) {
	if testFraction < 0 || testFraction >= 1 || testSize < 0 {
		return nil, nil, fmt.Errorf("datasets: split: want 0 <= test fraction < 1 and test size >= 0, got %v and %d", testFraction, testSize)
	}
	n := testSize
	if n == 0 {
		n = int(testFraction*float64(len(ps)) + 0.5)
	}
	if n > len(ps) {
		return nil, nil, fmt.Errorf("datasets: split: test size %d is more than the %d problems", n, len(ps))
	}
	cut := len(ps) - n
	return withSplit(ps[:cut], "train"), withSplit(ps[cut:], "test"), nil
}

func withSplit(ps []Problem, split string) []Problem {
	out := make([]Problem, len(ps))
	for i, p := range ps {
		p.Extra = cloneExtra(p.Extra)
		p.Extra["split"] = split
		out[i] = p
	}
	return out
}

// WriteFile writes problems to path in the format its extension names: .parquet (verl
// parquet, see WriteProblems), .jsonl (one Problem record per line) or .json (an array of
// them); with opts.VerlJSON the JSON holds verl rows instead. ReadProblems reads every one of
// them back to the same problems.
func WriteFile(path string, ps []Problem, opts WriteOptions) error {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".parquet":
		return WriteProblems(path, ps, opts)
	case ".jsonl", ".json":
		var b bytes.Buffer
		array := strings.EqualFold(filepath.Ext(path), ".json")
		var item func(Problem) any = func(p Problem) any { return withTypedNumbers(p) }
		if opts.VerlJSON {
			item = func(p Problem) any { return jsonTyped(recordOf(p)) }
		}
		if array {
			b.WriteString("[\n")
		}
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		for i, p := range ps {
			if array && i > 0 {
				b.WriteString(",\n")
			}
			if err := enc.Encode(item(p)); err != nil {
				return fmt.Errorf("datasets: encode problem %q: %w", p.ID, err)
			}
			if array {
				b.Truncate(b.Len() - 1) // Encode's newline
			}
		}
		if array {
			b.WriteString("\n]\n")
		}
		if err := atomicfile.Write(path, func(w io.Writer) error {
			_, err := b.WriteTo(w)
			return err
		}); err != nil {
			return fmt.Errorf("datasets: %w", err)
		}
		return nil
	}
	return fmt.Errorf("datasets: %s: want an output ending in .parquet, .jsonl or .json", path)
}

// FieldCount is how many rows give a field a non-empty value.
type FieldCount struct {
	Field string `json:"field"`
	Rows  int    `json:"rows"`
}

// Stats summarises a data file for `mirage convert stats`.
type Stats struct {
	File     string         `json:"file"`
	Rows     int            `json:"rows"`
	BySource map[string]int `json:"rows_by_data_source"`
	// Fields lists every field path (struct fields joined with ".") in order of first
	// appearance, with the rows where it is present and neither null, "" nor an empty list.
	Fields []FieldCount `json:"fields"`
}

// FileStats reads any file ReadProblems reads and counts rows per data_source and the
// coverage of every field, as the file has them (before mapping to problems).
func FileStats(path string) (Stats, error) {
	st := Stats{File: path, BySource: map[string]int{}}
	at := map[string]int{}
	var count func(prefix string, v any)
	count = func(prefix string, v any) {
		if m, ok := v.(map[string]any); ok {
			for _, k := range sortedKeys(m) {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				count(p, m[k])
			}
			return
		}
		i, ok := at[prefix]
		if !ok {
			i = len(st.Fields)
			at[prefix] = i
			st.Fields = append(st.Fields, FieldCount{Field: prefix})
		}
		switch x := v.(type) {
		case nil:
			return
		case string:
			if x == "" {
				return
			}
		case []any:
			if len(x) == 0 {
				return
			}
		}
		st.Fields[i].Rows++
	}
	err := scanRecords(path, func(rec record, _ position) error {
		st.Rows++
		ds, _ := rec["data_source"].(string)
		st.BySource[ds]++
		for _, k := range columnOrder(rec) {
			count(k, rec[k])
		}
		return nil
	})
	return st, err
}

// SortedSources lists the data sources of s by descending row count, then name.
func (s Stats) SortedSources() []string {
	ks := make([]string, 0, len(s.BySource))
	for k := range s.BySource {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool {
		if s.BySource[ks[i]] != s.BySource[ks[j]] {
			return s.BySource[ks[i]] > s.BySource[ks[j]]
		}
		return ks[i] < ks[j]
	})
	return ks
}

// SelectOptions is the common post-processing of `mirage convert`, applied in this order:
// de-duplicate, shuffle, limit, split. The zero value keeps everything as it is.
type SelectOptions struct {
	// Dedupe drops problems whose normalised text repeats an earlier one (see Dedupe).
	Dedupe bool
	// Shuffle reorders the problems at random, fixed by Seed.
	Shuffle bool
	Seed    uint64
	// Limit keeps the first Limit problems (0: all).
	Limit int
	// TestFraction or TestSize (which wins) moves the last problems to a test split.
	TestFraction float64
	TestSize     int
}

// SelectReport counts what Select did.
type SelectReport struct {
	In         int `json:"in"`
	Duplicates int `json:"duplicates"`
	Train      int `json:"train"`
	Test       int `json:"test"`
}

// Select applies o to ps. Without a split, test is nil and extra_info.split is left alone.
func Select(ps []Problem, o SelectOptions) (train, test []Problem, rep SelectReport, err error) {
	rep.In = len(ps)
	if o.Limit < 0 {
		return nil, nil, rep, fmt.Errorf("datasets: limit %d: want 0 (all) or more", o.Limit)
	}
	if o.Dedupe {
		ps, rep.Duplicates = Dedupe(ps)
	}
	if o.Shuffle {
		ps = Shuffle(ps, o.Seed)
	}
	if o.Limit > 0 && o.Limit < len(ps) {
		ps = ps[:o.Limit]
	}
	train = ps
	if o.TestFraction != 0 || o.TestSize != 0 {
		if train, test, err = Split(ps, o.TestFraction, o.TestSize); err != nil {
			return nil, nil, rep, err
		}
	}
	rep.Train, rep.Test = len(train), len(test)
	return train, test, rep, nil
}
