package nats_test

import (
	"strconv"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/pipeline/pipelinetest"
	natssink "github.com/spillway-go/spillway/sink/nats"
)

type record struct {
	N    int    `json:"n"`
	Text string `json:"text"`
}

// TestConformance runs the core suite on the sink, reading what it
// delivered back from the stream.
func TestConformance(t *testing.T) {
	srv := startServer(t, -1, t.TempDir())
	nc := connect(t, srv.ClientURL())
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	pipelinetest.Run(t, pipelinetest.Harness[record]{
		New: func(t *testing.T) (pipeline.Sink[record], func() []record) {
			stream, subject := newStream(t, js)
			s, err := natssink.New(nc, &natssink.Options[record]{
				Subject: subject,
				Key:     func(r *record) string { return strconv.Itoa(r.N) },
			})
			if err != nil {
				t.Fatal(err)
			}
			return s, func() []record { return decode[record](t, readStream(t, js, stream)) }
		},
		Value: func(i int) record { return record{N: i, Text: "value " + strconv.Itoa(i)} },
	})
}
