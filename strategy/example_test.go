package strategy_test

import (
	"flag"
	"fmt"
	"time"

	"github.com/spillway-go/spillway/strategy"
)

func ExampleParse() {
	for _, text := range []string{"drop", "block", "block:50ms", "fallback", "block:0s", "Block"} {
		s, err := strategy.Parse(text)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%v: kind %v, timeout %v\n", s, s.Kind(), s.Timeout())
	}
	// Output:
	// drop: kind drop, timeout 0s
	// block: kind block, timeout 0s
	// block:50ms: kind block_for, timeout 50ms
	// fallback: kind fallback, timeout 0s
	// strategy: parse "block:0s": duration 0s is not positive
	// strategy: parse "Block": want drop, block, block:DURATION or fallback
}

func ExampleBlockFor() {
	s := strategy.BlockFor(1500 * time.Millisecond)
	fmt.Println(s, s == strategy.BlockFor(1500*time.Millisecond))
	fmt.Println(strategy.BlockFor(0).Validate())
	// Output:
	// block:1.5s true
	// strategy: block duration 0s is not positive
}

// A Strategy is a flag.TextVar: it comes from the command line.
func Example_flag() {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	var overflow strategy.Strategy
	fs.TextVar(&overflow, "overflow", strategy.Drop, "what a full audit queue does: drop, block, block:DURATION or fallback")

	if err := fs.Parse([]string{"-overflow=block:20ms"}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(overflow, overflow.Kind() == strategy.KindBlockFor)
	// Output:
	// block:20ms true
}
