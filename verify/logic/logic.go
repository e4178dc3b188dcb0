// Package logic verifies answers to SynLogic logic tasks (game of 24, sudoku, arrow maze, Dyck
// languages, web of lies, skyscraper, star placement, ...).
//
// A SynLogic row names its task in data_source ("arrow_maze", or "val/arrow_maze" in
// validation files) and carries the instance in extra_info.game_data_str, a JSON object
// {question, answer, difficulty, metadata, gpt_response}. [ParseGameData] reads that object,
// [Lookup] finds the task's [Verifier], and [Verifier.Verify] grades one model response:
//
//	g, err := logic.ParseGameData(row.Extra["game_data_str"])
//	v, ok := logic.Lookup(row.DataSource) // false: unknown task, report it by name
//	res := v.Verify(g, completionText)    // res.Correct, res.Reason, res.Extracted
//
// Each verifier gives the verdict of upstream SynLogic's verifier for its task
// (MiniMax-AI/SynLogic, games/tasks/<task>/scripts/<task>_verifier.py): it reads the answer
// where upstream reads it (the last or first ```python block, the last \boxed{}, the whole
// response, "The answer is: **...**", [[...]], ...), with upstream's quirks, and checks what
// upstream checks — the task's rules where a task has many valid answers (sudoku, arrow maze,
// star placement, skyscraper, futoshiki, kukurasu, numbrix, survo, campsite, norinori, number
// wall, calcudoko, wordscapes), the gold answer elsewhere. It grades the text upstream's
// harness hands over: after the last "</think>", inside <answer>…</answer> when there is one.
//
// Where upstream is wrong we are right, and say so at the task and in docs/synlogic.md: for
// example upstream game_of_24 (and mathador, graded by the same code) compares the evaluated
// answer with itself, so the target is never checked. Options.Upstream (LookupWith) turns
// every such fix off and gives upstream's verdicts.
//
// Responses are untrusted: extraction scans the text linearly, literals are read by a small
// bounded parser (never eval), and arithmetic uses exact rationals, so a 1 MB response is graded
// in a few milliseconds. Verify never panics on any response; a malformed instance (metadata
// that does not match the task) yields Correct=false with a Reason starting "bad instance:".
package logic

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// GameData is one SynLogic instance, the JSON object carried in extra_info.game_data_str.
type GameData struct {
	// Question is the full prompt text shown to the model.
	Question string `json:"question"`
	// Answer is the gold answer in the task's own format; empty for tasks graded only
	// against Metadata (game_of_24, skyscraper_puzzle). A non-string stored answer (a number,
	// a list of rows) is kept as its compact JSON text.
	Answer string `json:"answer"`
	// Difficulty is the generator's difficulty level (0 when absent).
	Difficulty int `json:"-"`
	// Metadata holds the task-specific instance (grids, clues, solutions); JSON null when absent.
	Metadata json.RawMessage `json:"metadata"`
	// GPTResponse is an optional reference response stored by the generator.
	GPTResponse string `json:"gpt_response"`
}

// ParseGameData decodes a game_data_str value. It accepts the object itself or, as some
// exports store it, that object JSON-encoded once more as a string. Unknown keys are ignored
// (the data is foreign); a difficulty may be a number or a numeric string.
func ParseGameData(s string) (GameData, error) {
	b := bytes.TrimSpace([]byte(s))
	if len(b) > 0 && b[0] == '"' {
		var inner string
		if err := json.Unmarshal(b, &inner); err != nil {
			return GameData{}, fmt.Errorf("logic: game_data_str: quoted value: %w", err)
		}
		b = bytes.TrimSpace([]byte(inner))
	}
	if len(b) == 0 || b[0] != '{' {
		return GameData{}, errors.New("logic: game_data_str: want a JSON object {question, answer, difficulty, metadata, gpt_response}")
	}
	var raw struct {
		GameData
		Answer     json.RawMessage `json:"answer"`
		Difficulty json.RawMessage `json:"difficulty"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return GameData{}, fmt.Errorf("logic: game_data_str: %w", err)
	}
	g := raw.GameData
	g.Answer = answerText(raw.Answer)
	d, err := parseDifficulty(raw.Difficulty)
	if err != nil {
		return GameData{}, fmt.Errorf("logic: game_data_str: field difficulty: %w", err)
	}
	g.Difficulty = d
	if len(bytes.TrimSpace(g.Metadata)) == 0 {
		g.Metadata = json.RawMessage("null")
	}
	return g, nil
}

// answerText turns the stored answer into text. Upstream generators store it as a string
// (most tasks), an integer (object_counting, word_sorting_mistake), a list of rows
// (futoshiki) or null (word_sorting_mistake when there is no mistake): non-strings become
// their compact JSON text, null becomes "".
func answerText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || string(t) == "null" {
		return ""
	}
	var buf bytes.Buffer
	if json.Compact(&buf, t) != nil {
		return string(t)
	}
	return buf.String()
}

func parseDifficulty(raw json.RawMessage) (int, error) {
	t := strings.TrimSpace(string(raw))
	if t == "" || t == "null" {
		return 0, nil
	}
	if strings.HasPrefix(t, `"`) {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, err
		}
		t = strings.TrimSpace(s)
		if t == "" {
			return 0, nil
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f != float64(int(f)) {
		return 0, fmt.Errorf("want an integer, got %q", t)
	}
	return int(f), nil
}

// Result is the outcome of grading one response.
type Result struct {
	// Correct reports whether the response solves the instance.
	Correct bool
	// Reason says why the response was judged incorrect ("" when correct).
	Reason string
	// Extracted is the answer text found in the response ("" when none was found).
	Extracted string
}

// Verifier grades responses to one SynLogic task. Implementations are safe for concurrent use.
type Verifier interface {
	// Verify grades response against instance g. It never panics.
	Verify(g GameData, response string) Result
}

// Options select how verifiers grade. The zero value is mirage's default: upstream
// SynLogic's formats and rules, with the upstream bugs listed in docs/synlogic.md fixed.
type Options struct {
	// Upstream grades exactly as upstream SynLogic's verifiers do where mirage deliberately
	// differs (docs/synlogic.md lists each case): bugs included, for reproducing numbers
	// computed with the upstream code.
	Upstream bool
}

// task is a registered verifier: its canonical name and grading function.
type task struct {
	name   string
	verify func(g GameData, answerRegion string, o Options) Result
	opts   Options
}

// Verify implements [Verifier]: it grades the answer region of the response (see
// answerRegion) and turns any unexpected panic into an incorrect result.
func (t task) Verify(g GameData, response string) (res Result) {
	defer func() {
		if r := recover(); r != nil {
			res = Result{Reason: fmt.Sprintf("internal error in %s verifier: %v", t.name, r)}
		}
	}()
	return t.verify(g, answerRegion(response), t.opts)
}

// registry maps canonical task names to verifiers; filled by each task's file via register
// (tasks that grade the same way in both modes) or registerOpts (tasks with documented
// differences from upstream).
var registry = map[string]task{}

func register(name string, f func(GameData, string) Result) {
	registerOpts(name, func(g GameData, region string, _ Options) Result { return f(g, region) })
}

func registerOpts(name string, f func(GameData, string, Options) Result) {
	if _, dup := registry[name]; dup {
		panic("logic: task registered twice: " + name)
	}
	registry[name] = task{name: name, verify: f}
}

// aliases maps naming variants seen in SynLogic exports and papers to canonical names.
var aliases = map[string]string{
	"game24":              "game_of_24",
	"game_24":             "game_of_24",
	"24_game":             "game_of_24",
	"24game":              "game_of_24",
	"skyscraper":          "skyscraper_puzzle",
	"skyscrapers":         "skyscraper_puzzle",
	"star_placement":      "star_placement_puzzle",
	"dyck":                "dyck_language",
	"dyck_languages":      "dyck_language",
	"dyck_language_error": "dyck_language_errors",
	"boolean_expression":  "boolean_expressions",
	"web_of_lie":          "web_of_lies",
	"goods_exchanges":     "goods_exchange",
	"word_sort":           "word_sorting",
	"object_count":        "object_counting",
	"cryptarithmetic":     "cryptarithm",
	"minesweeper_puzzle":  "minesweeper",
	"futoshiki_puzzle":    "futoshiki",
	"kukurasu_puzzle":     "kukurasu",
	"mathpath":            "math_path",
	"arrowmaze":           "arrow_maze",
	"sudoku_puzzle":       "sudoku",
}

// Lookup returns the verifier for a task name as it appears in data_source, with the default
// Options. It accepts split prefixes ("val/arrow_maze"), case and separator variants
// ("ArrowMaze", "arrow-maze") and a few known aliases ("skyscraper", "star_placement",
// "game24"). ok is false for unknown tasks.
func Lookup(name string) (v Verifier, ok bool) {
	return LookupWith(name, Options{})
}

// LookupWith is Lookup with grading options (Options.Upstream: upstream SynLogic's verdicts
// where mirage deliberately differs).
func LookupWith(name string, o Options) (v Verifier, ok bool) {
	t, ok := registry[canonical(name)]
	if !ok {
		return nil, false
	}
	t.opts = o
	return t, true
}

// Canonical returns the registered name of a task as Lookup resolves it ("val/ArrowMaze" →
// "arrow_maze"), so callers can count tasks under one name; ok is false for unknown tasks.
func Canonical(name string) (string, bool) {
	c := canonical(name)
	_, ok := registry[c]
	return c, ok
}

// Tasks returns the canonical names of all supported tasks, sorted.
func Tasks() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// canonical normalises a task name: drops any path-like prefix, splits camel case, lowercases,
// unifies separators and resolves aliases.
func canonical(name string) string {
	name = strings.TrimSpace(name)
	if i := strings.LastIndexAny(name, "/\\:"); i >= 0 {
		name = name[i+1:]
	}
	if len(name) > 100 {
		return ""
	}
	var b strings.Builder
	prevLower := false
	for _, r := range name {
		switch {
		case r >= 'A' && r <= 'Z':
			if prevLower {
				b.WriteByte('_')
			}
			b.WriteRune(r + ('a' - 'A'))
			prevLower = false
		case r == '-' || r == ' ' || r == '.' || r == '_':
			b.WriteByte('_')
			prevLower = false
		default:
			if r >= '0' && r <= '9' && prevLower {
				b.WriteByte('_')
			}
			b.WriteRune(r)
			prevLower = r >= 'a' && r <= 'z'
		}
	}
	s := b.String()
	for strings.Contains(s, "__") {
		s = strings.ReplaceAll(s, "__", "_")
	}
	s = strings.Trim(s, "_")
	s = strings.TrimPrefix(s, "synlogic_")
	if a, ok := aliases[s]; ok {
		return a
	}
	return s
}

// incorrect builds a failing result.
func incorrect(extracted, format string, args ...any) Result {
	return Result{Reason: fmt.Sprintf(format, args...), Extracted: extracted}
}

// badInstance reports metadata that does not describe a valid instance of the task.
func badInstance(format string, args ...any) Result {
	return Result{Reason: "bad instance: " + fmt.Sprintf(format, args...)}
}

// decodeMeta decodes g.Metadata into v.
func decodeMeta(g GameData, v any) error {
	if len(g.Metadata) == 0 || string(g.Metadata) == "null" {
		return errors.New("metadata is missing")
	}
	if err := json.Unmarshal(g.Metadata, v); err != nil {
		return fmt.Errorf("metadata: %w", err)
	}
	return nil
}
