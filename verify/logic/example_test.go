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
		fmt.Println(res.Correct, res.Extracted, "|", res.Reason)
	}
	// Output:
	// true 8 / (3 - 8 / 3) |
	// false 8 + 8 + 3 + 3 | evaluates to 22, want 24
}
