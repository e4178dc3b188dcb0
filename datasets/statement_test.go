package datasets

import "testing"

func TestSplitStatement(t *testing.T) {
	const stmt = "What is $1+1$?"
	think, boxed := mustTemplate(t, TemplateThinkAnswer, stmt), mustTemplate(t, TemplateBoxed, stmt)
	text := func(s string) Prompt { return Prompt{Messages: []Message{{Role: "user", Content: s}}} }
	for _, tc := range []struct {
		name  string
		p     Problem
		want  string // the statement
		instr string
	}{
		{"think-answer template", Problem{Prompt: text(think)}, stmt, TemplateThinkAnswer},
		{"boxed template", Problem{Prompt: text(boxed)}, stmt, TemplateBoxed},
		{"raw problem", Problem{Prompt: Prompt{Text: stmt}}, stmt, ""},
		{"unknown instruction: whole text", Problem{Prompt: text("Answer briefly. " + stmt)}, "Answer briefly. " + stmt, ""},
		{"extra_info.question wins over the template", Problem{Prompt: text(think), Extra: map[string]any{"question": "1+1"}}, "1+1", "extra_info.question"},
		{"extra_info.problem not in the text is ignored", Problem{Prompt: text(boxed), Extra: map[string]any{"problem": "another"}}, stmt, TemplateBoxed},
		{"template alone is no statement", Problem{Prompt: text(mustTemplate(t, TemplateBoxed, " "))}, mustTemplate(t, TemplateBoxed, " "), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := SplitStatement(tc.p)
			if s.Text != tc.want || s.Instruction != tc.instr {
				t.Errorf("statement %q by %q; want %q by %q", s.Text, s.Instruction, tc.want, tc.instr)
			}
			if got := s.Before + s.Text + s.After; got != tc.p.Prompt.String() {
				t.Errorf("before + statement + after = %q; want the prompt %q", got, tc.p.Prompt.String())
			}
		})
	}
}

func mustTemplate(t *testing.T, name, problem string) string {
	s, err := ApplyTemplate(name, problem)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
