// Package serve exposes mirage's graders as an HTTP reward service, for RL engines that run
// elsewhere (verl, OpenRLHF on GPU machines). It is an http.Handler over package verify
// alone.
//
// Endpoints (all JSON; the package's own, POST /v1/score, is documented in docs/scale-out.md):
//   - POST /get_reward: OpenRLHF's remote reward protocol (--reward.remote_url, formerly
//     --remote_rm_url), the path of its reference server openrlhf/cli/serve_rm.py. The
//     request is {"query": [prompt+response, ...], "prompts": [prompt, ...], "labels":
//     [label, ...]}; each response is the query with its prompt cut off the front, and each
//     label is a ground-truth string or an object {"ground_truth", "data_source",
//     "extra_info"}. The answer is {"rewards": [...], "scores": [...], "extra_logs": {...}}:
//     rewards by Options.Reward, scores the accuracy (0 or 1, what OpenRLHF filters
//     on), extra_logs per-sample lists (correct, format_ok, no_answer, over_budget).
//   - POST /v1/score: a batch of {data_source, response, ground_truth, extra_info, reward}
//     items, each answered with its score and the grade behind it (see ScoreRequest).
//   - GET /healthz: 200 "ok" while the server runs; never needs the token.
//
// Rewards (Rewards lists them): the RL rewards of verify.GroupRewards that need no token
// log-probs — ground_truth (the paper's format-gated accuracy, acc_with_think_format: 1 only
// for a right answer in the "<think> … </think> <answer> … </answer>" format), incorrect,
// format, random (Bernoulli(Options.RandomP) × format) and majority (1 for the most frequent
// answer of the response's group: the responses of one prompt) — run under Options.Verify's
// grader, as mirage train rl computes them; and the grader names (auto, math, math-strict,
// synlogic), which give 1 for a right answer under that grader whatever the format
// (−FormatPenalty for a response out of the think/answer format when the penalty is set).
//
// Error policy: a malformed request (bad JSON, unknown fields in /v1/score, lists of
// different lengths, a query that does not start with its prompt, an unknown reward, a
// /get_reward label without a ground truth for a reward that grades the answer) gets a 400
// with the reason as {"error": "..."}; a body over Options.MaxBodyBytes or a batch over
// Options.MaxItems gets a 413; a request without the bearer token, when one is set, a 401.
// Grading itself never fails: a verification that outlives Options.Budget is scored as a
// wrong answer with over_budget set and the reason, and a verifier that panics is scored
// wrong with the panic as the reason. Nothing a client sends stops the server.
//
// Verifications of all requests share Options.Workers goroutines (one per core by default);
// a verification stopped by the budget keeps its worker until it returns, so a flood of
// pathological answers slows the server down instead of exhausting its memory.
package serve

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"time"

	"github.com/mirage-rl/mirage/verify"
)

// Options configure the service. The zero value grades with the auto grader, rewards with
// "ground_truth", gives each verification 5 s, accepts bodies up to 64 MiB and batches of up
// to 65,536 items, uses one worker per core and needs no token.
type Options struct {
	// Verify holds the grading defaults (grader, answer format, last-number fallback, format
	// penalty, math budgets). Its Workers field is not used (see Workers). Math.Timeout, when
	// zero, is set to Budget.
	Verify verify.Options
	// Reward is the reward of /get_reward and of /v1/score items that name none; "" is
	// "ground_truth".
	Reward string
	// Budget bounds one verification (preparing the ground truth and grading one response);
	// default 5 s.
	Budget time.Duration
	// MaxBodyBytes bounds a request body; default 64 MiB.
	MaxBodyBytes int64
	// MaxItems bounds the responses of one request; default 65,536.
	MaxItems int
	// Workers is the number of verifications run at once over all requests; 0 is GOMAXPROCS.
	Workers int
	// Token, when set, must come with every request but /healthz as "Authorization: Bearer
	// TOKEN".
	Token string
	// TrimSuffixes are cut from the end of every response before grading (repeatedly, in any
	// order), e.g. an end-of-sequence token text such as "<|im_end|>" that OpenRLHF leaves in
	// the decoded query.
	TrimSuffixes []string
	// RandomP is the probability of reward 1 of the random reward; 0 means 0.5.
	RandomP float64
	// FormatStrict checks the format of the RL rewards with the released code's regex ('.'
	// does not match a newline), as mirage train rl --format-strict.
	FormatStrict bool
}

const (
	defaultBudget   = 5 * time.Second
	defaultMaxBody  = 64 << 20
	defaultMaxItems = 1 << 16
	// RewardGroundTruth is the format-gated accuracy reward, the default.
	RewardGroundTruth = string(verify.RewardGroundTruth)
)

// graders are the grader names that are rewards too.
var graders = []verify.Grader{verify.GraderAuto, verify.GraderMath, verify.GraderMathStrict, verify.GraderMathVerify, verify.GraderSynLogic}

// Rewards lists the reward names the service knows: verify's RL rewards but entropy (it needs
// the sampler's token log-probs, which only the RL engine has), then the graders.
func Rewards() []string {
	var names []string
	for _, k := range verify.RewardKinds {
		if k != verify.RewardEntropy {
			names = append(names, string(k))
		}
	}
	for _, g := range graders {
		names = append(names, string(g))
	}
	return names
}

// reward is a resolved reward name: the grading options and, for the RL rewards, the kind
// (scored per group by verify.GroupRewards; "" means the grader's own reward).
type reward struct {
	opts verify.Options
	kind verify.RewardKind
}

// needsAnswer says whether the reward grades the answer against a ground truth: the graders
// and the RL rewards ground_truth and incorrect (format, random and majority do not).
func (r reward) needsAnswer() bool {
	return r.kind == "" || r.kind == verify.RewardGroundTruth || r.kind == verify.RewardIncorrect
}

// Handler is the reward service; build it with New.
type Handler struct {
	opts    Options
	rewards map[string]reward
	deflt   reward
	sem     chan struct{}
	mux     *http.ServeMux
}

// New checks the options and builds the service's handler.
func New(opts Options) (*Handler, error) {
	if opts.Budget < 0 || opts.MaxBodyBytes < 0 || opts.MaxItems < 0 || opts.Workers < 0 {
		return nil, errors.New("serve: negative budget, body limit, item limit or worker count")
	}
	if !(opts.RandomP >= 0 && opts.RandomP <= 1) {
		return nil, fmt.Errorf("serve: random reward probability %v; want 0 (0.5) to 1", opts.RandomP)
	}
	if opts.Budget == 0 {
		opts.Budget = defaultBudget
	}
	if opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = defaultMaxBody
	}
	if opts.MaxItems == 0 {
		opts.MaxItems = defaultMaxItems
	}
	if opts.Workers == 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.Verify.Math.Timeout == 0 {
		opts.Verify.Math.Timeout = opts.Budget
	}
	if opts.Reward == "" {
		opts.Reward = RewardGroundTruth
	}
	h := &Handler{opts: opts, rewards: map[string]reward{}, sem: make(chan struct{}, opts.Workers)}
	for _, name := range Rewards() {
		o := opts.Verify
		if k, err := verify.ParseRewardKind(name); err == nil {
			h.rewards[name] = reward{opts: o, kind: k}
			continue
		}
		o.Grader = verify.Grader(name)
		h.rewards[name] = reward{opts: o}
	}
	d, ok := h.rewards[opts.Reward]
	if !ok {
		return nil, fmt.Errorf("serve: unknown reward %q (want %s)", opts.Reward, strings.Join(Rewards(), ", "))
	}
	h.deflt = d
	h.mux = http.NewServeMux()
	h.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	h.mux.Handle("POST /get_reward", h.authorized(h.getReward))
	h.mux.Handle("POST /v1/score", h.authorized(h.score))
	return h, nil
}

// ServeHTTP serves the endpoints of the package doc.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// lookup resolves a reward name; "" is the default reward.
func (h *Handler) lookup(name string) (reward, error) {
	if name == "" {
		return h.deflt, nil
	}
	r, ok := h.rewards[name]
	if !ok {
		return reward{}, badRequest("unknown reward %q (want %s)", name, strings.Join(Rewards(), ", "))
	}
	return r, nil
}

// requestError is an error the client caused, answered with its status.
type requestError struct {
	status int
	msg    string
}

func (e *requestError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &requestError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

// authorized wraps an endpoint with the bearer-token check and the request decoding's error
// handling: fn returns the value to answer with, or an error (a *requestError for the
// client's mistakes).
func (h *Handler) authorized(fn func(*http.Request) (any, error)) http.Handler {
	want := []byte("Bearer " + h.opts.Token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h.opts.Token != "" && subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="mirage"`)
			writeJSON(w, http.StatusUnauthorized, errorBody{"missing or wrong bearer token"})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, h.opts.MaxBodyBytes)
		v, err := fn(r)
		if err != nil {
			var re *requestError
			var tooBig *http.MaxBytesError
			switch {
			case errors.As(err, &tooBig):
				writeJSON(w, http.StatusRequestEntityTooLarge, errorBody{fmt.Sprintf("request body over %d bytes", tooBig.Limit)})
			case errors.As(err, &re):
				writeJSON(w, re.status, errorBody{re.msg})
			case r.Context().Err() != nil:
				// The client went away; nobody reads an answer.
			default:
				writeJSON(w, http.StatusInternalServerError, errorBody{err.Error()})
			}
			return
		}
		writeJSON(w, http.StatusOK, v)
	})
}

type errorBody struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // a client that hung up cannot be told
}

// decode reads one JSON value from the body into v, naming what was wrong.
func decode(r *http.Request, v any, strict bool) error {
	dec := json.NewDecoder(r.Body)
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		if errors.As(err, new(*http.MaxBytesError)) {
			return err
		}
		return badRequest("invalid JSON body: %v", err)
	}
	if dec.More() {
		return badRequest("invalid JSON body: more than one JSON value")
	}
	return nil
}

// checkItems enforces the batch limit.
func (h *Handler) checkItems(n int) error {
	if n > h.opts.MaxItems {
		return &requestError{http.StatusRequestEntityTooLarge, fmt.Sprintf("%d responses in one request; at most %d", n, h.opts.MaxItems)}
	}
	return nil
}

// trim cuts the configured suffixes off a response.
func (h *Handler) trim(s string) string {
	for {
		t := strings.TrimRightFunc(s, func(r rune) bool { return r == ' ' || r == '\n' || r == '\t' || r == '\r' })
		cut := false
		for _, suf := range h.opts.TrimSuffixes {
			if suf != "" && strings.HasSuffix(t, suf) {
				t, cut = strings.TrimSuffix(t, suf), true
			}
		}
		if !cut {
			return s
		}
		s = t
	}
}

func abbreviate(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "…"
	}
	return string(b)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
