//go:build !race

package fanout_test

import (
	"context"
	"testing"

	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/sink/fanout"
)

func TestSendAllocs(t *testing.T) {
	s, err := fanout.New([]pipeline.Sink[[4]string]{pipeline.Discard[[4]string](), pipeline.Discard[[4]string]()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	ctx := context.Background()
	v := [4]string{"a", "b", "c", "d"}
	if n := testing.AllocsPerRun(1000, func() { _ = s.Send(ctx, v) }); n != 0 {
		t.Errorf("Send to two children allocates %v times; want 0", n)
	}
	full := pipeline.SinkFunc[[4]string](func(context.Context, [4]string) error { return pipeline.ErrQueueFull })
	opt, err := fanout.New([]pipeline.Sink[[4]string]{pipeline.Discard[[4]string](), full},
		&fanout.Options[[4]string]{Optional: []bool{1: true}})
	if err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(1000, func() { _ = opt.Send(ctx, v) }); n != 0 {
		t.Errorf("Send to a healthy child and a refusing optional one allocates %v times; want 0", n)
	}
	vs := [][4]string{v, v, v}
	if n := testing.AllocsPerRun(1000, func() { _, _ = s.SendBatch(ctx, vs) }); n != 0 {
		t.Errorf("SendBatch to two children allocates %v times; want 0", n)
	}
}
