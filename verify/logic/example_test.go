package logic_test

import (
	"fmt"

	"github.com/mirage-rl/mirage/verify/logic"
)

func ExampleLookup() {
	g, err := logic.ParseGameData(`{"question": "Make 24 from [3, 3, 8, 8].", "answer": "",
		"difficulty": 1, "metadata": {"numbers": [3, 3, 8, 8], "operators": ["+", "-", "*", "/"], "result": 24}}`)
	if err != nil {
		fmt.Println(err)
		return
	}
	v, ok := logic.Lookup("val/game_of_24")
	if !ok {
		fmt.Println("unknown task")
		return
	}
	for _, response := range []string{
		"```python\n8 / (3 - 8 / 3)\n```",
		"```python\n8 + 8 + 3 + 3\n```",
	} {
		res := v.Verify(g, response)
		fmt.Printf("correct=%v extracted=%q reason=%q\n", res.Correct, res.Extracted, res.Reason)
	}
	// Output:
	// correct=true extracted="8 / (3 - 8 / 3)" reason=""
	// correct=false extracted="8 + 8 + 3 + 3" reason="evaluates to 22, want 24"
}
