package passk

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"unicode"
)

// Tokens splits text into the units ROUGE-L compares: maximal runs of letters and digits,
// lowercased, and every other non-space character on its own. Unlike the usual English
// tokenizer it keeps symbols, because in a math problem "x^2+1" and "x 2 1" are different text.
func Tokens(s string) []string {
	var toks []string
	var word []rune
	flush := func() {
		if len(word) > 0 {
			toks = append(toks, string(word))
			word = word[:0]
		}
	}
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			word = append(word, unicode.ToLower(r))
		case unicode.IsSpace(r):
			flush()
		default:
			flush()
			toks = append(toks, string(r))
		}
	}
	flush()
	return toks
}

// RougeL is ROUGE-L (Lin 2004) of a candidate against a reference token sequence: with L the
// length of their longest common subsequence, precision L/len(candidate), recall
// L/len(reference) and F1 their harmonic mean. Empty sequences score 0, except that two empty
// sequences match perfectly.
func RougeL(candidate, reference []string) (precision, recall, f1 float64) {
	if len(candidate) == 0 || len(reference) == 0 {
		if len(candidate) == len(reference) {
			return 1, 1, 1
		}
		return 0, 0, 0
	}
	l := lcs(candidate, reference)
	if l == 0 {
		return 0, 0, 0
	}
	precision = float64(l) / float64(len(candidate))
	recall = float64(l) / float64(len(reference))
	return precision, recall, 2 * precision * recall / (precision + recall)
}

// lcs is the length of the longest common subsequence, in O(len(a)·len(b)) time and
// O(len(b)) memory.
func lcs(a, b []string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for i := range a {
		for j := range b {
			switch {
			case a[i] == b[j]:
				cur[j+1] = prev[j] + 1
			case prev[j+1] >= cur[j]:
				cur[j+1] = prev[j+1]
			default:
				cur[j+1] = cur[j]
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// ExactMatch reports whether the completion reproduces the reference verbatim, up to
// whitespace: after collapsing runs of white space and trimming, the completion starts with
// the reference (a completion may run on past the end of the problem). An empty reference
// never matches.
func ExactMatch(completion, reference string) bool {
	ref := strings.Join(strings.Fields(reference), " ")
	return ref != "" && strings.HasPrefix(strings.Join(strings.Fields(completion), " "), ref)
}

// Probe is the outcome of one partial-prompt probe: the problem statement cut after Ratio of
// its tokens, completed greedily by the model.
type Probe struct {
	ID         string  `json:"id"`
	DataSource string  `json:"data_source,omitempty"`
	Ratio      float64 `json:"ratio"`
	// Instruction names the instruction kept before the cut statement (a template's name, the
	// extra_info field that gave the statement, or NoInstruction: the whole prompt text was the
	// statement); Prompt is the fingerprint of the problem's prompt, which a resume compares
	// with the data's.
	Instruction string `json:"instruction"`
	Prompt      string `json:"prompt_sha256"`
	// RougeL is the ROUGE-L F1 of the completion (cut to as many model tokens as the rest of the
	// problem has) against the rest; Exact whether it reproduced the rest verbatim.
	RougeL float64 `json:"rouge_l"`
	Exact  bool    `json:"exact_match"`
	// AnswerCorrect says whether the final answer the model went on to give is correct; nil
	// when it gave none or there is no ground truth.
	AnswerCorrect *bool `json:"answer_correct,omitempty"`
}

// ContaminationRow summarises the probes at one ratio (and one data source, in breakdowns).
type ContaminationRow struct {
	Ratio  float64 `json:"ratio"`
	Source string  `json:"source,omitempty"`
	// RougeL is the mean ROUGE-L F1, ExactMatch the fraction reproduced verbatim, and
	// AnswerAccuracy the fraction of probes whose final answer was correct (probes without an
	// answer count as wrong). Each has its bootstrap interval over problems.
	RougeL         Point `json:"rouge_l"`
	ExactMatch     Point `json:"exact_match"`
	AnswerAccuracy Point `json:"answer_accuracy"`
	Answered       int   `json:"answered"`
	// Instructions counts the row's probes by Probe.Instruction: which instruction the cut
	// statements were rendered after.
	Instructions map[string]int `json:"instructions"`
}

// NoInstruction is Probe.Instruction when no instruction was told apart from the statement.
const NoInstruction = "none"

// SummariseContamination gives one row per ratio, in increasing order, then, when the probes
// come from several data sources, one row per ratio and source. Intervals use opts' bootstrap
// settings (its Ks are ignored).
func SummariseContamination(probes []Probe, opts Options) []ContaminationRow {
	opts = opts.bootstrapDefaults()
	var ratios []float64
	sources := map[string]bool{}
	for _, p := range probes {
		ratios = append(ratios, p.Ratio)
		sources[p.DataSource] = true
	}
	slices.Sort(ratios)
	ratios = slices.Compact(ratios)
	row := func(ratio float64, source string, all bool) ContaminationRow {
		var rouge, exact, acc []float64
		r := ContaminationRow{Ratio: ratio, Source: source, Instructions: map[string]int{}}
		for _, p := range probes {
			if p.Ratio != ratio || (!all && p.DataSource != source) {
				continue
			}
			r.Instructions[p.Instruction]++
			rouge = append(rouge, p.RougeL)
			exact = append(exact, b2f(p.Exact))
			acc = append(acc, b2f(p.AnswerCorrect != nil && *p.AnswerCorrect))
			if p.AnswerCorrect != nil {
				r.Answered++
			}
		}
		r.RougeL = summarise(0, rouge, opts)
		r.ExactMatch = summarise(0, exact, opts)
		r.AnswerAccuracy = summarise(0, acc, opts)
		return r
	}
	var rows []ContaminationRow
	for _, ratio := range ratios {
		rows = append(rows, row(ratio, "", true))
	}
	if len(sources) > 1 {
		names := make([]string, 0, len(sources))
		for s := range sources {
			names = append(names, s)
		}
		slices.Sort(names)
		for _, s := range names {
			for _, ratio := range ratios {
				r := row(ratio, s, false)
				if r.RougeL.Problems > 0 {
					r.Source = orDash(s)
					rows = append(rows, r)
				}
			}
		}
	}
	return rows
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// WriteContaminationMarkdown prints the rows as a Markdown table.
func WriteContaminationMarkdown(w io.Writer, rows []ContaminationRow, opts Options) error {
	var b strings.Builder
	b.WriteString("| prefix | source | problems | ROUGE-L F1 | interval | exact match | interval | answer accuracy | interval | answered |\n")
	b.WriteString("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %.0f%% | %s | %d | %.4f | %s | %s | %s | %s | %s | %d |\n",
			100*r.Ratio, orDash(r.Source), r.RougeL.Problems, r.RougeL.Value, ciPlain(r.RougeL), pct(r.ExactMatch.Value), interval(r.ExactMatch),
			pct(r.AnswerAccuracy.Value), interval(r.AnswerAccuracy), r.Answered)
	}
	if len(rows) > 0 {
		var used []string
		for name, n := range rows[0].Instructions {
			used = append(used, fmt.Sprintf("%s: %d problems", name, n))
		}
		slices.Sort(used)
		fmt.Fprintf(&b, "\nPrompts: BOS, the instruction before the problem statement (%s), then the statement's first tokens; no chat template, and any instruction after the statement is left out. Scored against the rest of the statement.\n", strings.Join(used, ", "))
	}
	if opts = opts.bootstrapDefaults(); opts.Resamples > 0 {
		fmt.Fprintf(&b, "\nIntervals: %.0f%% bootstrap percentile over problems, %d resamples, seed %d.\n", 100*opts.Confidence, opts.Resamples, opts.Seed)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("passk: %w", err)
	}
	return nil
}

func ciPlain(p Point) string {
	if math.IsNaN(p.Value) || p.noInterval {
		return "-"
	}
	return fmt.Sprintf("[%.4f, %.4f]", p.Lo, p.Hi)
}
