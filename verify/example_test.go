package verify_test

import (
	"fmt"

	"github.com/mirage-rl/mirage/verify"
)

func ExamplePrepare() {
	p := verify.Prepare(verify.Task{GroundTruth: `\frac{1}{2}`}, verify.Options{FormatPenalty: 1})
	for _, completion := range []string{
		"<think>Half of one.</think> <answer>0.5</answer>",
		"<think>Hmm.</think> <answer>1/3</answer>",
		`The answer is $\boxed{\dfrac12}$.`, // right answer, wrong format
	} {
		o := p.Grade(completion)
		fmt.Println(o.Correct, o.Reward, o.Answer, o.Rule)
	}
	// Output:
	// true 1 1/2 answer-tag
	// false 0 1/3 answer-tag
	// true -1 1/2 boxed
}
