package math_test

import (
	"fmt"

	vmath "github.com/mirage-rl/mirage/verify/math"
)

func ExampleEqual() {
	fmt.Println(vmath.Equal(`\frac{1}{2}`, "0.5"))
	fmt.Println(vmath.Equal(`3\sqrt{13}`, `\sqrt{117}`))
	fmt.Println(vmath.Equal(`1 \pm \sqrt{19}`, `1-\sqrt{19}, 1+\sqrt{19}`))
	fmt.Println(vmath.Equal(`(-\infty, 3]`, `(-\infty, 3)`))
	fmt.Println(vmath.Equal(`\text{Evelyn}`, "evelyn"))
	// Output:
	// true
	// true
	// true
	// false
	// true
}

func ExampleExtract() {
	ex, ok := vmath.Extract("<think>7*6</think> <answer>42</answer>", vmath.ExtractOptions{})
	fmt.Println(ex.Answer, ex.Rule, ok)
	ex, ok = vmath.Extract(`so the area is $\boxed{\frac{3}{4}}$.`, vmath.ExtractOptions{})
	fmt.Println(ex.Answer, ex.Rule, ok)
	// Output:
	// 42 answer-tag true
	// \frac{3}{4} boxed true
}

func ExampleCheck() {
	r := vmath.Check("10^{10^{10}}", "5", vmath.Options{})
	fmt.Println(r.Equal, r.Reason)
	// Output:
	// false math: over budget: number too large to compare
}

func ExampleExtractMathVerify() {
	opts := vmath.Options{MathVerify: true}
	gold := vmath.ParseMathVerify(`\frac{1}{3}`, opts)
	for _, text := range []string{
		"Each of the three is equally likely, so the probability is 0.333333.",
		`We get $x = 5+5+1 = 11$, and the final answer is $\frac{1}{3}$. I hope it is correct.`,
		"<answer>1/3</answer>",
	} {
		pred, ex, ok := vmath.ExtractMathVerify(text, opts)
		if !ok {
			fmt.Println("no answer")
			continue
		}
		fmt.Println(ex.Answer, ex.Rule, vmath.Compare(gold, pred, opts).Equal)
	}
	// Output:
	// 0.333333 mv-expr true
	// \frac{1}{3} mv-final-answer true
	// no answer
}
