package kafka_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spillway-go/spillway/event"
)

// newCluster starts a one-broker fake Kafka cluster on a loopback port and
// closes it when the test ends.
func newCluster(t testing.TB) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatalf("kfake.NewCluster: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// newClient returns a client of c, with the defaults a Sink needs (acks
// from all in-sync replicas, idempotent writes) and quick retries, and
// closes it when the test ends.
func newClient(t testing.TB, c *kfake.Cluster, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	opts = append([]kgo.Opt{
		kgo.SeedBrokers(c.ListenAddrs()...),
		kgo.RetryBackoffFn(func(int) time.Duration { return 10 * time.Millisecond }),
		kgo.MetadataMinAge(10 * time.Millisecond),
	}, opts...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		t.Fatalf("kgo.NewClient: %v", err)
	}
	t.Cleanup(cl.Close)
	return cl
}

var topicSeq atomic.Int64

// newTopic creates a topic with one partition, so records keep their order.
func newTopic(t testing.TB, c *kfake.Cluster) string {
	t.Helper()
	topic := fmt.Sprintf("audit-%d", topicSeq.Add(1))
	if err := c.CreateTopic(topic, 1, nil); err != nil {
		t.Fatalf("CreateTopic(%s): %v", topic, err)
	}
	return topic
}

// consume returns every record of the topic's one partition, in order.
func consume(t testing.TB, c *kfake.Cluster, topic string) []*kgo.Record {
	t.Helper()
	info := c.PartitionInfo(topic, 0)
	if info == nil {
		t.Fatalf("topic %s has no partition 0", topic)
	}
	want := int(info.HighWatermark)
	if want == 0 {
		return nil
	}
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(c.ListenAddrs()...),
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
	)
	if err != nil {
		t.Fatalf("kgo.NewClient: %v", err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var recs []*kgo.Record
	for len(recs) < want {
		fetches := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("consumed %d of %d records from %s: %v", len(recs), want, topic, err)
		}
		fetches.EachError(func(topic string, p int32, err error) {
			t.Fatalf("fetch %s/%d: %v", topic, p, err)
		})
		fetches.EachRecord(func(r *kgo.Record) { recs = append(recs, r) })
	}
	return recs
}

// produceError answers every partition of a produce request with code.
func produceError(kreq kmsg.Request, code int16) kmsg.Response {
	req := kreq.(*kmsg.ProduceRequest)
	resp := req.ResponseKind().(*kmsg.ProduceResponse)
	for _, rt := range req.Topics {
		st := kmsg.NewProduceResponseTopic()
		st.Topic, st.TopicID = rt.Topic, rt.TopicID
		for _, rp := range rt.Partitions {
			sp := kmsg.NewProduceResponseTopicPartition()
			sp.Partition = rp.Partition
			sp.ErrorCode = code
			st.Partitions = append(st.Partitions, sp)
		}
		resp.Topics = append(resp.Topics, st)
	}
	return resp
}

// holdProduce holds the first produce request the cluster receives until
// release is closed (or the cluster closes), then lets the cluster handle
// it; held is closed once it is held. Later requests pass.
func holdProduce(c *kfake.Cluster) (held <-chan struct{}, release func()) {
	heldCh, releaseCh := make(chan struct{}), make(chan struct{})
	var once atomic.Bool
	c.ControlKey(kmsg.Produce.Int16(), func(kmsg.Request) (kmsg.Response, error, bool) {
		if once.CompareAndSwap(false, true) {
			close(heldCh)
			c.SleepControl(func() { <-releaseCh })
		}
		return nil, nil, false
	})
	var released atomic.Bool
	return heldCh, func() {
		if released.CompareAndSwap(false, true) {
			close(releaseCh)
		}
	}
}

// callEvent returns the i-th test event: its call ID tells it apart.
func callEvent(i int) event.CallEvent {
	return event.New("2026-05-29T00:00:00+00:00", callID(i), "ref:echo.say", uint64(i%100), event.Success(), "warm").
		WithCallerID("test-client").
		WithGrantedCapabilities([]string{"read", "write"})
}

func callID(i int) string { return fmt.Sprintf("01J%023d", i) }

// waitUntil polls cond until it holds, failing the test after a generous
// deadline.
func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
