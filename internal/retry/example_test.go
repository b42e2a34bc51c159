package retry_test

import (
	"fmt"
	"time"

	"github.com/spillway-go/spillway/internal/retry"
)

func ExamplePolicy_Resolve() {
	defaults := retry.Policy{MaxAttempts: 3, Backoff: 100 * time.Millisecond, PerCallTimeout: 5 * time.Second}

	p, err := retry.Policy{MaxAttempts: 5}.Resolve("sink: New", defaults)
	fmt.Printf("%+v %v\n", p, err)

	_, err = retry.Policy{Backoff: -time.Second}.Resolve("sink: New", defaults)
	fmt.Println(err)

	// Output:
	// {MaxAttempts:5 Backoff:100ms PerCallTimeout:5s} <nil>
	// sink: New: Backoff -1s is negative
}
