package tokenizer_test

import (
	"fmt"
	"log"

	"github.com/mirage-rl/mirage/sampler/tokenizer"
)

func Example() {
	tok, err := tokenizer.Load("../../testdata/models/tiny-llama")
	if err != nil {
		log.Fatal(err)
	}
	ids, err := tok.Encode("Hello world</s>", true) // BOS added; "</s>" in the text is EOS
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ids)
	fmt.Printf("%q\n", tok.Decode(ids, false))
	fmt.Printf("%q\n", tok.Decode(ids, true))

	// Streaming: pieces come out as soon as they are whole characters.
	s := tok.NewStream()
	for _, id := range []int{15043, 29871, 243, 162, 156, 133} { // "Hello 🙂" with byte fallback
		fmt.Printf("%q ", s.Add(id))
	}
	fmt.Printf("%q\n", s.Flush())
	// Output:
	// [1 15043 3186 2]
	// "<s> Hello world</s>"
	// "Hello world"
	// "Hello" " " "" "" "" "🙂" ""
}
