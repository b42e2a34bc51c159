package bench_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/spillway-go/spillway/event"
	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/sink/jsonl"
	"github.com/spillway-go/spillway/strategy"
)

// BenchmarkSustained measures the end-to-end rate into a real file: b.N
// events from the producers, under Block so that none is lost, the clock
// stopped once Close has returned. ns/op is the cost of one event end to
// end; MB/s and events/s the sustained rate.
func BenchmarkSustained(b *testing.B) {
	for _, fx := range fixtures() {
		b.Run("event="+fx.name, func(b *testing.B) {
			line := len(fx.ev.AppendJSON(nil)) + 1
			for _, c := range []struct {
				sink  string
				syncs []string
			}{
				{"spillway", []string{"never", "batch"}},
				{"naive", []string{"never"}},
			} {
				b.Run("sink="+c.sink, func(b *testing.B) {
					for _, syncName := range c.syncs {
						b.Run("sync="+syncName, func(b *testing.B) {
							for _, producers := range []int{1, 8} {
								b.Run(fmt.Sprintf("producers=%d", producers), func(b *testing.B) {
									path := filepath.Join(b.TempDir(), "audit.jsonl")
									if c.sink == "naive" {
										f, err := os.Create(path)
										if err != nil {
											b.Fatal(err)
										}
										defer f.Close()
										sustain(b, newNaiveSink(f, true), fx.seed, producers, path, line)
										return
									}
									policy := jsonl.SyncNever
									if syncName == "batch" {
										policy = jsonl.SyncEveryBatch
									}
									s, err := jsonl.Open(path, &jsonl.Options[event.CallEvent]{
										Queue: pipeline.QueueOptions[event.CallEvent]{Strategy: strategy.Block},
										Sync:  policy,
									})
									if err != nil {
										b.Fatal(err)
									}
									sustain(b, s, fx.ev, producers, path, line)
								})
							}
						})
					}
				})
			}
		})
	}
}

// sustain sends b.N copies of v to s from producers goroutines, closes s,
// and checks that the file at path holds b.N lines of line bytes each.
func sustain[T any](b *testing.B, s pipeline.Sink[T], v T, producers int, path string, line int) {
	ctx := context.Background()
	start := make(chan struct{})
	var wg sync.WaitGroup
	for p := range producers {
		n := b.N / producers
		if p < b.N%producers {
			n++
		}
		wg.Go(func() {
			<-start
			for range n {
				if err := s.Send(ctx, v); err != nil {
					b.Errorf("Send() = %v; want nil", err)
					return
				}
			}
		})
	}
	runtime.GC()
	b.SetBytes(int64(line))
	b.ReportAllocs()
	b.ResetTimer()
	close(start)
	wg.Wait()
	if err := s.Close(ctx); err != nil {
		b.Fatalf("Close() = %v; want nil", err)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	if want := int64(b.N) * int64(line); fi.Size() != want {
		b.Fatalf("file holds %d bytes; want %d (%d lines of %d)", fi.Size(), want, b.N, line)
	}
}
