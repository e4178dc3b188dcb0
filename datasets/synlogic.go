package datasets

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// SynLogicOptions tunes ConvertSynLogic; the zero value converts the easy subset.
type SynLogicOptions struct {
	// Subset is "easy" (default) or "hard". Hub files under a folder named after the other
	// subset are skipped; generator JSONL has no subsets, and the name only labels the output.
	Subset string
	// TestPerTask is how many problems of each task generator JSONL holds out for the test
	// split (default: a tenth, rounded, and at least 1 for tasks with 2 or more problems).
	// Hub parquet keeps its own train/validation split.
	TestPerTask int
	// Seed picks the held-out generator problems.
	Seed uint64
}

// ConvertSynLogic reads SynLogic data — the hub's parquet files (train and validation per
// task) or the generator's JSONL (one base.data.Data.to_json() object per line, one file per
// task) — from files or folders, and returns verl rows for training and testing.
//
// Rows keep their prompt unchanged and get data_source = the task name (a hub validation row's
// "val/<task>" loses its "val/"; generator rows take the file name), ability "logic" unless
// set, extra_info.split, and extra_info.game_data_str as SynLogic's verifiers read it: kept
// when present, rebuilt from original_question, original_answer, difficulty and metadata when
// null, and for generator rows the JSON line itself. Hub files are test data when their path
// says validation, val or test.
func ConvertSynLogic(inputs []string, opts SynLogicOptions) (train, test []Problem, err error) {
	if opts.Subset == "" {
		opts.Subset = "easy"
	}
	if opts.Subset != "easy" && opts.Subset != "hard" {
		return nil, nil, fmt.Errorf("datasets: synlogic subset %q: want easy or hard", opts.Subset)
	}
	if opts.TestPerTask < 0 {
		// A negative count sliced the held-out permutation with a negative bound (a panic).
		return nil, nil, fmt.Errorf("datasets: synlogic: %d test problems per task; want ≥ 0 (0: a tenth)", opts.TestPerTask)
	}
	files, err := synlogicFiles(inputs, opts.Subset)
	if err != nil {
		return nil, nil, err
	}
	if len(files) == 0 {
		return nil, nil, fmt.Errorf("datasets: synlogic: no .parquet or .jsonl files of subset %s in %s", opts.Subset, strings.Join(inputs, ", "))
	}
	for _, df := range files {
		f := df.path
		if strings.HasSuffix(f, ".parquet") {
			ps, err := synlogicHub(f)
			if err != nil {
				return nil, nil, err
			}
			if hubIsTest(df.rel) {
				test = append(test, withSplit(ps, "test")...)
			} else {
				train = append(train, withSplit(ps, "train")...)
			}
			continue
		}
		tr, te, err := synlogicGenerated(f, opts)
		if err != nil {
			return nil, nil, err
		}
		train, test = append(train, tr...), append(test, te...)
	}
	return train, test, nil
}

// dataFile is an input file and its path below the folder given (its base name when the
// file itself was given), which alone decides its split and subset.
type dataFile struct{ path, rel string }

// synlogicFiles lists the data files under inputs, in a stable order.
func synlogicFiles(inputs []string, subset string) ([]dataFile, error) {
	var out []dataFile
	for _, in := range inputs {
		st, err := os.Stat(in)
		if err != nil {
			return nil, fmt.Errorf("datasets: %w", err)
		}
		if !st.IsDir() {
			out = append(out, dataFile{in, filepath.Base(in)})
			continue
		}
		var found []dataFile
		err = filepath.WalkDir(in, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if ext := filepath.Ext(p); ext != ".parquet" && ext != ".jsonl" {
				return nil
			}
			rel, _ := filepath.Rel(in, p)
			for _, part := range strings.Split(filepath.ToSlash(filepath.Dir(rel)), "/") {
				if (part == "easy" || part == "hard") && part != subset {
					return nil
				}
			}
			found = append(found, dataFile{p, rel})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("datasets: %w", err)
		}
		sort.Slice(found, func(i, j int) bool { return found[i].path < found[j].path })
		out = append(out, found...)
	}
	return out, nil
}

// hubIsTest reports whether a hub file holds test data: a part of its relative path (split at
// /, -, _ and .) is validation, val or test, as in "validation-00000-of-00001.parquet".
func hubIsTest(rel string) bool {
	for _, part := range strings.FieldsFunc(strings.ToLower(filepath.ToSlash(rel)), func(r rune) bool {
		return r == '/' || r == '-' || r == '_' || r == '.'
	}) {
		if part == "validation" || part == "val" || part == "test" {
			return true
		}
	}
	return false
}

// synlogicHub reads one hub parquet file.
func synlogicHub(path string) ([]Problem, error) {
	var out []Problem
	err := scanRecords(path, func(rec record, pos position) error {
		p, err := problemOf(rec, Mapping{}, fileStem(path), pos.index, func(field string, err error) error {
			return pos.err(path, field, err)
		})
		if err != nil {
			return err
		}
		p.DataSource = strings.TrimPrefix(p.DataSource, "val/")
		if p.DataSource == "" {
			return pos.err(path, "data_source", fmt.Errorf("missing: want the SynLogic task name"))
		}
		if p.Ability == "" {
			p.Ability = "logic"
		}
		if md, ok := p.Extra["metadata"]; ok && md != nil {
			if _, isText := md.(string); !isText {
				// Each task's metadata has its own shape; as structs they could not share one
				// parquet column across tasks, so they travel as JSON text (game_data_str
				// carries the object either way).
				b, err := json.Marshal(md)
				if err != nil {
					return pos.err(path, "extra_info.metadata", err)
				}
				p.Extra["metadata"] = string(b)
			}
		}
		if s, _ := p.Extra["game_data_str"].(string); s == "" {
			gd, err := rebuildGameData(p.Extra)
			if err != nil {
				return pos.err(path, "extra_info.game_data_str", err)
			}
			p.Extra["game_data_str"] = gd
		}
		out = append(out, p)
		return nil
	})
	return out, err
}

// gameData is SynLogic's base.data.Data in its to_json() field order.
type gameData struct {
	Question    string `json:"question"`
	Answer      string `json:"answer"`
	Difficulty  any    `json:"difficulty"`
	Metadata    any    `json:"metadata"`
	GPTResponse string `json:"gpt_response"`
}

// rebuildGameData builds game_data_str from the original_question/original_answer columns
// (and difficulty, metadata when present), as SynLogic's consumers do when it is null.
func rebuildGameData(extra map[string]any) (string, error) {
	q, ok := extra["original_question"].(string)
	if !ok {
		return "", fmt.Errorf("null, and no original_question to rebuild it from")
	}
	a, _ := extra["original_answer"].(string)
	if v, ok := extra["original_answer"]; ok && v != nil {
		if s, err := idString(v); err == nil {
			a = s
		}
	}
	md := extra["metadata"]
	if s, ok := md.(string); ok {
		// Hub files often store metadata as a JSON string; the verifiers want the object.
		var v any
		if json.Unmarshal([]byte(s), &v) == nil {
			md = v
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(gameData{Question: q, Answer: a, Difficulty: extra["difficulty"], Metadata: md}); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// synlogicGenerated reads one generator JSONL file (one task) and holds out its test part.
func synlogicGenerated(path string, opts SynLogicOptions) (train, test []Problem, err error) {
	task := fileStem(path)
	var ps []Problem
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("datasets: %w", err)
	}
	err = scanJSONL(path, bytes.NewReader(data), func(line int, b []byte) error {
		v, err := decodeValue(json.NewDecoder(bytes.NewReader(b)), true)
		if err != nil {
			return &DataError{File: path, Line: line, Group: -1, Err: fmt.Errorf("want one SynLogic Data object per line: %w", err)}
		}
		rec, ok := v.(map[string]any)
		if !ok {
			return &DataError{File: path, Line: line, Group: -1, Err: fmt.Errorf("want a JSON object, got %s", typeName(v))}
		}
		q, ok := rec["question"].(string)
		if !ok {
			return &DataError{File: path, Line: line, Group: -1, Field: "question", Err: fmt.Errorf("want a string, got %s", typeName(rec["question"]))}
		}
		// A SynLogic answer is one structured value (the verifier reads game_data_str), never
		// a list of alternatives: anything but text is kept as its JSON.
		var a GroundTruth
		switch x := rec["answer"].(type) {
		case nil:
		case string:
			a = Answer(x)
		default:
			b, err := json.Marshal(jsonTyped(x))
			if err != nil {
				return &DataError{File: path, Line: line, Group: -1, Field: "answer", Err: err}
			}
			a = Answer(string(b))
		}
		p := Problem{
			Prompt:      Prompt{Messages: []Message{{Role: "user", Content: q}}},
			GroundTruth: a,
			DataSource:  task,
			Ability:     "logic",
			Extra: map[string]any{
				"index":                     int64(len(ps)),
				"game_data_str":             string(b),
				RewardModelPrefix + "style": "rule",
			},
		}
		p.ID = derivedID(p)
		ps = append(ps, p)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	n := opts.TestPerTask
	if n == 0 {
		n = (len(ps) + 5) / 10
		if n == 0 && len(ps) >= 2 {
			n = 1
		}
	}
	if n > len(ps) {
		n = len(ps)
	}
	h := fnv.New64a()
	h.Write([]byte(task))
	r := rand.New(rand.NewPCG(opts.Seed, h.Sum64()))
	held := map[int]bool{}
	for _, i := range r.Perm(len(ps))[:n] {
		held[i] = true
	}
	for i, p := range ps {
		if held[i] {
			test = append(test, p)
		} else {
			train = append(train, p)
		}
	}
	return withSplit(train, "train"), withSplit(test, "test"), nil
}
