package kafka_test

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/pipeline/pipelinetest"
	"github.com/spillway-go/spillway/sink/kafka"
)

type record struct {
	N    int    `json:"n"`
	Text string `json:"text"`
}

// TestConformance runs the core suite on the sink, consuming what it
// delivered back from the topic.
func TestConformance(t *testing.T) {
	c := newCluster(t)
	client := newClient(t, c)
	pipelinetest.Run(t, pipelinetest.Harness[record]{
		New: func(t *testing.T) (pipeline.Sink[record], func() []record) {
			topic := newTopic(t, c)
			s, err := kafka.New(client, &kafka.Options[record]{
				Topic: topic,
				Key:   func(r *record) string { return strconv.Itoa(r.N) },
			})
			if err != nil {
				t.Fatal(err)
			}
			return s, func() []record {
				var rs []record
				for _, kr := range consume(t, c, topic) {
					var r record
					if err := json.Unmarshal(kr.Value, &r); err != nil {
						t.Fatalf("record at offset %d: %v", kr.Offset, err)
					}
					rs = append(rs, r)
				}
				return rs
			}
		},
		Value: func(i int) record { return record{N: i, Text: "value " + strconv.Itoa(i)} },
	})
}
