package reliability_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spillway-go/spillway/event"
	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/sink/jsonl"
	"github.com/spillway-go/spillway/strategy"
)

// crashFileEnv names the file the crash-writer helper writes to.
const crashFileEnv = "SPILLWAY_CRASH_FILE"

// runHelper runs the helper mode the test binary was started in, and
// returns the exit status.
func runHelper(mode string) int {
	switch mode {
	case "crash-writer":
		return crashWriter(os.Getenv(crashFileEnv))
	}
	fmt.Fprintf(os.Stderr, "unknown helper mode %q\n", mode)
	return 2
}

// crashWriter writes callEvent(0), callEvent(1), ... under strategy.Block
// into the JSON-lines file at path, in big batches, until it is killed.
// It sends in bursts with a pause between them, so that the file grows by
// at most a few hundred MB a second, and stops after crashWriterMax events
// in case nobody kills it.
func crashWriter(path string) int {
	s, err := jsonl.Open(path, &jsonl.Options[event.CallEvent]{Queue: pipeline.QueueOptions[event.CallEvent]{
		Strategy: strategy.Block, Capacity: 4096, MaxBatch: 2048,
	}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for i := range crashWriterMax {
		if err := s.Send(context.Background(), callEvent(i)); err != nil {
			fmt.Fprintf(os.Stderr, "Send(%d): %v\n", i, err)
			return 1
		}
		if i%crashWriterBurst == crashWriterBurst-1 {
			time.Sleep(time.Millisecond) // pacing, not synchronisation
		}
	}
	fmt.Fprintf(os.Stderr, "wrote %d events and nobody killed me\n", crashWriterMax)
	return 3
}

const (
	crashWriterBurst = 512
	crashWriterMax   = 2_000_000
)
