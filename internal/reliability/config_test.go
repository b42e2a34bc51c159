package reliability_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/sink/fallback"
	"github.com/spillway-go/spillway/sink/fanout"
	"github.com/spillway-go/spillway/sink/jsonl"
	"github.com/spillway-go/spillway/sink/memory"
	"github.com/spillway-go/spillway/strategy"
)

type closer interface{ Close(context.Context) error }

// Every invalid option of every constructor in the module is an error that
// names the option, never a panic, and leaves nothing behind: no
// goroutine (TestMain checks) and no file.
func TestInvalidOptions(t *testing.T) {
	dir := t.TempDir()
	path := func(name string) string { return filepath.Join(dir, name) }
	var mem memory.Sink[int]
	next := pipeline.Sink[int](&mem)
	q := func(o pipeline.QueueOptions[int]) *pipeline.QueueOptions[int] { return &o }

	tests := []struct {
		name string
		give func() (closer, error)
		want []string // substrings of the error: the constructor and the option
		file string   // a file the call must not create
	}{
		// pipeline
		{"NewQueue/nil next", func() (closer, error) { return pipeline.NewQueue[int](nil, nil) }, []string{"NewQueue", "next"}, ""},
		{"NewQueue/Capacity<0", func() (closer, error) { return pipeline.NewQueue(next, q(pipeline.QueueOptions[int]{Capacity: -1})) }, []string{"NewQueue", "Capacity"}, ""},
		{"NewQueue/MaxBatch<0", func() (closer, error) { return pipeline.NewQueue(next, q(pipeline.QueueOptions[int]{MaxBatch: -1})) }, []string{"NewQueue", "MaxBatch"}, ""},
		{"NewQueue/MaxDelay<0", func() (closer, error) {
			return pipeline.NewQueue(next, q(pipeline.QueueOptions[int]{MaxDelay: -time.Nanosecond}))
		}, []string{"NewQueue", "MaxDelay"}, ""},
		{"NewQueue/BlockFor(0)", func() (closer, error) {
			return pipeline.NewQueue(next, q(pipeline.QueueOptions[int]{Strategy: strategy.BlockFor(0)}))
		}, []string{"NewQueue", "Strategy"}, ""},
		{"NewQueue/BlockFor<0", func() (closer, error) {
			return pipeline.NewQueue(next, q(pipeline.QueueOptions[int]{Strategy: strategy.BlockFor(-time.Second)}))
		}, []string{"NewQueue", "Strategy"}, ""},
		{"NewQueue/Fallback strategy without a sink", func() (closer, error) {
			return pipeline.NewQueue(next, q(pipeline.QueueOptions[int]{Strategy: strategy.Fallback}))
		}, []string{"NewQueue", "Fallback"}, ""},
		{"NewFilter/nil next", func() (closer, error) { return pipeline.NewFilter[int]("", nil, func(int) bool { return true }) }, []string{"NewFilter", "next"}, ""},
		{"NewFilter/nil keep", func() (closer, error) {
			return pipeline.NewFilter(
				"", next, nil)
		}, []string{"NewFilter", "keep"}, ""},
		{"NewMap/nil next", func() (closer, error) { return pipeline.NewMap[int, int]("", nil, func(v int) int { return v }) }, []string{"NewMap", "next"}, ""},
		{"NewMap/nil func", func() (closer, error) { return pipeline.NewMap[int, int]("", next, nil) }, []string{"NewMap", "func"}, ""},
		{"New/nil root", func() (closer, error) { return pipeline.New[int](nil) }, []string{"New", "root"}, ""},

		// jsonl
		{"NewWriter/nil io.Writer", func() (closer, error) { return jsonl.NewWriter[int](nil, nil) }, []string{"NewWriter", "io.Writer"}, ""},
		{"NewWriter/SyncInterval(0)", func() (closer, error) {
			return jsonl.NewWriter[int](&bytes.Buffer{}, &jsonl.WriterOptions{Sync: jsonl.SyncInterval(0)})
		}, []string{"NewWriter", "Sync"}, ""},
		{"NewWriter/SyncInterval<0", func() (closer, error) {
			return jsonl.NewWriter[int](&bytes.Buffer{}, &jsonl.WriterOptions{Sync: jsonl.SyncInterval(-time.Second)})
		}, []string{"NewWriter", "Sync"}, ""},
		{"NewWriter/SyncEveryBatch without Sync method", func() (closer, error) {
			return jsonl.NewWriter[int](&bytes.Buffer{}, &jsonl.WriterOptions{Sync: jsonl.SyncEveryBatch})
		}, []string{"NewWriter", "Sync"}, ""},
		{"OpenWriter/SyncInterval(0)", func() (closer, error) {
			return jsonl.OpenWriter[int](path("ow-sync.jsonl"), &jsonl.WriterOptions{Sync: jsonl.SyncInterval(0)})
		}, []string{"OpenWriter", "Sync"}, "ow-sync.jsonl"},
		{"New/nil io.Writer", func() (closer, error) { return jsonl.New[int](nil, nil) }, []string{"io.Writer"}, ""},
		{"New/Queue.Capacity<0", func() (closer, error) {
			return jsonl.New(&bytes.Buffer{}, &jsonl.Options[int]{Queue: pipeline.QueueOptions[int]{Capacity: -1}})
		}, []string{"jsonl", "Capacity"}, ""},
		{"New/Queue.MaxDelay<0", func() (closer, error) {
			return jsonl.New(&bytes.Buffer{}, &jsonl.Options[int]{Queue: pipeline.QueueOptions[int]{MaxDelay: -1}})
		}, []string{"jsonl", "MaxDelay"}, ""},
		{"New/Fallback strategy without a sink", func() (closer, error) {
			return jsonl.New(&bytes.Buffer{}, &jsonl.Options[int]{Queue: pipeline.QueueOptions[int]{Strategy: strategy.Fallback}})
		}, []string{"jsonl", "Fallback"}, ""},
		{"New/SyncInterval<0", func() (closer, error) {
			return jsonl.New(&bytes.Buffer{}, &jsonl.Options[int]{Sync: jsonl.SyncInterval(-1)})
		}, []string{"jsonl", "Sync"}, ""},
		{"Open/Queue.Capacity<0", func() (closer, error) {
			return jsonl.Open(path("open-cap.jsonl"), &jsonl.Options[int]{Queue: pipeline.QueueOptions[int]{Capacity: -1}})
		}, []string{"Open", "Capacity"}, "open-cap.jsonl"},
		{"Open/BlockFor(0)", func() (closer, error) {
			return jsonl.Open(path("open-bf.jsonl"), &jsonl.Options[int]{Queue: pipeline.QueueOptions[int]{Strategy: strategy.BlockFor(0)}})
		}, []string{"Open", "Strategy"}, "open-bf.jsonl"},
		{"Open/Fallback strategy without a sink", func() (closer, error) {
			return jsonl.Open(path("open-fb.jsonl"), &jsonl.Options[int]{Queue: pipeline.QueueOptions[int]{Strategy: strategy.Fallback}})
		}, []string{"Open", "Fallback"}, "open-fb.jsonl"},
		{"Open/SyncInterval(0)", func() (closer, error) {
			return jsonl.Open(path("open-sync.jsonl"), &jsonl.Options[int]{Sync: jsonl.SyncInterval(0)})
		}, []string{"Open", "Sync"}, "open-sync.jsonl"},
		{"Open/missing directory", func() (closer, error) {
			return jsonl.Open[int](path("missing/audit.jsonl"), nil)
		}, []string{"missing/audit.jsonl"}, "missing/audit.jsonl"},
		{"Stdout/Queue.Capacity<0", func() (closer, error) {
			return jsonl.Stdout(&jsonl.Options[int]{Queue: pipeline.QueueOptions[int]{Capacity: -1}})
		}, []string{"jsonl", "Capacity"}, ""},
		{"Stderr/Queue.MaxBatch<0", func() (closer, error) {
			return jsonl.Stderr(&jsonl.Options[int]{Queue: pipeline.QueueOptions[int]{MaxBatch: -1}})
		}, []string{"jsonl", "MaxBatch"}, ""},

		// fallback
		{"fallback.New/no tiers", func() (closer, error) { return fallback.New[int](nil, nil) }, []string{"fallback", "tiers"}, ""},
		{"fallback.New/nil tier", func() (closer, error) {
			return fallback.New([]pipeline.Sink[int]{next, nil}, nil)
		}, []string{"fallback", "tier [1]"}, ""},

		// fanout
		{"fanout.New/nil child", func() (closer, error) {
			return fanout.New([]pipeline.Sink[int]{next, nil}, nil)
		}, []string{"fanout", "child [1]"}, ""},
		{"fanout.New/MinSuccess<0", func() (closer, error) {
			return fanout.New([]pipeline.Sink[int]{next}, &fanout.Options[int]{MinSuccess: -1})
		}, []string{"fanout", "MinSuccess"}, ""},
		{"fanout.New/MinSuccess too big", func() (closer, error) {
			return fanout.New([]pipeline.Sink[int]{next}, &fanout.Options[int]{MinSuccess: 2})
		}, []string{"fanout", "MinSuccess"}, ""},
		{"fanout.New/Optional too long", func() (closer, error) {
			return fanout.New([]pipeline.Sink[int]{next}, &fanout.Options[int]{Optional: []bool{false, true}})
		}, []string{"fanout", "Optional"}, ""},
		{"fanout.New/Isolate too long", func() (closer, error) {
			return fanout.New([]pipeline.Sink[int]{next}, &fanout.Options[int]{Isolate: make([]*pipeline.QueueOptions[int], 2)})
		}, []string{"fanout", "Isolate"}, ""},
		{"fanout.New/Isolate Capacity<0", func() (closer, error) {
			return fanout.New([]pipeline.Sink[int]{next, next}, &fanout.Options[int]{
				Isolate: []*pipeline.QueueOptions[int]{1: {Capacity: -1}},
			})
		}, []string{"fanout", "Isolate[1]", "Capacity"}, ""},
		{"fanout.New/Isolate Fallback strategy without a sink", func() (closer, error) {
			return fanout.New([]pipeline.Sink[int]{next}, &fanout.Options[int]{
				Isolate: []*pipeline.QueueOptions[int]{{Strategy: strategy.Fallback}},
			})
		}, []string{"fanout", "Isolate[0]", "Fallback"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, p, err := construct(tt.give)
			if p != nil {
				t.Fatalf("constructor panicked: %v; want an error naming the option", p)
			}
			if err == nil {
				s.Close(context.Background())
				t.Fatalf("constructor returned no error; want one naming %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "failed to") {
				t.Errorf("error %q says \"failed to\"", err)
			}
			if tt.file != "" {
				if _, err := os.Stat(path(tt.file)); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("after the error, %s: %v; want it not created", tt.file, err)
				}
			}
		})
	}
	if mem.Closed() {
		t.Error("a constructor that failed closed a sink it was given")
	}
}

// construct calls give, turning a panic into a value.
func construct(give func() (closer, error)) (s closer, p any, err error) {
	defer func() {
		if r := recover(); r != nil {
			p = fmt.Sprint(r)
		}
	}()
	s, err = give()
	return s, nil, err
}

// strategy.Parse, which reads a strategy from a flag, refuses what it
// cannot read with an error quoting the text, and never panics.
func TestStrategyParseRefusesBadText(t *testing.T) {
	for _, give := range []string{"", "Drop", " drop", "block:", "block:0", "block:-1s", "block:1x", "block:1s:2s", "fallback:1s", "\x00"} {
		t.Run(fmt.Sprintf("%q", give), func(t *testing.T) {
			s, err := strategy.Parse(give)
			if err == nil {
				t.Fatalf("Parse(%q) = %v, nil; want an error", give, s)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("%q", give)) {
				t.Errorf("Parse(%q) error %q does not quote the text", give, err)
			}
			var back strategy.Strategy
			if err := back.UnmarshalText([]byte(give)); err == nil {
				t.Errorf("UnmarshalText(%q) = nil; want an error", give)
			}
		})
	}
}
