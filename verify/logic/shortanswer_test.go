package logic

import "testing"

func TestShortAnswerTasks(t *testing.T) {
	// Shaped like upstream: object_properties stores str(int), word_sorting_mistake an int or
	// None (read as ""), dyck_language_reasoning_errors "7,9" or "", operation str() of a
	// Python int or float. Every prompt but the Dyck one asks for \boxed{}.
	for _, tc := range []struct {
		name, task, gold, response string
		want                       bool
	}{
		{"object_properties boxed", "object_properties", "12", `So \boxed{12}`, true},
		{"object_properties later box", "object_properties", "12", `\boxed{11}, no: \boxed{12}`, true},
		{"object_properties wrong", "object_properties", "12", `\boxed{13}`, false},
		{"object_properties unboxed", "object_properties", "12", "The answer is 12.", false},
		{"object_properties prose", "object_properties", "12", "there are 12 of 40", false},
		{"mistake step", "word_sorting_mistake", "5", `Thought 5 is wrong: \boxed{5}`, true},
		{"mistake step unboxed", "word_sorting_mistake", "5", "The answer is 5.", false},
		{"mistake other step", "word_sorting_mistake", "5", `\boxed{4}`, false},
		{"mistake step but says no", "word_sorting_mistake", "5", `\boxed{No}`, false},
		{"mistake none (null gold)", "word_sorting_mistake", "", `\boxed{No}`, true},
		{"mistake none lower case", "word_sorting_mistake", "", `\boxed{no}`, true},
		{"mistake none text", "word_sorting_mistake", "", `\boxed{\text{No}}`, false}, // upstream reads "\text{No"
		{"mistake none gold No", "word_sorting_mistake", "No", `\boxed{No}`, true},
		{"mistake none unboxed", "word_sorting_mistake", "", "The answer is No.", false},
		{"mistake step but none", "word_sorting_mistake", "", `\boxed{3}`, false},
		{"mistake missing", "word_sorting_mistake", "", "hmm", false},
		{"steps list", "dyck_language_reasoning_errors", "7,9", "The answer is 9, 7", true},
		{"steps bare", "dyck_language_reasoning_errors", "7,9", "...\n7,9", true},
		{"steps brackets", "dyck_language_reasoning_errors", "7,9", `\boxed{[7, 9]}`, true},
		{"steps missing one", "dyck_language_reasoning_errors", "7,9", "The answer is 7", false},
		{"steps extra", "dyck_language_reasoning_errors", "7,9", "The answer is 7, 9, 10", false},
		{"steps repeated", "dyck_language_reasoning_errors", "7,9", "7, 9, 9", true}, // a set, as upstream
		{"steps none", "dyck_language_reasoning_errors", "", "...\n\"\"", true},
		{"steps none wrong", "dyck_language_reasoning_errors", "", "The answer is 3", false},
		{"operation int", "operation", "12", `So \boxed{12}`, true},
		{"operation bare last line", "operation", "12", "So:\n12", true},
		{"operation fraction", "operation", "0.5", `\boxed{1/2}`, true},
		{"operation latex fraction", "operation", "-0.75", `\boxed{-\frac{3}{4}}`, true},
		{"operation float gold, exact answer", "operation", "0.3333333333333333", `\boxed{1/3}`, true},
		{"operation float gold, 6 places", "operation", "0.3333333333333333", `\boxed{0.333333}`, true},
		{"operation float gold, 3 places", "operation", "0.3333333333333333", `\boxed{0.333}`, false},
		{"operation int gold, near miss", "operation", "12", `\boxed{12.0000001}`, true}, // math_verify rounds to 6 places
		{"operation wrong", "operation", "12", `\boxed{13}`, false},
		{"operation later box", "operation", "12", `\boxed{12} then \boxed{13}`, false},
		{"operation in prose", "operation", "12", "it is 12 I think", true}, // math_verify's last number
		{"operation not number", "operation", "12", `\boxed{twelve}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, tc.task, GameData{Answer: tc.gold}, tc.response, tc.want)
		})
	}
	expect(t, "object_properties", GameData{Answer: "many"}, `\boxed{12}`, false)
}
