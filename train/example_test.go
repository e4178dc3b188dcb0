package train_test

import (
	"fmt"

	"github.com/mirage-rl/mirage/train"
)

// A 10-step run with 2 warm-up steps and a cosine decay to 10% of the peak rate.
func ExampleLearningRate() {
	for step := range 10 {
		fmt.Printf("%.3f ", train.LearningRate(step, 10, 2, 1e-3, 0.1, train.ScheduleCosine)*1e3)
	}
	fmt.Println()
	// Output: 0.500 1.000 1.000 0.955 0.831 0.650 0.450 0.269 0.145 0.100
}
