// Package datasets holds mirage's records — problems to solve and the completions sampled for
// them — and reads and writes them: JSON, JSONL, samples.jsonl (append-only, resumable) and verl
// parquet, with converters from SynLogic and DeepScaleR.
//
// Errors about bad data are *DataError values that name the file, the row (or line) and the
// field, and say what was expected. For parquet they also name the row group; rows count from
// 1 over the whole file.
//
// # Problems and verl rows
//
// ReadProblems reads verl parquet (any schema pyarrow writes: nested lists, structs, maps,
// any compression parquet-go supports), JSONL and JSON arrays, and WriteProblems writes verl
// parquet in the layout pyarrow gives verl's preprocessing: data_source, prompt
// (list<struct<content, role>>), ability, reward_model (struct<ground_truth, style, ...>),
// extra_info (struct<index int64, split, ...>). A row maps to a Problem as
//
//	data_source                → DataSource
//	prompt                     → Prompt (a text prompt is written as one user message)
//	ability                    → Ability
//	reward_model.ground_truth  → GroundTruth (a list: alternative answers, any of them right)
//	reward_model.X             → Extra["reward_model.X"]
//	extra_info.X               → Extra["X"] (extra_info.id → ID)
//	any other column X         → Extra["column.X"]
//
// so a row survives the trip to a Problem and back, every value keeping its type (a list
// ground truth stays a list, a double a double, in parquet and in JSON, where doubles are
// written with a decimal point). Parquet has no "absent": a null struct field reads as
// absent, and a column mixing integers and other numbers reads as doubles.
// Problem ids are stable (see ReadProblems). The converters (ConvertDeepScaleR,
// ConvertSynLogic, ApplyTemplateAll, Select, Repeat, RankByVariance, FileStats) build the
// paper's training and test files; `mirage convert` wires them to flags.
package datasets

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// Message is one chat turn.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Roles is every chat role mirage accepts in a prompt: the four of OpenAI's and HF chat
// templates, and the developer, function and ipython roles some templates (OpenAI's newer
// API, Llama 3.1) render.
var Roles = []string{"system", "user", "assistant", "tool", "developer", "function", "ipython"}

// checkRole refuses a role no chat template renders ("wizard"): templates would drop the
// message or fail far from the file.
func checkRole(role string) error {
	if slices.Contains(Roles, role) {
		return nil
	}
	return fmt.Errorf("role %q: want system, user, assistant or tool (or developer, function, ipython)", role)
}

// Prompt is a problem's prompt: either plain text or a list of chat messages. In JSON it is a
// string or an array of {role, content}.
type Prompt struct {
	Text     string
	Messages []Message
}

// IsChat reports whether the prompt is a list of chat messages.
func (p Prompt) IsChat() bool { return p.Messages != nil }

// String returns the prompt's text; for chat prompts, the content of the last user message
// (the question itself, which is what contamination checks and text templates need).
func (p Prompt) String() string {
	if !p.IsChat() {
		return p.Text
	}
	for i := len(p.Messages) - 1; i >= 0; i-- {
		if p.Messages[i].Role == "user" {
			return p.Messages[i].Content
		}
	}
	return ""
}

// MarshalJSON writes a string for a text prompt and an array for a chat prompt.
func (p Prompt) MarshalJSON() ([]byte, error) {
	if p.IsChat() {
		return json.Marshal(p.Messages)
	}
	return json.Marshal(p.Text)
}

// UnmarshalJSON accepts a string or an array of {role, content}.
func (p *Prompt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) > 0 && b[0] == '"':
		*p = Prompt{}
		return json.Unmarshal(b, &p.Text)
	case len(b) > 0 && b[0] == '[':
		var msgs []Message
		if err := json.Unmarshal(b, &msgs); err != nil {
			return fmt.Errorf("prompt: want an array of {role, content}: %w", err)
		}
		if msgs == nil {
			msgs = []Message{}
		}
		for i, m := range msgs {
			if err := checkRole(m.Role); err != nil {
				return fmt.Errorf("prompt: message %d: %w", i, err)
			}
		}
		*p = Prompt{Messages: msgs}
		return nil
	case bytes.Equal(b, []byte("null")):
		*p = Prompt{}
		return nil
	}
	return fmt.Errorf("prompt: want a string or an array of messages, got %.40s", b)
}

// Problem is one task to solve: the input of `mirage sample` and a row of verl parquet.
type Problem struct {
	// ID identifies the problem across files (shards of one run are merged by it).
	ID string `json:"id"`
	// Prompt is the text or chat messages given to the model.
	Prompt Prompt `json:"prompt"`
	// GroundTruth is the reference answer (verl reward_model.ground_truth): one value or a
	// list of alternatives, with the type the file gave it.
	GroundTruth GroundTruth `json:"ground_truth"`
	// DataSource names the data set or task (verl data_source; a SynLogic task name).
	DataSource string `json:"data_source,omitempty"`
	// Ability is verl's ability column ("math", "logic", ...).
	Ability string `json:"ability,omitempty"`
	// Extra holds everything else, e.g. SynLogic's game_data_str or verl's extra_info fields.
	Extra map[string]any `json:"extra,omitempty"`
}

// Finish reasons of a completion.
const (
	FinishStop   = "stop"   // an EOS token or a stop string ended it
	FinishLength = "length" // the token budget ended it
)

// UnmarshalJSON reads a completion and requires its text: a completion without one would be
// graded as an empty answer, silently.
func (c *Completion) UnmarshalJSON(b []byte) error {
	type plain Completion // without this method
	var v struct {
		plain
		Text *string `json:"text"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	if v.Text == nil {
		return errNoText
	}
	*c = Completion(v.plain)
	c.Text = *v.Text
	return nil
}

// errNoText is a completion without its text.
var errNoText = errors.New(`missing "text": want the completion's text`)

// Completion is one sampled answer to a problem.
type Completion struct {
	Text              string  `json:"text"`
	FinishReason      string  `json:"finish_reason"`
	NumTokens         int     `json:"num_tokens"`
	CumulativeLogprob float64 `json:"cumulative_logprob"`

	// Filled by verify.
	Correct *bool    `json:"correct,omitempty"`
	Reward  *float64 `json:"reward,omitempty"`
	// Answer is the extracted, normalised final answer (used for majority voting).
	Answer string `json:"answer,omitempty"`
	// Rule is the extraction rule that found the answer ("answer-tag", "boxed", "hashes", ...,
	// "synlogic:<task>"), and Reason what the grader said when it could not grade it as correct
	// (no answer found, over budget, ...), so a surprising grade can be traced.
	Rule   string `json:"rule,omitempty"`
	Reason string `json:"reason,omitempty"`
	// FormatOK says whether the completion follows the think/answer format (<think>…</think>
	// then <answer>…</answer>), whatever --format the grader read the answer with; nil before
	// verify (and in files scored before it was recorded).
	FormatOK *bool `json:"format_ok,omitempty"`
}

// Sample is one line of samples.jsonl: a problem and its completions.
type Sample struct {
	Problem
	Completions []Completion `json:"completions"`
}

// DataError is bad input data, located as precisely as the format allows.
type DataError struct {
	File  string // path of the file
	Line  int    // 1-based line (JSONL) or row (parquet, JSON array); 0 if unknown
	Group int    // parquet row group, -1 if not parquet
	Field string // offending field, "" if the whole record
	Err   error  // what was wrong and what was expected
}

func (e *DataError) Error() string {
	loc := e.File
	if e.Group >= 0 {
		loc += fmt.Sprintf(": row group %d", e.Group)
	}
	if e.Line > 0 {
		if e.Group >= 0 {
			loc += fmt.Sprintf(", row %d", e.Line)
		} else {
			loc += fmt.Sprintf(":%d", e.Line)
		}
	}
	if e.Field != "" {
		loc += fmt.Sprintf(": field %q", e.Field)
	}
	return "datasets: " + loc + ": " + e.Err.Error()
}

func (e *DataError) Unwrap() error { return e.Err }
