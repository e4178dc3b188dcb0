package serve

import (
	"encoding/json"
	"fmt"
	"testing"
)

// TestListGroundTruths (issue 14): verl sends reward_model.ground_truth as it is, so
// DeepScaleR's Minerva rows arrive as a list of alternatives (deploy/verl_reward.py turns the
// numpy array into a JSON list). Any one of them is a correct answer, through both protocols;
// before, the service refused the list with a 400.
func TestListGroundTruths(t *testing.T) {
	srv := newServer(t, Options{})
	alts := `["6630.65\n", "6630\n"]`
	var items []map[string]any
	for _, answer := range []string{"6630.65", "6630", "6631"} {
		var gt any
		json.Unmarshal([]byte(alts), &gt)
		items = append(items, map[string]any{"response": "<think>x</think> <answer>" + answer + "</answer>", "ground_truth": gt, "reward": "math"})
	}
	code, body := post(t, srv.Client(), srv.URL+"/v1/score", map[string]any{"items": items})
	var got ScoreResponse
	if err := json.Unmarshal(body, &got); code != 200 || err != nil {
		t.Fatalf("/v1/score: %d %s (%v)", code, body, err)
	}
	if want := "[1 1 0]"; fmt.Sprint(scores(got.Results)) != want {
		t.Errorf("/v1/score scores %v, want %s (%s)", scores(got.Results), want, body)
	}

	rr := RewardRequest{
		Query:   []string{"Q <think>x</think> <answer>6630</answer>", "Q <think>x</think> <answer>6630.65</answer>", "Q <think>x</think> <answer>6630.6</answer>"},
		Prompts: []string{"Q ", "Q ", "Q "},
		// The second is verl's reward_model struct (OpenRLHF's --label_key reward_model on verl
		// parquet), refused for its "style" field before.
		Labels: []json.RawMessage{[]byte(alts), []byte(`{"style": "rule", "ground_truth": ` + alts + `}`), []byte(alts)},
	}
	code, body = post(t, srv.Client(), srv.URL+"/get_reward", rr)
	var rresp RewardResponse
	if err := json.Unmarshal(body, &rresp); code != 200 || err != nil {
		t.Fatalf("/get_reward: %d %s (%v)", code, body, err)
	}
	if want := "[1 1 0]"; fmt.Sprint(rresp.Scores) != want {
		t.Errorf("/get_reward scores %v, want %s (%s)", rresp.Scores, want, body)
	}
}

func scores(rs []ScoreResult) []float64 {
	out := make([]float64, len(rs))
	for i, r := range rs {
		out[i] = r.Score
	}
	return out
}
