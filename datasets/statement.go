package datasets

import "strings"

// Statement is a problem's prompt text split around the problem statement itself:
// Before + Text + After is the prompt's text (Prompt.String()).
type Statement struct {
	// Before and After are the instruction around the statement (either may be empty).
	Before, Text, After string
	// Instruction names how the statement was told apart from the instruction: the name of
	// the template whose text surrounds it ("think-answer", "boxed"), the extra field holding
	// the raw statement ("extra_info.problem", "extra_info.question"), or "" when the prompt
	// matched neither and the whole text is taken as the statement.
	Instruction string
}

// statementFields are the extra_info fields that hold a problem's raw statement (verl's
// GSM8K preprocessing keeps "question"; other converters keep "problem"), tried in order.
var statementFields = []string{"problem", "question"}

// SplitStatement finds the statement in p's prompt text. The rule, first match wins:
//
//  1. an extra_info "problem" or "question" string that occurs in the text: that is the
//     statement (its first occurrence), the text around it the instruction;
//  2. the text is one of the templates ApplyTemplate renders (TemplateThinkAnswer, then
//     TemplateBoxed: mirage convert deepscaler's prompts) around a non-empty statement: the
//     template's text is the instruction, what it surrounds the statement;
//  3. otherwise the whole text is the statement (raw problems, or an unknown instruction).
func SplitStatement(p Problem) Statement {
	text := p.Prompt.String()
	for _, k := range statementFields {
		s, ok := p.Extra[k].(string)
		if !ok || strings.TrimSpace(s) == "" {
			continue
		}
		if i := strings.Index(text, s); i >= 0 {
			return Statement{Before: text[:i], Text: s, After: text[i+len(s):], Instruction: "extra_info." + k}
		}
	}
	for _, name := range []string{TemplateThinkAnswer, TemplateBoxed} {
		before, after, _ := strings.Cut(templates[name], "{problem}")
		if len(text) > len(before)+len(after) && strings.HasPrefix(text, before) && strings.HasSuffix(text, after) {
			if s := text[len(before) : len(text)-len(after)]; strings.TrimSpace(s) != "" {
				return Statement{Before: before, Text: s, After: after, Instruction: name}
			}
		}
	}
	return Statement{Text: text}
}
