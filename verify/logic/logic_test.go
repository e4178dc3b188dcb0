package logic

import (
	"bufio"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// loadSamples reads testdata/<task>.jsonl: SynLogic generator output (see testdata/README.md).
func loadSamples(t testing.TB, task string) []GameData {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", task+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []GameData
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 4<<20)
	for line := 1; sc.Scan(); line++ {
		g, err := ParseGameData(sc.Text())
		if err != nil {
			t.Fatalf("%s.jsonl line %d: %v", task, line, err)
		}
		out = append(out, g)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("%s.jsonl has no samples", task)
	}
	return out
}

// meta decodes an instance's metadata in a test.
func meta[T any](t testing.TB, g GameData) T {
	t.Helper()
	var m T
	if err := json.Unmarshal(g.Metadata, &m); err != nil {
		t.Fatalf("metadata: %v", err)
	}
	return m
}

// pyBlock wraps an answer the way a model following the prompt would.
func pyBlock(body string) string {
	return "Let me reason step by step.\n...\nFinal answer:\n```python\n" + body + "\n```\n"
}

// expect grades response and fails unless the verdict is want.
func expect(t *testing.T, task string, g GameData, response string, want bool) {
	t.Helper()
	v, ok := Lookup(task)
	if !ok {
		t.Fatalf("Lookup(%q) failed", task)
	}
	res := v.Verify(g, response)
	if res.Correct != want {
		show := response
		if len(show) > 600 {
			show = show[:600] + "..."
		}
		t.Errorf("%s: Correct=%v, want %v (reason %q, extracted %q)\nresponse:\n%s", task, res.Correct, want, res.Reason, res.Extracted, show)
	}
	if !res.Correct && res.Reason == "" {
		t.Errorf("%s: incorrect result without a reason", task)
	}
}

// sampleSuite runs, for every shared sample of a task, the gold responses (must verify) and
// the corruptions (must not).
type sampleSuite struct {
	task string
	// instances replaces the shared samples (for tasks without any, built by generators).
	instances []GameData
	// good returns responses built from the sample's solution in the task's answer format.
	good func(t *testing.T, g GameData) []string
	// bad returns named corrupted responses.
	bad func(t *testing.T, g GameData) map[string]string
}

func (s sampleSuite) run(t *testing.T) {
	instances := s.instances
	if instances == nil {
		instances = loadSamples(t, s.task)
	}
	for i, g := range instances {
		t.Run(fmt.Sprintf("%s/%02d", s.task, i), func(t *testing.T) {
			for _, r := range s.good(t, g) {
				expect(t, s.task, g, r, true)
			}
			bad := s.bad(t, g)
			bad["no answer"] = "I could not solve this one."
			bad["empty"] = ""
			for _, name := range slices.Sorted(maps.Keys(bad)) {
				t.Run(name, func(t *testing.T) { expect(t, s.task, g, bad[name], false) })
			}
		})
	}
}

func TestLookup(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"  sudoku ", "sudoku"},
		{"val/sudoku", "sudoku"},
		{"arrow_maze", "arrow_maze"},
		{"val/arrow_maze", "arrow_maze"},
		{"ArrowMaze", "arrow_maze"},
		{"arrow-maze", "arrow_maze"},
		{"val/skyscraper", "skyscraper_puzzle"},
		{"SkyscraperPuzzle", "skyscraper_puzzle"},
		{"star_placement", "star_placement_puzzle"},
		{"synlogic/web_of_lies", "web_of_lies"},
		{"val/dyck_language_errors", "dyck_language_errors"},
		{"Math-Path", "math_path"},
		{"Sudoku-Puzzle", "sudoku"},
		{"synlogic/sudoku", "sudoku"},
		{"GameOf24", "game_of_24"},
		{"game24", "game_of_24"},
		{"train/BooleanExpressions", "boolean_expressions"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			v, ok := Lookup(tc.in)
			if !ok {
				t.Fatalf("Lookup(%q) = false, want %s", tc.in, tc.want)
			}
			if got := v.(task).name; got != tc.want {
				t.Errorf("Lookup(%q) = %s, want %s", tc.in, got, tc.want)
			}
			if got, ok := Canonical(tc.in); !ok || got != tc.want {
				t.Errorf("Canonical(%q) = %s, %v, want %s", tc.in, got, ok, tc.want)
			}
		})
	}
	for _, unknown := range []string{"", "val/", "math", "gsm8k", "arrow", "sudoku2", strings.Repeat("a", 1000)} {
		if _, ok := Lookup(unknown); ok {
			t.Errorf("Lookup(%q) = true, want false", unknown)
		}
		if _, ok := Canonical(unknown); ok {
			t.Errorf("Canonical(%q) = true, want false", unknown)
		}
	}
}

func TestTasksAreRegisteredAndSorted(t *testing.T) {
	tasks := Tasks()
	if !slices.IsSorted(tasks) {
		t.Errorf("Tasks() not sorted: %v", tasks)
	}
	for _, name := range tasks {
		if _, ok := Lookup(name); !ok {
			t.Errorf("Tasks() lists %q but Lookup fails", name)
		}
		if _, ok := Lookup("val/" + name); !ok {
			t.Errorf("Lookup(val/%s) fails", name)
		}
	}
}

func TestParseGameData(t *testing.T) {
	obj := `{"question": "q", "answer": "a", "difficulty": 3, "metadata": {"k": 1}, "gpt_response": ""}`
	quoted, _ := json.Marshal(obj)
	for _, tc := range []struct {
		name, in string
		diff     int
		meta     string
	}{
		{"object", obj, 3, `{"k": 1}`},
		{"double encoded", string(quoted), 3, `{"k": 1}`},
		{"string difficulty", `{"question":"q","answer":"a","difficulty":"2","metadata":null}`, 2, "null"},
		{"float difficulty", `{"question":"q","answer":"a","difficulty":4.0}`, 4, "null"},
		{"extra keys", `{"question":"q","answer":"a","other":[1,2]}`, 0, "null"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := ParseGameData(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if g.Question != "q" || g.Answer != "a" || g.Difficulty != tc.diff || string(g.Metadata) != tc.meta {
				t.Errorf("got %+v (metadata %s)", g, g.Metadata)
			}
		})
	}
	// Upstream generators store non-string answers as they are: object_counting an int,
	// word_sorting_mistake an int or None, futoshiki a list of rows.
	for _, tc := range []struct{ name, answer, want string }{
		{"int answer", `7`, "7"},
		{"null answer", `null`, ""},
		{"absent answer", ``, ""},
		{"grid answer", "[[1, 2],\n [2, 1]]", "[[1,2],[2,1]]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := `{"question": "q", "metadata": {}}`
			if tc.answer != "" {
				in = `{"question": "q", "answer": ` + tc.answer + `, "metadata": {}}`
			}
			g, err := ParseGameData(in)
			if err != nil {
				t.Fatal(err)
			}
			if g.Answer != tc.want {
				t.Errorf("Answer = %q, want %q", g.Answer, tc.want)
			}
		})
	}
	for _, bad := range []string{"", "[]", "null", `"not json"`, `{"question": 1}`, `{"difficulty": "hard"}`, `{"difficulty": 1.5}`, `{`} {
		t.Run("error/"+bad, func(t *testing.T) {
			_, err := ParseGameData(bad)
			if err == nil {
				t.Fatalf("ParseGameData(%q) succeeded", bad)
			}
			if !strings.HasPrefix(err.Error(), "logic: game_data_str") {
				t.Errorf("error %q lacks the logic: game_data_str prefix", err)
			}
		})
	}
}

func TestThinkIsSkipped(t *testing.T) {
	g := loadSamples(t, "boolean_expressions")[0]
	expect(t, "boolean_expressions", g, `<think>maybe \boxed{`+g.Answer+`}? no.</think> The answer is \boxed{A}`, g.Answer == "A")
	expect(t, "boolean_expressions", g, `<think>maybe \boxed{A}</think> so \boxed{`+g.Answer+`}`, true)
}
