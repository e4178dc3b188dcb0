package logic

import "testing"

func TestShortAnswerTasks(t *testing.T) {
	for _, tc := range []struct {
		name, task, gold, response string
		want                       bool
	}{
		{"object_properties boxed", "object_properties", "12", `\boxed{12}`, true},
		{"object_properties wrong", "object_properties", "12", "The answer is 13.", false},
		{"object_properties prose", "object_properties", "12", "there are 12 of 40", false},
		{"mistake step", "word_sorting_mistake", "5", "The answer is 5.", true},
		{"mistake other step", "word_sorting_mistake", "5", "The answer is 4.", false},
		{"mistake none said", "word_sorting_mistake", "No", "The answer is No.", true},
		{"mistake none bold", "word_sorting_mistake", "No", "**no**", true},
		{"mistake step but none", "word_sorting_mistake", "No", "The answer is 3.", false},
		{"mistake missing", "word_sorting_mistake", "No", "hmm", false},
		{"steps list", "dyck_language_reasoning_errors", "7, 9", "The answer is 9, 7", true},
		{"steps brackets", "dyck_language_reasoning_errors", "7, 9", `\boxed{[7, 9]}`, true},
		{"steps missing one", "dyck_language_reasoning_errors", "7, 9", "The answer is 7", false},
		{"steps extra", "dyck_language_reasoning_errors", "7, 9", "The answer is 7, 9, 10", false},
		{"steps repeated", "dyck_language_reasoning_errors", "7, 9", "The answer is 7, 9, 9", false},
		{"steps none", "dyck_language_reasoning_errors", "", "The answer is none", true},
		{"steps none wrong", "dyck_language_reasoning_errors", "", "The answer is 3", false},
		{"operation int", "operation", "[[12]]", "So [[12]]", true},
		{"operation fraction", "operation", "[[0.5]]", "[[1/2]]", true},
		{"operation wrong", "operation", "[[12]]", "[[13]]", false},
		{"operation later box", "operation", "[[12]]", `[[12]] then \boxed{13}`, false},
		{"operation text", "operation", "[[x+1]]", "[[ x + 1 ]]", true},
		{"operation not number", "operation", "[[12]]", "[[twelve]]", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, tc.task, GameData{Answer: tc.gold}, tc.response, tc.want)
		})
	}
	expect(t, "object_properties", GameData{Answer: "many"}, "12", false)
}
