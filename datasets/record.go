package datasets

import (
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// A record is one row or JSON object in schema-free form. Its values are nil, bool, int64,
// float64, string, []any and map[string]any — the same types whatever file it came from, so
// records from JSON and from parquet compare equal when they hold the same data.
type record = map[string]any

// Prefixes of Problem.Extra keys that do not belong in verl's extra_info column.
const (
	// RewardModelPrefix marks reward_model fields other than ground_truth, e.g.
	// "reward_model.style".
	RewardModelPrefix = "reward_model."
	// ColumnPrefix marks top-level columns that are not one of verl's five, e.g.
	// "column.tags" for a parquet column named tags.
	ColumnPrefix = "column."
)

// Mapping says which JSON fields hold a problem's parts when the defaults do not find them.
// The zero Mapping detects verl rows, our own Problem records, DeepScaleR (problem/answer)
// and GSM8K (question/answer with "#### N").
type Mapping struct {
	// ID is the field holding a stable id. Default: id, then extra_info.id, unique_id,
	// extra_info.index (prefixed with the data source), then "<file stem>-<row>".
	ID string
	// Prompt is the field holding the prompt (string or chat messages). Default: prompt,
	// problem, question.
	Prompt string
	// Answer is the field holding the reference answer (string, number, or list of them).
	// Default: ground_truth, reward_model.ground_truth, answer.
	Answer string
	// AnswerFormat says how to read the answer field: "" (as is, except that an answer field
	// holding a GSM8K solution with "#### N" gives N), "gsm8k" (require "#### N") or "plain"
	// (always as is).
	AnswerFormat string
	// DataSource, when set, replaces every record's data_source.
	DataSource string
	// Ability, when set, replaces every record's ability.
	Ability string
}

// fieldErr builds the *DataError for a field of one record; file, group and row are filled
// in by the reader that knows them.
type fieldErr func(field string, err error) error

// problemOf turns one record into a Problem. row is the 0-based position in the file, used
// for file-derived ids.
func problemOf(rec record, m Mapping, stem string, row int, bad fieldErr) (Problem, error) {
	var p Problem
	used := map[string]bool{}
	take := func(k string) (any, bool) {
		v, ok := rec[k]
		if ok {
			used[k] = true
		}
		return v, ok
	}

	// Prompt.
	promptKeys := []string{"prompt", "problem", "question"}
	if m.Prompt != "" {
		promptKeys = []string{m.Prompt}
	}
	promptFound := false
	for _, k := range promptKeys {
		v, ok := take(k)
		if !ok || v == nil {
			continue
		}
		pr, err := promptOf(v)
		if err != nil {
			return p, bad(k, err)
		}
		if blankPrompt(pr) {
			// The model would be sampled on the chat template alone.
			return p, bad(k, fmt.Errorf("empty: want the problem's text"))
		}
		p.Prompt, promptFound = pr, true
		break
	}
	if !promptFound {
		return p, bad(strings.Join(promptKeys, "|"), fmt.Errorf("missing: want the prompt as a string or a list of {role, content}"))
	}

	// Everything in extra_info, extra (our own records) and reward_model lands in Extra.
	p.Extra = map[string]any{}
	for _, k := range []string{"extra_info", "extra"} {
		v, ok := take(k)
		if !ok || v == nil {
			continue
		}
		mv, ok := v.(map[string]any)
		if !ok {
			return p, bad(k, fmt.Errorf("want an object, got %s", typeName(v)))
		}
		for ek, ev := range mv {
			p.Extra[ek] = ev
		}
	}
	var answer any
	answerField := ""
	if v, ok := take("reward_model"); ok && v != nil {
		mv, ok := v.(map[string]any)
		if !ok {
			return p, bad("reward_model", fmt.Errorf("want a struct {ground_truth, style}, got %s", typeName(v)))
		}
		for rk, rv := range mv {
			if rk == "ground_truth" {
				answer, answerField = rv, "reward_model.ground_truth"
				continue
			}
			p.Extra[RewardModelPrefix+rk] = rv
		}
	}

	// Answer.
	answerKeys := []string{"ground_truth", "answer"}
	if m.Answer != "" {
		answerKeys = []string{m.Answer}
		if m.Answer == "reward_model.ground_truth" {
			answerKeys = nil
		} else {
			if answerField != "" {
				// A mapped answer field wins; keep reward_model's for the record.
				p.Extra[RewardModelPrefix+"ground_truth"] = answer
			}
			answer, answerField = nil, ""
		}
	}
	for _, k := range answerKeys {
		if answerField != "" {
			break
		}
		if v, ok := take(k); ok {
			answer, answerField = v, k
		}
	}
	if answerField != "" {
		format := m.AnswerFormat
		if format == "" && answerField != "answer" {
			// Only an answer field can be a GSM8K worked solution; ground truths stay as written.
			format = "plain"
		}
		gt, raw, err := answerOf(answer, format)
		if err != nil {
			return p, bad(answerField, err)
		}
		p.GroundTruth = gt
		if raw {
			// GSM8K: the worked solution is worth keeping next to the number.
			p.Extra[answerField] = answer
		}
	}

	var err error
	if p.DataSource, err = stringField("data_source", take); err != nil {
		return p, bad("data_source", err)
	}
	if p.Ability, err = stringField("ability", take); err != nil {
		return p, bad("ability", err)
	}
	if m.DataSource != "" {
		p.DataSource = m.DataSource
	}
	if m.Ability != "" {
		p.Ability = m.Ability
	}

	// ID: an explicit id field is consumed (the writer puts it back when it is needed).
	idKey := "id"
	if m.ID != "" {
		idKey = m.ID
	}
	if v, ok := take(idKey); ok && v != nil {
		if p.ID, err = idString(v); err != nil {
			return p, bad(idKey, err)
		}
	} else if v, ok := p.Extra["id"]; ok && v != nil && m.ID == "" {
		if p.ID, err = idString(v); err != nil {
			return p, bad("extra_info.id", err)
		}
		delete(p.Extra, "id")
	}

	// The rest of the columns or JSON fields: in a verl row they are extra columns; in a
	// plain JSON object (DeepScaleR's solution, difficulty...) they are extra information.
	_, verlRow := rec["reward_model"]
	if _, ok := rec["extra_info"]; ok {
		verlRow = true
	}
	for k, v := range rec {
		if used[k] || isVerlColumn(k) || k == "extra" || k == idKey {
			continue
		}
		if verlRow {
			k = ColumnPrefix + k
		}
		p.Extra[k] = v
	}
	if p.ID == "" {
		p.ID = derivedID(p)
	}
	if p.ID == "" {
		p.ID = stem + "-" + strconv.Itoa(row)
	}
	if len(p.Extra) == 0 {
		p.Extra = nil
	}
	return p, nil
}

// isVerlColumn reports whether k is one of the five columns of a verl row.
func isVerlColumn(k string) bool {
	switch k {
	case "data_source", "prompt", "ability", "reward_model", "extra_info":
		return true
	}
	return false
}

// derivedID is the id a problem gets from its own fields when it carries no explicit id:
// unique_id (MATH-500), else "<data_source>/<index>" (verl's extra_info.index).
func derivedID(p Problem) string {
	if v, ok := p.Extra["unique_id"]; ok {
		if s, err := idString(v); err == nil && s != "" {
			return s
		}
	}
	if v, ok := p.Extra["index"]; ok {
		if s, err := idString(v); err == nil && s != "" {
			if p.DataSource != "" {
				return p.DataSource + "/" + s
			}
			return s
		}
	}
	return ""
}

// fileStem is the base name of path without its extension(s), for file-derived ids.
func fileStem(path string) string {
	b := filepath.Base(path)
	for _, ext := range []string{".gz", ".jsonl", ".json", ".parquet"} {
		b = strings.TrimSuffix(b, ext)
	}
	return b
}

func stringField(k string, take func(string) (any, bool)) (string, error) {
	v, ok := take(k)
	if !ok || v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("want a string, got %s", typeName(v))
	}
	return s, nil
}

func idString(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return strconv.FormatInt(int64(x), 10), nil
		}
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	}
	return "", fmt.Errorf("want a string or integer id, got %s", typeName(v))
}

// promptOf reads a prompt given as text or as a list of {role, content}.
func promptOf(v any) (Prompt, error) {
	switch x := v.(type) {
	case string:
		return Prompt{Text: x}, nil
	case []any:
		msgs := make([]Message, 0, len(x))
		for i, e := range x {
			mv, ok := e.(map[string]any)
			if !ok {
				return Prompt{}, fmt.Errorf("message %d: want {role, content}, got %s", i, typeName(e))
			}
			var msg Message
			for _, f := range []struct {
				name string
				dst  *string
			}{{"role", &msg.Role}, {"content", &msg.Content}} {
				s, ok := mv[f.name].(string)
				if !ok {
					return Prompt{}, fmt.Errorf("message %d: want a string %s, got %s", i, f.name, typeName(mv[f.name]))
				}
				*f.dst = s
			}
			if err := checkRole(msg.Role); err != nil {
				return Prompt{}, fmt.Errorf("message %d: %w", i, err)
			}
			msgs = append(msgs, msg)
		}
		return Prompt{Messages: msgs}, nil
	}
	return Prompt{}, fmt.Errorf("want a string or a list of {role, content}, got %s", typeName(v))
}

// blankPrompt reports a prompt with no text at all (white space only, or no message with any).
func blankPrompt(p Prompt) bool {
	if !p.IsChat() {
		return strings.TrimSpace(p.Text) == ""
	}
	for _, m := range p.Messages {
		if strings.TrimSpace(m.Content) != "" {
			return false
		}
	}
	return true
}

// answerOf turns an answer field into a ground truth of the same type: text, a number, or a
// list of alternatives (DeepScaleR's Minerva and OlympiadBench answers). format "" or
// "gsm8k" takes the N of a GSM8K solution "… #### N" (commas dropped); raw then reports that
// the field held such a solution, whose full text is worth keeping.
func answerOf(v any, format string) (gt GroundTruth, raw bool, err error) {
	if x, ok := v.(string); ok && format != "plain" {
		if i := strings.LastIndex(x, "####"); i >= 0 {
			n := strings.TrimSpace(x[i+len("####"):])
			return Answer(strings.ReplaceAll(n, ",", "")), true, nil
		}
		if format == "gsm8k" {
			return GroundTruth{}, false, fmt.Errorf(`want a GSM8K answer ending in "#### N"`)
		}
	}
	gt, err = NewGroundTruth(v)
	return gt, false, err
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case int64, float64, json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// recordOf is the verl row of a problem: the five columns, with Extra split between
// reward_model, extra_info and extra top-level columns. The id is stored in extra_info.id
// only when the row's other fields would not give it back.
func recordOf(p Problem) record {
	msgs := p.Prompt.Messages
	if !p.Prompt.IsChat() {
		msgs = []Message{{Role: "user", Content: p.Prompt.Text}}
	}
	prompt := make([]any, len(msgs))
	for i, m := range msgs {
		prompt[i] = map[string]any{"role": m.Role, "content": m.Content}
	}
	rm := map[string]any{"ground_truth": p.GroundTruth.Value(), "style": "rule"}
	extra := map[string]any{}
	rec := record{
		"data_source":  p.DataSource,
		"prompt":       prompt,
		"ability":      p.Ability,
		"reward_model": rm,
		"extra_info":   extra,
	}
	for k, v := range p.Extra {
		switch {
		case strings.HasPrefix(k, RewardModelPrefix):
			rm[strings.TrimPrefix(k, RewardModelPrefix)] = v
		case strings.HasPrefix(k, ColumnPrefix):
			rec[strings.TrimPrefix(k, ColumnPrefix)] = v
		default:
			extra[k] = v
		}
	}
	if p.ID != "" && derivedID(p) != p.ID {
		extra["id"] = p.ID
	}
	return rec
}

// sortedKeys returns the keys of m in byte order, the order pyarrow gives struct fields.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// columnOrder lists top-level column names as verl writes them: its five columns in their
// order, then any others in byte order.
func columnOrder[V any](m map[string]V) []string {
	var ks []string
	for _, k := range verlOrder {
		if _, ok := m[k]; ok {
			ks = append(ks, k)
		}
	}
	for _, k := range sortedKeys(m) {
		if !isVerlColumn(k) {
			ks = append(ks, k)
		}
	}
	return ks
}
