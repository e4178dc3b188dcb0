package serve

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/verify"
)

// ScoreRequest is the body of POST /v1/score: a batch of responses to score.
type ScoreRequest struct {
	// Reward is the reward of items that name none; "" is the server's default.
	Reward string `json:"reward,omitempty"`
	// Items are scored independently; the answer keeps their order.
	Items []ScoreItem `json:"items"`
}

// ScoreItem is one response with what grading it needs (verl's names).
type ScoreItem struct {
	// DataSource names the task: a SynLogic task name selects its verifier under the auto
	// grader; anything else (or nothing) is math.
	DataSource string `json:"data_source,omitempty"`
	// Response is the model's text, without the prompt.
	Response string `json:"response"`
	// GroundTruth is the reference answer: a string, a number, or a list of alternative
	// answers any of which is correct (verl's reward_model.ground_truth as DeepScaleR's
	// Minerva rows hold it: ["6630.65", "6630"]).
	GroundTruth datasets.GroundTruth `json:"ground_truth"`
	// Ability is verl's ability field; "logic" marks a SynLogic problem.
	Ability string `json:"ability,omitempty"`
	// ExtraInfo is verl's extra_info; SynLogic problems carry game_data_str here.
	ExtraInfo map[string]any `json:"extra_info,omitempty"`
	// Reward overrides the request's reward for this item.
	Reward string `json:"reward,omitempty"`
	// Group names the item's group, the responses of one prompt, for the rewards computed
	// per group (majority); an item without a group is a group of its own.
	Group string `json:"group,omitempty"`
}

// ScoreResult is the grade of one ScoreItem.
type ScoreResult struct {
	// Score is the item's reward.
	Score float64 `json:"score"`
	// Correct is the grader's verdict on the answer, whatever the format.
	Correct bool `json:"correct"`
	// FormatOK reports the "<think> … </think> <answer> … </answer>" format.
	FormatOK bool `json:"format_ok"`
	// Answer is the answer as found in the response ("" when none).
	Answer string `json:"answer"`
	// Grader is the grader that ran ("" when the budget ran out first).
	Grader string `json:"grader"`
	// Rule is the extraction rule that found the answer.
	Rule string `json:"rule,omitempty"`
	// Reason says why the answer is not correct when there is more to say than a mismatch.
	Reason     string `json:"reason,omitempty"`
	NoAnswer   bool   `json:"no_answer"`
	OverBudget bool   `json:"over_budget"`
}

// ScoreResponse is the answer of POST /v1/score: Results[i] grades Items[i].
type ScoreResponse struct {
	Results []ScoreResult `json:"results"`
}

func (h *Handler) score(r *http.Request) (any, error) {
	var req ScoreRequest
	if err := decode(r, &req, true); err != nil {
		return nil, err
	}
	if req.Items == nil {
		return nil, badRequest(`no "items" list in the request`)
	}
	if err := h.checkItems(len(req.Items)); err != nil {
		return nil, err
	}
	jobs := make([]job, len(req.Items))
	for i, it := range req.Items {
		name := it.Reward
		if name == "" {
			name = req.Reward
		}
		rw, err := h.lookup(name)
		if err != nil {
			return nil, badRequest("items[%d]: %v", i, err)
		}
		jobs[i] = job{task: taskOf(it.DataSource, it.Ability, it.GroundTruth, it.ExtraInfo), response: h.trim(it.Response), reward: rw,
			group: it.Group, alone: it.Group == ""}
	}
	grades, err := h.gradeAll(r.Context(), jobs)
	if err != nil {
		return nil, err
	}
	resp := ScoreResponse{Results: make([]ScoreResult, len(grades))}
	for i, g := range grades {
		resp.Results[i] = ScoreResult{Score: g.Score, Correct: g.Correct, FormatOK: g.FormatOK,
			Answer: g.Extracted, Grader: string(g.Grader), Rule: g.Rule, Reason: g.Reason,
			NoAnswer: g.NoAnswer, OverBudget: g.OverBudget}
	}
	return resp, nil
}

// taskOf is what grading a request item needs, through the one Problem → Task conversion
// (a list ground truth: any of its answers).
func taskOf(dataSource, ability string, gt datasets.GroundTruth, extra map[string]any) verify.Task {
	return verify.TaskOf(datasets.Problem{DataSource: dataSource, Ability: ability, GroundTruth: gt, Extra: extra})
}

// RewardRequest is the body OpenRLHF's remote reward client posts to /get_reward.
type RewardRequest struct {
	// Query holds prompt + response texts, as OpenRLHF decodes them.
	Query []string `json:"query"`
	// Prompts holds each query's prompt; the response is what follows it in the query. The
	// responses of one prompt (and label) are a group for the majority reward.
	Prompts []string `json:"prompts"`
	// Labels holds each query's label (OpenRLHF's --label_key field): a ground truth (a
	// string, a number or a list of alternatives), or a Label object.
	Labels []json.RawMessage `json:"labels"`
}

// Label is the object form of a /get_reward label, for data that needs more than a ground
// truth (SynLogic tasks) or a reward of its own. verl's reward_model struct ({"style",
// "ground_truth"}) is one, so OpenRLHF can read verl parquet with --label_key reward_model.
type Label struct {
	GroundTruth datasets.GroundTruth `json:"ground_truth"`
	// Style is verl's reward_model.style ("rule"); it is accepted and not used.
	Style      string         `json:"style,omitempty"`
	DataSource string         `json:"data_source,omitempty"`
	Ability    string         `json:"ability,omitempty"`
	ExtraInfo  map[string]any `json:"extra_info,omitempty"`
	Reward     string         `json:"reward,omitempty"`
}

// RewardResponse is the answer of /get_reward, as OpenRLHF reads it.
type RewardResponse struct {
	// Rewards are the RL rewards.
	Rewards []float64 `json:"rewards"`
	// Scores are the accuracies (1 correct, 0 not), in [0, 1] as OpenRLHF's dynamic
	// filtering expects.
	Scores []float64 `json:"scores"`
	// ExtraLogs holds per-sample lists OpenRLHF logs: correct, format_ok, no_answer and
	// over_budget (1 or 0).
	ExtraLogs map[string][]float64 `json:"extra_logs"`
}

func (h *Handler) getReward(r *http.Request) (any, error) {
	var req RewardRequest
	if err := decode(r, &req, false); err != nil {
		return nil, err
	}
	switch {
	case req.Query == nil:
		return nil, badRequest(`no "query" list in the request`)
	case len(req.Prompts) != len(req.Query):
		return nil, badRequest(`%d "prompts" for %d "query" texts; want one prompt per query`, len(req.Prompts), len(req.Query))
	case len(req.Labels) != len(req.Query):
		return nil, badRequest(`%d "labels" for %d "query" texts; want one label (the ground truth) per query`, len(req.Labels), len(req.Query))
	}
	if err := h.checkItems(len(req.Query)); err != nil {
		return nil, err
	}
	jobs := make([]job, len(req.Query))
	for i, q := range req.Query {
		response, ok := strings.CutPrefix(q, req.Prompts[i])
		if !ok {
			return nil, badRequest("query[%d] does not start with prompts[%d]; the response is found by cutting the prompt off the query", i, i)
		}
		var l Label
		if b := bytes.TrimSpace(req.Labels[i]); len(b) > 0 && b[0] == '{' {
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&l); err != nil {
				return nil, badRequest("labels[%d]: %v", i, err)
			}
		} else if err := json.Unmarshal(b, &l.GroundTruth); err != nil {
			return nil, badRequest("labels[%d]: %v", i, err)
		}
		rw, err := h.lookup(l.Reward)
		if err != nil {
			return nil, badRequest("labels[%d]: %v", i, err)
		}
		task := taskOf(l.DataSource, l.Ability, l.GroundTruth, l.ExtraInfo)
		if l.GroundTruth.Blank() && rw.needsAnswer() && verify.Prepare(task, rw.opts).NoGroundTruth() {
			// OpenRLHF sends "" for every label when --label_key is not set: grading them would
			// train on rewards that are all 0.
			return nil, badRequest("labels[%d] holds no ground truth, which the reward needs to grade the answer (is OpenRLHF's --label_key set to the answer field?)", i)
		}
		jobs[i] = job{task: task, response: h.trim(response), reward: rw,
			group: req.Prompts[i] + "\x00" + string(req.Labels[i])}
	}
	grades, err := h.gradeAll(r.Context(), jobs)
	if err != nil {
		return nil, err
	}
	resp := RewardResponse{Rewards: make([]float64, len(grades)), Scores: make([]float64, len(grades)),
		ExtraLogs: map[string][]float64{}}
	for _, name := range []string{"correct", "format_ok", "no_answer", "over_budget"} {
		resp.ExtraLogs[name] = make([]float64, len(grades))
	}
	for i, g := range grades {
		resp.Rewards[i], resp.Scores[i] = g.Score, b2f(g.Correct)
		resp.ExtraLogs["correct"][i] = b2f(g.Correct)
		resp.ExtraLogs["format_ok"][i] = b2f(g.FormatOK)
		resp.ExtraLogs["no_answer"][i] = b2f(g.NoAnswer)
		resp.ExtraLogs["over_budget"][i] = b2f(g.OverBudget)
	}
	return resp, nil
}
