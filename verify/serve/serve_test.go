package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/verify"
)

const game24 = `{"question": "Make 24 from [2, 6, 7, 9].", "answer": "", "difficulty": 1,
 "metadata": {"numbers": [2, 6, 7, 9], "operators": ["+", "-", "*", "/"], "result": 24}, "gpt_response": ""}`

// mathItems are MATH-500 gold answers, each as a right and a wrong response in and out of the
// think/answer format. The reasoning is "Step by step." with the problem statement written
// out restate times before it (restate 8 makes responses of about 1.5 KB).
func mathItems(t testing.TB, restate int) []ScoreItem {
	t.Helper()
	raw, err := os.ReadFile("../math/testdata/math500_sample.json")
	if err != nil {
		t.Fatal(err)
	}
	var probs []struct {
		Problem string `json:"problem"`
		Answer  string `json:"answer"`
	}
	if err := json.Unmarshal(raw, &probs); err != nil {
		t.Fatal(err)
	}
	var items []ScoreItem
	for i, p := range probs {
		wrong := fmt.Sprint(i + 1000)
		think := strings.Repeat(p.Problem+"\n", restate) + "Step by step."
		for _, r := range []string{
			"<think>" + think + "</think>\n<answer>" + p.Answer + "</answer>",
			"<think>" + think + "</think>\n<answer>" + wrong + "</answer>",
			think + ` So the answer is $\boxed{` + p.Answer + `}$.`,
			think + " I am not sure.",
		} {
			items = append(items, ScoreItem{Response: r, GroundTruth: datasets.Answer(p.Answer)})
		}
	}
	return items
}

// direct is the reference: the reward of the item graded directly by verify, alone in its
// group.
func direct(it ScoreItem, name string, opts verify.Options) float64 {
	kind, err := verify.ParseRewardKind(name)
	if err != nil {
		opts.Grader = verify.Grader(name)
	}
	o := verify.Prepare(verify.TaskOf(datasets.Problem{DataSource: it.DataSource, GroundTruth: it.GroundTruth, Extra: it.ExtraInfo}), opts).Grade(it.Response)
	if err != nil {
		return o.Reward
	}
	r, err := verify.GroupRewards([]verify.Graded{{Text: it.Response, Outcome: o}}, verify.RewardOptions{Kind: kind}, nil)
	if err != nil {
		panic(err)
	}
	return r[0]
}

func post(t testing.TB, client *http.Client, url string, body any) (int, []byte) {
	t.Helper()
	var b []byte
	switch v := body.(type) {
	case string:
		b = []byte(v)
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := client.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Errorf("POST %s: %v", url, err)
		return 0, nil
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Errorf("POST %s: reading the answer: %v", url, err)
	}
	return resp.StatusCode, out
}

func newServer(t testing.TB, opts Options) *httptest.Server {
	t.Helper()
	h, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// TestKnownRewards checks a few rewards worked out by hand on both endpoints.
func TestKnownRewards(t *testing.T) {
	srv := newServer(t, Options{Verify: verify.Options{FormatPenalty: 0.5}})
	extra := map[string]any{"game_data_str": game24}
	cases := []struct {
		name string
		item ScoreItem
		want float64
	}{
		{"gated: right, formatted", ScoreItem{Response: "<think>half</think> <answer>0.5</answer>", GroundTruth: datasets.Answer(`\frac12`)}, 1},
		{"gated: right, boxed", ScoreItem{Response: `$\boxed{\frac{1}{2}}$`, GroundTruth: datasets.Answer("0.5")}, 0},
		{"gated: wrong", ScoreItem{Response: "<think>x</think><answer>3</answer>", GroundTruth: datasets.Answer("4")}, 0},
		{"math: right, boxed, penalty", ScoreItem{Response: `$\boxed{1/2}$`, GroundTruth: datasets.Answer("0.5"), Reward: "math"}, -0.5},
		{"math: number ground truth", ScoreItem{Response: "<think>x</think><answer>42</answer>", GroundTruth: datasets.Answer("42"), Reward: "math"}, 1},
		{"math-strict: 0.5 is not 1/2", ScoreItem{Response: "<think>x</think><answer>0.5</answer>", GroundTruth: datasets.Answer("1/2"), Reward: "math-strict"}, 0},
		{"synlogic game24 right", ScoreItem{DataSource: "game_of_24", Response: "<think>x</think><answer>\n```python\n(9-7+2)*6\n```\n</answer>", ExtraInfo: extra, Reward: "auto"}, 1},
		{"incorrect: wrong, formatted", ScoreItem{Response: "<think>x</think><answer>3</answer>", GroundTruth: datasets.Answer("4"), Reward: "incorrect"}, 1},
		{"incorrect: right", ScoreItem{Response: "<think>x</think><answer>4</answer>", GroundTruth: datasets.Answer("4"), Reward: "incorrect"}, 0},
		{"format: wrong, formatted", ScoreItem{Response: "<think>x</think><answer>3</answer>", GroundTruth: datasets.Answer("4"), Reward: "format"}, 1},
		{"majority of one", ScoreItem{Response: "<think>x</think><answer>3</answer>", GroundTruth: datasets.Answer("4"), Reward: "majority"}, 1},
		{"majority 7 of 7, 7, 8: first", ScoreItem{Response: "<think>x</think><answer>7</answer>", GroundTruth: datasets.Answer("100"), Reward: "majority", Group: "q"}, 1},
		{"majority 7 of 7, 7, 8: second", ScoreItem{Response: `\boxed{7.0}`, GroundTruth: datasets.Answer("100"), Reward: "majority", Group: "q"}, 1},
		{"majority 7 of 7, 7, 8: the 8", ScoreItem{Response: "<think>x</think><answer>8</answer>", GroundTruth: datasets.Answer("100"), Reward: "majority", Group: "q"}, 0},
		{"synlogic game24 wrong", ScoreItem{DataSource: "game_of_24", Response: "<think>x</think><answer>\n```python\n9*7+6+2\n```\n</answer>", ExtraInfo: extra, Reward: "synlogic"}, 0},
	}
	var req ScoreRequest
	for _, c := range cases {
		req.Items = append(req.Items, c.item)
	}
	code, body := post(t, srv.Client(), srv.URL+"/v1/score", req)
	var got ScoreResponse
	if err := json.Unmarshal(body, &got); code != 200 || err != nil || len(got.Results) != len(cases) {
		t.Fatalf("/v1/score: %d %s (%v)", code, body, err)
	}
	for i, c := range cases {
		if got.Results[i].Score != c.want {
			t.Errorf("%s: score %v, want %v (%+v)", c.name, got.Results[i].Score, c.want, got.Results[i])
		}
	}

	// The same through OpenRLHF's protocol: the prompt is cut off the query, the label is the
	// ground truth or an object.
	const prompt = "<|im_start|>user\nWhat is 1/2 as a decimal?<|im_end|>\n<|im_start|>assistant\n"
	rr := RewardRequest{
		Query:   []string{prompt + "<think>half</think> <answer>0.5</answer><|im_end|>", prompt + `\boxed{0.5}`, prompt + "<think>x</think><answer>```python\n(9-7+2)*6\n```</answer>"},
		Prompts: []string{prompt, prompt, prompt},
		Labels:  []json.RawMessage{[]byte(`"\\frac12"`), []byte(`{"ground_truth": 0.5, "reward": "math"}`), []byte(`{"data_source": "game_of_24", "extra_info": {"game_data_str": ` + mustJSON(game24) + `}}`)},
	}
	srv2 := newServer(t, Options{TrimSuffixes: []string{"<|im_end|>"}})
	code, body = post(t, srv2.Client(), srv2.URL+"/get_reward", rr)
	var rresp RewardResponse
	if err := json.Unmarshal(body, &rresp); code != 200 || err != nil {
		t.Fatalf("/get_reward: %d %s (%v)", code, body, err)
	}
	if want := []float64{1, 1, 1}; fmt.Sprint(rresp.Rewards) != fmt.Sprint(want) {
		t.Errorf("/get_reward rewards %v, want %v (%s)", rresp.Rewards, want, body)
	}
	if want := []float64{1, 0, 1}; fmt.Sprint(rresp.ExtraLogs["format_ok"]) != fmt.Sprint(want) {
		t.Errorf("/get_reward format_ok %v, want %v", rresp.ExtraLogs["format_ok"], want)
	}
}

func mustJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestConcurrentLoad hammers both endpoints from many clients at once, with bad requests
// mixed in, and checks every good answer against direct verify calls item by item.
func TestConcurrentLoad(t *testing.T) {
	items := mathItems(t, 0)
	opts := verify.Options{}
	srv := newServer(t, Options{MaxItems: 512, MaxBodyBytes: 1 << 20})
	rewards := []string{RewardGroundTruth, "incorrect", "format", "math", "math-strict", "auto"}
	want := map[string][]float64{}
	for _, name := range rewards {
		for _, it := range items {
			want[name] = append(want[name], direct(it, name, opts))
		}
	}
	bad := []struct {
		path, body string
		code       int
	}{
		{"/v1/score", `{"items": [`, 400},
		{"/v1/score", `{"items": [{"response": "x", "reward": "bleu"}]}`, 400},
		{"/get_reward", `{"query": ["a", "b"], "prompts": ["a"], "labels": ["1", "2"]}`, 400},
		{"/v1/score", `{"items": [` + strings.Repeat(`{"response": "x"},`, 600) + `{"response": "x"}]}`, 413},
		{"/v1/score", `{"items": [{"response": "` + strings.Repeat("x", 1<<20) + `"}]}`, 413},
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const clients, requests = 8, 12
	var wg sync.WaitGroup
	var mu sync.Mutex
	checked := 0
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(c), 7))
			for r := range requests {
				if ctx.Err() != nil {
					t.Error("load test over its time bound")
					return
				}
				if r%3 == 2 {
					b := bad[rng.IntN(len(bad))]
					if code, body := post(t, srv.Client(), srv.URL+b.path, b.body); code != b.code || !strings.Contains(string(body), `"error"`) {
						t.Errorf("bad request to %s: %d %s, want %d with an error", b.path, code, abbreviate(body), b.code)
					}
					continue
				}
				// A random batch, with a random reward per item.
				n := 1 + rng.IntN(64)
				idx := make([]int, n)
				names := make([]string, n)
				req := ScoreRequest{}
				for i := range idx {
					idx[i], names[i] = rng.IntN(len(items)), rewards[rng.IntN(len(rewards))]
					it := items[idx[i]]
					it.Reward = names[i]
					req.Items = append(req.Items, it)
				}
				if r%2 == 0 {
					code, body := post(t, srv.Client(), srv.URL+"/v1/score", req)
					var got ScoreResponse
					if err := json.Unmarshal(body, &got); code != 200 || err != nil || len(got.Results) != n {
						t.Errorf("/v1/score: %d %s (%v), want %d results", code, abbreviate(body), err, n)
						continue
					}
					for i, res := range got.Results {
						if w := want[names[i]][idx[i]]; res.Score != w {
							t.Errorf("/v1/score item %d (%q, %s): %v, want %v", i, items[idx[i]].Response, names[i], res.Score, w)
						}
					}
				} else {
					// OpenRLHF: the default reward (ground_truth), prompts of different lengths.
					rr := RewardRequest{}
					for i := range idx {
						p := fmt.Sprintf("Problem %d of client %d:\n", idx[i], c)
						rr.Query = append(rr.Query, p+items[idx[i]].Response)
						rr.Prompts = append(rr.Prompts, p)
						l, _ := json.Marshal(items[idx[i]].GroundTruth)
						rr.Labels = append(rr.Labels, l)
					}
					code, body := post(t, srv.Client(), srv.URL+"/get_reward", rr)
					var got RewardResponse
					if err := json.Unmarshal(body, &got); code != 200 || err != nil || len(got.Rewards) != n || len(got.Scores) != n {
						t.Errorf("/get_reward: %d %s (%v), want %d rewards", code, abbreviate(body), err, n)
						continue
					}
					for i := range got.Rewards {
						if w := want[RewardGroundTruth][idx[i]]; got.Rewards[i] != w {
							t.Errorf("/get_reward item %d (%q): %v, want %v", i, items[idx[i]].Response, got.Rewards[i], w)
						}
					}
				}
				mu.Lock()
				checked += n
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if checked == 0 {
		t.Fatal("no good request was checked")
	}
	t.Logf("%d responses checked", checked)
}

// TestBadRequests: each malformed request gets its status and reason, and the server keeps
// answering good requests after it.
func TestBadRequests(t *testing.T) {
	srv := newServer(t, Options{MaxItems: 4, MaxBodyBytes: 4096})
	good := `{"items": [{"response": "<think>x</think><answer>2</answer>", "ground_truth": "2"}]}`
	cases := []struct {
		name, path, body string
		code             int
		reason           string
	}{
		{"invalid JSON", "/v1/score", `{"items": [}`, 400, "invalid JSON"},
		{"two values", "/v1/score", good + good, 400, "more than one JSON value"},
		{"unknown field", "/v1/score", `{"items": [{"completion": "x"}]}`, 400, `unknown field "completion"`},
		{"no items", "/v1/score", `{}`, 400, `no "items"`},
		{"unknown reward", "/v1/score", `{"items": [{"response": "x", "reward": "bleu"}]}`, 400, `items[0]: unknown reward "bleu"`},
		{"ground truth object", "/v1/score", `{"items": [{"response": "x", "ground_truth": {"a": 1}}]}`, 400, "want a string, number or list"},
		{"ground truth list of lists", "/v1/score", `{"items": [{"response": "x", "ground_truth": [[1]]}]}`, 400, "element 0: want a string or number"},
		{"too many items", "/v1/score", `{"items": [{}, {}, {}, {}, {}]}`, 413, "at most 4"},
		{"body too large", "/v1/score", `{"items": [{"response": "` + strings.Repeat("x", 5000) + `"}]}`, 413, "over 4096 bytes"},
		{"openrlhf no query", "/get_reward", `{"prompts": []}`, 400, `no "query"`},
		{"openrlhf fewer prompts", "/get_reward", `{"query": ["a", "b"], "prompts": ["a"], "labels": ["1", "2"]}`, 400, `1 "prompts" for 2`},
		{"openrlhf fewer labels", "/get_reward", `{"query": ["a"], "prompts": ["a"], "labels": []}`, 400, `0 "labels" for 1`},
		{"openrlhf prompt not a prefix", "/get_reward", `{"query": ["Q: 1+1? 2"], "prompts": ["Q: 2+2?"], "labels": ["2"]}`, 400, "query[0] does not start with prompts[0]"},
		{"openrlhf bad label", "/get_reward", `{"query": ["a"], "prompts": ["a"], "labels": [{"answer": "2"}]}`, 400, `labels[0]: json: unknown field "answer"`},
		{"openrlhf unknown reward", "/get_reward", `{"query": ["a"], "prompts": ["a"], "labels": [{"reward": "x"}]}`, 400, `labels[0]: unknown reward "x"`},
		// OpenRLHF without --label_key sends "" labels: all-zero rewards, silently, before.
		{"openrlhf empty label", "/get_reward", `{"query": ["Q 2", "Q 3"], "prompts": ["Q ", "Q "], "labels": ["2", ""]}`, 400, "labels[1] holds no ground truth"},
		{"openrlhf null label", "/get_reward", `{"query": ["Q 2"], "prompts": ["Q "], "labels": [null]}`, 400, "labels[0] holds no ground truth"},
		{"openrlhf label object without ground truth", "/get_reward", `{"query": ["Q 2"], "prompts": ["Q "], "labels": [{"reward": "math"}]}`, 400, "labels[0] holds no ground truth"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, body := post(t, srv.Client(), srv.URL+c.path, c.body)
			var e errorBody
			if err := json.Unmarshal(body, &e); code != c.code || err != nil || !strings.Contains(e.Error, c.reason) {
				t.Errorf("%d %s, want %d with %q", code, body, c.code, c.reason)
			}
			code, body = post(t, srv.Client(), srv.URL+"/v1/score", good)
			if code != 200 || !strings.Contains(string(body), `"score":1`) {
				t.Errorf("good request after it: %d %s", code, body)
			}
		})
	}
	resp, err := srv.Client().Get(srv.URL + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("/healthz: %v %v", resp, err)
	}
}

// TestLabelsWithoutGroundTruth: a /get_reward label may lack a ground truth when the reward
// does not grade the answer (format, random, majority) or the task is graded from its game
// data (SynLogic); those are served, with their rewards.
func TestLabelsWithoutGroundTruth(t *testing.T) {
	srv := newServer(t, Options{Reward: "format"})
	game, err := json.Marshal(map[string]any{"data_source": "game_of_24", "extra_info": map[string]any{"game_data_str": game24}, "reward": "auto"})
	if err != nil {
		t.Fatal(err)
	}
	const formatted = "<think>x</think><answer>\n```python\n(9-7+2)*6\n```\n</answer>"
	for _, label := range []string{`""`, `null`, `{"reward": "majority"}`, `{"reward": "random"}`, string(game)} {
		body := RewardRequest{Query: []string{"Q " + formatted}, Prompts: []string{"Q "}, Labels: []json.RawMessage{json.RawMessage(label)}}
		code, out := post(t, srv.Client(), srv.URL+"/get_reward", body)
		var got RewardResponse
		if err := json.Unmarshal(out, &got); code != 200 || err != nil || len(got.Rewards) != 1 {
			t.Errorf("label %s: %d %s, want 200 with one reward", label, code, out)
			continue
		}
		if label != `{"reward": "random"}` && got.Rewards[0] != 1 {
			t.Errorf("label %s: reward %v, want 1 (formatted; majority of one; 24 made)", label, got.Rewards[0])
		}
	}
}

func TestToken(t *testing.T) {
	srv := newServer(t, Options{Token: "s3cret"})
	body := `{"items": [{"response": "<think>x</think><answer>2</answer>", "ground_truth": "2"}]}`
	for _, c := range []struct {
		auth string
		code int
	}{{"", 401}, {"Bearer wrong", 401}, {"s3cret", 401}, {"Bearer s3cret", 200}} {
		req, _ := http.NewRequest("POST", srv.URL+"/v1/score", strings.NewReader(body))
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.code {
			t.Errorf("Authorization %q: %d, want %d", c.auth, resp.StatusCode, c.code)
		}
	}
	if resp, err := srv.Client().Get(srv.URL + "/healthz"); err != nil || resp.StatusCode != 200 {
		t.Errorf("/healthz without a token: %v %v, want 200", resp, err)
	}
}

// TestBudget: an answer that takes the math verifier far longer than the budget (its own
// size limits raised so that only the service's budget can stop it) is scored as wrong and
// over budget, and the server keeps answering.
func TestBudget(t *testing.T) {
	var opts Options
	opts.Workers = 2
	opts.Verify.Math.MaxLen, opts.Verify.Math.MaxDepth, opts.Verify.Math.Timeout = 1<<20, 1<<20, time.Minute
	const n = 15000
	patho := `\boxed{` + strings.Repeat(`\sin(x+`, n) + "y" + strings.Repeat(")", n) + `}`
	t0 := time.Now()
	o := verify.Prepare(verify.Task{GroundTruth: "x"}, verify.Options{Math: opts.Verify.Math}).Grade(patho)
	slow := time.Since(t0)
	// The budget is a fifth of what grading takes here, so the test does not depend on how
	// fast this machine is (a quiet one grades the answer in under 100 ms).
	if slow < 10*time.Millisecond {
		t.Fatalf("setup: the pathological answer takes only %v to grade directly (%s)", slow, o.Reason)
	}
	opts.Budget = slow / 5
	srv := newServer(t, opts)
	req := ScoreRequest{Reward: "math", Items: []ScoreItem{{Response: patho, GroundTruth: datasets.Answer("x")}, {Response: `\boxed{3}`, GroundTruth: datasets.Answer("3")}}}
	start := time.Now()
	code, body := post(t, srv.Client(), srv.URL+"/v1/score", req)
	took := time.Since(start)
	var got ScoreResponse
	if err := json.Unmarshal(body, &got); code != 200 || err != nil || len(got.Results) != 2 {
		t.Fatalf("%d %s (%v)", code, abbreviate(body), err)
	}
	if r := got.Results[0]; !r.OverBudget || r.Score != 0 || !strings.Contains(r.Reason, "time budget") {
		t.Errorf("pathological answer: %+v, want over budget with score 0", r)
	}
	if r := got.Results[1]; r.Score != 1 || r.OverBudget {
		t.Errorf("its batch mate: %+v, want score 1", r)
	}
	t.Logf("answered in %v; direct grading takes %v", took, slow)
}

// TestRunShutdown: cancelling Run's context (what SIGTERM does in mirage serve-reward) lets
// the request in flight finish with its answer, then Run returns nil and the port is closed.
func TestRunShutdown(t *testing.T) {
	h, err := New(Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	started := make(chan struct{}, 1)
	wrapped := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		h.ServeHTTP(w, r)
	})
	go func() { ran <- Run(ctx, ln, wrapped, 30*time.Second) }()
	url := "http://" + ln.Addr().String()
	items := mathItems(t, 0)
	var req ScoreRequest
	for range 4 {
		req.Items = append(req.Items, items...)
	}
	answered := make(chan int, 1)
	go func() {
		code, body := post(t, http.DefaultClient, url+"/v1/score", req)
		var got ScoreResponse
		if json.Unmarshal(body, &got) != nil || len(got.Results) != len(req.Items) {
			code = -code
		}
		answered <- code
	}()
	<-started
	cancel()
	if code := <-answered; code != 200 {
		t.Errorf("request in flight at shutdown: status %d, want 200 with all results", code)
	}
	select {
	case err := <-ran:
		if err != nil {
			t.Errorf("Run after shutdown: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	if _, err := http.Get(url + "/healthz"); err == nil {
		t.Error("the server still answers after shutdown")
	}
}

func TestNewErrors(t *testing.T) {
	if _, err := New(Options{Reward: "bleu"}); err == nil || !strings.Contains(err.Error(), "ground_truth") {
		t.Errorf("unknown default reward: %v, want an error listing the rewards", err)
	}
	if _, err := New(Options{Budget: -1}); err == nil {
		t.Error("negative budget accepted")
	}
}

// TestVerlClient runs deploy/verl_reward.py (the verl custom_reward_function) against the
// service: per response and batched, with the token, a list ground truth, and a 400 raised
// with its reason.
func TestVerlClient(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3 on PATH")
	}
	srv := newServer(t, Options{Token: "tok"})
	script := `
import json, sys
sys.path.insert(0, "../../deploy")
import verl_reward as v
one = v.compute_score("openai/gsm8k", "<think>x</think><answer>0.5</answer>", "\\frac{1}{2}", extra_info={"split": "test", "index": 3})
many = v.compute_score_batch(["math", "game_of_24"],
    ["\\boxed{7}", "<think>x</think><answer>` + "```python\\n(9-7+2)*6\\n```" + `</answer>"],
    ["7", ""], [None, {"game_data_str": sys.argv[1]}])
alt = v.compute_score("math", "<think>x</think><answer>6630</answer>", ["6630.65", "6630"])
try:
    v.compute_score("math", "x", {"a": 1})
    bad = "no error"
except RuntimeError as e:
    bad = str(e)
print(json.dumps({"one": one, "many": many, "alt": alt, "bad": bad}))
`
	cmd := exec.Command(python, "-c", script, game24)
	cmd.Env = append(os.Environ(), "MIRAGE_REWARD_URL="+srv.URL, "MIRAGE_REWARD_TOKEN=tok", "MIRAGE_REWARD_RETRIES=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	var got struct {
		One  map[string]float64   `json:"one"`
		Many []map[string]float64 `json:"many"`
		Alt  map[string]float64   `json:"alt"`
		Bad  string               `json:"bad"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("python output %s: %v", out, err)
	}
	if got.One["score"] != 1 || got.One["acc"] != 1 || got.One["format_ok"] != 1 {
		t.Errorf("compute_score: %v, want score 1, acc 1, format_ok 1", got.One)
	}
	// ground_truth (the default) is format-gated: the boxed 7 is right but scores 0.
	if len(got.Many) != 2 || got.Many[0]["score"] != 0 || got.Many[0]["acc"] != 1 || got.Many[1]["score"] != 1 {
		t.Errorf("compute_score_batch: %v, want scores [0 1] with acc [1 1]", got.Many)
	}
	// A list ground truth (verl's reward_model.ground_truth of a Minerva row): any answer.
	if got.Alt["acc"] != 1 {
		t.Errorf("compute_score with a list ground truth: %v, want acc 1 (6630 is one of the alternatives)", got.Alt)
	}
	if !strings.Contains(got.Bad, "HTTP 400") || !strings.Contains(got.Bad, "want a string, number or list") {
		t.Errorf("a malformed item raised %q, want the 400 and its reason", got.Bad)
	}
}

func mustMarshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustUnmarshal(t testing.TB, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", abbreviate(b), err)
	}
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// TestRandomReward: with probability 1 the random reward is the format check alone.
func TestRandomReward(t *testing.T) {
	srv := newServer(t, Options{RandomP: 1, Reward: "random"})
	code, body := post(t, srv.Client(), srv.URL+"/v1/score", `{"items": [
		{"response": "<think>x</think><answer>3</answer>", "ground_truth": "4"},
		{"response": "\\boxed{4}", "ground_truth": "4"}]}`)
	var got ScoreResponse
	mustUnmarshal(t, body, &got)
	if code != 200 || len(got.Results) != 2 || got.Results[0].Score != 1 || got.Results[1].Score != 0 {
		t.Errorf("%d %s, want scores 1 (formatted) and 0", code, body)
	}
	if _, err := New(Options{RandomP: 1.5}); err == nil {
		t.Error("RandomP 1.5 accepted")
	}
}
