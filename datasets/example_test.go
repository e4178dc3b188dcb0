package datasets_test

import (
	"fmt"

	"github.com/mirage-rl/mirage/datasets"
)

func ExampleApplyTemplate() {
	prompt, err := datasets.ApplyTemplate(datasets.TemplateBoxed, "What is $2+3$?")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(prompt)
	// Output:
	// What is $2+3$?
	//
	// Let's think step by step and output the final answer within \boxed{}.
}

func ExampleRankByVariance() {
	ps := []datasets.Problem{{ID: "a"}, {ID: "b"}, {ID: "c"}}
	history := datasets.AccuracyHistory{
		"a": {0.9, 0.9, 1.0}, // already solved: low variance
		"b": {0.0, 0.5, 1.0}, // learned during training: high variance
		"c": {0.0},           // one epoch: no variance
	}
	for _, s := range datasets.RankByVariance(ps, history) {
		fmt.Printf("%s %.4f\n", s.ID, s.Variance)
	}
	// Output:
	// b 0.1667
	// a 0.0022
}
