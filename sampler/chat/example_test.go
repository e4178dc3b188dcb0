package chat_test

import (
	"fmt"
	"log"

	"github.com/mirage-rl/mirage/sampler/chat"
)

func Example() {
	tpl, err := chat.Load("../../testdata/models/tiny-llama") // Llama-2's template
	if err != nil {
		log.Fatal(err)
	}
	prompt, err := tpl.Render([]chat.Message{
		{Role: "system", Content: "Answer briefly."},
		{Role: "user", Content: "What is 2+2?"},
	}, chat.Options{AddGenerationPrompt: true})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%q from %s\n", prompt, tpl.Origin())
	// Output:
	// "<s>[INST] <<SYS>>\nAnswer briefly.\n<</SYS>>\n\nWhat is 2+2? [/INST]" from tokenizer_config.json chat_template
}
