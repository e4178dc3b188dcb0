package datasets

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sort"
)

// Repeat returns n copies of p: the training set of one-shot RLVR (paper RQ2; Wang et al.,
// 2025, "Reinforcement Learning for Reasoning in Large Language Models with One Training
// Example"), where one example fills every batch. Copies share the example's fields,
// extra_info.index included.
func Repeat(p Problem, n int) []Problem {
	out := make([]Problem, n)
	for i := range out {
		out[i] = p
	}
	return out
}

// OneShot says how PickOneShot picks the example of a one-shot training set: by Index (a
// 0-based row), by ID, or by variance (Wang et al.'s rule, RankByVariance) over the accuracy
// History files (ReadAccuracyHistory), taking the example ranked Rank (1: highest variance).
type OneShot struct {
	By      string   // "index", "id" or "variance"
	Index   int      // By "index"
	ID      string   // By "id"
	History []string // By "variance", in epoch order
	Rank    int      // By "variance"; 0 is 1
}

// OneShotPick is the example PickOneShot chose and how.
type OneShotPick struct {
	Index int // row of the example in the data
	// By "variance": the ranking (highest first), the number of ids in the history and how
	// many of them are not in the data (most likely a history of another data file, or ids
	// changed by a dedupe).
	Ranking             []VarianceScore
	HistoryIDs, Unknown int
}

// PickOneShot chooses the one-shot example of ps as o says (RQ2 of "Mirage or Method?": a
// training set of one example repeated, Repeat).
func PickOneShot(ps []Problem, o OneShot) (OneShotPick, error) {
	switch o.By {
	case "index":
		if o.Index < 0 || o.Index >= len(ps) {
			return OneShotPick{}, fmt.Errorf("datasets: one-shot index %d, but the data has %d rows", o.Index, len(ps))
		}
		return OneShotPick{Index: o.Index}, nil
	case "id":
		i, err := FindID(ps, o.ID)
		return OneShotPick{Index: i}, err
	case "variance":
	default:
		return OneShotPick{}, fmt.Errorf("datasets: one-shot pick by %q; want index, id or variance", o.By)
	}
	if len(o.History) == 0 {
		return OneShotPick{}, fmt.Errorf("datasets: a one-shot pick by variance needs an accuracy history")
	}
	h, err := ReadAccuracyHistory(o.History, ps)
	if err != nil {
		return OneShotPick{}, err
	}
	known := map[string]bool{}
	for _, p := range ps {
		known[p.ID] = true
	}
	pick := OneShotPick{HistoryIDs: len(h), Ranking: RankByVariance(ps, h)}
	for id := range h {
		if !known[id] {
			pick.Unknown++
		}
	}
	rank := max(o.Rank, 1)
	if rank > len(pick.Ranking) {
		return OneShotPick{}, fmt.Errorf("datasets: one-shot rank %d, but %d examples have 2 or more epochs of history (%d ids in the history)", rank, len(pick.Ranking), len(h))
	}
	pick.Index = pick.Ranking[rank-1].Index
	return pick, nil
}

// FindID returns the position of the problem with this id.
func FindID(ps []Problem, id string) (int, error) {
	for i, p := range ps {
		if p.ID == id {
			return i, nil
		}
	}
	return -1, fmt.Errorf("datasets: no problem has id %q", id)
}

// AccuracyHistory maps a problem id to its training accuracy at each past epoch, in order.
//
// The history file (ReadAccuracyHistory) is JSONL, any mix of three kinds of line:
//
//	{"id": "deepscaler/12", "accuracy": 0.25}          one epoch's accuracy, appended
//	{"id": "deepscaler/12", "accuracy": [0.25, 0.5]}   several epochs, appended in order
//	{"id": ..., "completions": [{"correct": true}, ...]}   a scored samples.jsonl line: one
//	                                                    epoch, accuracy = fraction correct
//
// "index": N may replace "id" to name the problem at 0-based row N of the data file. So a
// per-epoch log appended during training works, and so do scored samples files from
// `mirage verify`, one file per epoch.
type AccuracyHistory map[string][]float64

// ReadAccuracyHistory reads and concatenates history files in the order given. ps resolves
// "index" lines to ids.
func ReadAccuracyHistory(paths []string, ps []Problem) (AccuracyHistory, error) {
	h := AccuracyHistory{}
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("datasets: %w", err)
		}
		err = scanJSONL(path, bytes.NewReader(data), func(line int, b []byte) error {
			bad := func(field string, err error) error {
				return &DataError{File: path, Line: line, Group: -1, Field: field, Err: err}
			}
			var l struct {
				ID          *string           `json:"id"`
				Index       *int              `json:"index"`
				Accuracy    json.RawMessage   `json:"accuracy"`
				Completions []json.RawMessage `json:"completions"`
			}
			if err := json.Unmarshal(b, &l); err != nil {
				return bad("", fmt.Errorf("want {id, accuracy} or a scored sample: %w", err))
			}
			var id string
			switch {
			case l.ID != nil:
				id = *l.ID
			case l.Index != nil:
				if *l.Index < 0 || *l.Index >= len(ps) {
					return bad("index", fmt.Errorf("%d is not a row of the %d-row data file", *l.Index, len(ps)))
				}
				id = ps[*l.Index].ID
			default:
				return bad("id", fmt.Errorf("missing: want id or index"))
			}
			switch {
			case l.Accuracy != nil:
				var one float64
				var many []float64
				if json.Unmarshal(l.Accuracy, &one) == nil {
					many = []float64{one}
				} else if err := json.Unmarshal(l.Accuracy, &many); err != nil {
					return bad("accuracy", fmt.Errorf("want a number or a list of numbers in [0, 1]"))
				}
				for _, a := range many {
					if a < 0 || a > 1 {
						return bad("accuracy", fmt.Errorf("%v is outside [0, 1]", a))
					}
				}
				h[id] = append(h[id], many...)
			case l.Completions != nil:
				if len(l.Completions) == 0 {
					return bad("completions", fmt.Errorf("empty: no accuracy to take"))
				}
				right := 0
				for i, c := range l.Completions {
					var cc struct {
						Correct *bool `json:"correct"`
					}
					if err := json.Unmarshal(c, &cc); err != nil || cc.Correct == nil {
						return bad("completions", fmt.Errorf("completion %d is not scored: run mirage verify first", i))
					}
					if *cc.Correct {
						right++
					}
				}
				h[id] = append(h[id], float64(right)/float64(len(l.Completions)))
			default:
				return bad("accuracy", fmt.Errorf("missing: want accuracy or completions"))
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return h, nil
}

// VarianceScore is one problem's historical variance.
type VarianceScore struct {
	Index    int     `json:"index"` // position in the data
	ID       string  `json:"id"`
	Epochs   int     `json:"epochs"`
	Variance float64 `json:"variance"`
}

// RankByVariance orders problems by the historical variance of their training accuracy,
// highest first: the rule Wang et al. (2025) use to pick the one-shot example, v_i =
// var(s_i,1, ..., s_i,E), the population variance of example i's accuracy over the E epochs
// of a normal RLVR run. Problems with fewer than two recorded epochs have no variance and are
// left out; ties go to the earlier problem.
func RankByVariance(ps []Problem, h AccuracyHistory) []VarianceScore {
	var out []VarianceScore
	for i, p := range ps {
		acc := h[p.ID]
		if len(acc) < 2 {
			continue
		}
		var mean float64
		for _, a := range acc {
			mean += a
		}
		mean /= float64(len(acc))
		var v float64
		for _, a := range acc {
			v += (a - mean) * (a - mean)
		}
		out = append(out, VarianceScore{Index: i, ID: p.ID, Epochs: len(acc), Variance: v / float64(len(acc))})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Variance > out[j].Variance })
	return out
}
