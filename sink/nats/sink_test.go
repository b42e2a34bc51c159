package nats_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/spillway-go/spillway/event"
	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/sink/memory"
	natssink "github.com/spillway-go/spillway/sink/nats"
	"github.com/spillway-go/spillway/strategy"
)

func TestNewRejectsBadOptions(t *testing.T) {
	srv := startServer(t, -1, t.TempDir())
	nc := connect(t, srv.ClientURL())

	tests := []struct {
		name string
		nc   *nats.Conn
		give *natssink.Options[int]
		want string
	}{
		{"nil conn", nil, &natssink.Options[int]{Subject: "a"}, "connection is nil"},
		{"nil options", nc, nil, "Subject is required"},
		{"no subject", nc, &natssink.Options[int]{}, "Subject is empty"},
		{"negative MaxAttempts", nc, &natssink.Options[int]{Subject: "a", MaxAttempts: -1}, "MaxAttempts -1"},
		{"negative Backoff", nc, &natssink.Options[int]{Subject: "a", Backoff: -time.Second}, "Backoff -1s"},
		{"negative PerCallTimeout", nc, &natssink.Options[int]{Subject: "a", PerCallTimeout: -time.Second}, "PerCallTimeout -1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := natssink.New(tt.nc, tt.give)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New(%+v) = %v, %v; want an error containing %q", tt.give, s, err, tt.want)
			}
		})
	}
}

// TestDeliversInOrder sends events through a queue into the sink and reads
// them back from the stream: every one, in order, byte for byte the
// encoding of the event, with its call ID as the message ID.
func TestDeliversInOrder(t *testing.T) {
	srv := startServer(t, -1, t.TempDir())
	nc := connect(t, srv.ClientURL())
	js, _ := jetstream.New(nc)
	stream, subject := newStream(t, js)

	sink, err := natssink.New(nc, &natssink.Options[event.CallEvent]{Subject: subject, Key: natssink.CallID})
	if err != nil {
		t.Fatal(err)
	}
	q, err := pipeline.NewQueue[event.CallEvent](sink, &pipeline.QueueOptions[event.CallEvent]{Capacity: 2048, Strategy: strategy.Block})
	if err != nil {
		t.Fatal(err)
	}
	const n = 1500
	var want []event.CallEvent
	for i := range n {
		e := callEvent(i)
		want = append(want, e)
		if err := q.Send(t.Context(), e); err != nil {
			t.Fatalf("Send(event %d) = %v; want nil", i, err)
		}
	}
	if err := q.Close(t.Context()); err != nil {
		t.Fatalf("Close = %v; want nil", err)
	}

	msgs := readStream(t, js, stream)
	if len(msgs) != n {
		t.Fatalf("stream holds %d messages; want %d", len(msgs), n)
	}
	for i, m := range msgs {
		e := &want[i]
		if got, want := string(m.Data), string(e.AppendJSON(nil)); got != want {
			t.Fatalf("message %d = %s; want %s", i, got, want)
		}
		if got, want := m.Header.Get(jetstream.MsgIDHeader), e.CallID(); got != want {
			t.Fatalf("message %d has Nats-Msg-Id %q; want %q", i, got, want)
		}
	}
	st := sink.Stats()
	if diff := cmp.Diff(pipeline.Stats{Name: "nats", Received: n, Delivered: n}, st); diff != "" {
		t.Errorf("Stats mismatch (-want +got):\n%s", diff)
	}
}

// TestDuplicateStoredOnce publishes the same call ID several times, alone
// and within a batch: the stream stores it once, and each publish counts
// as delivered since the server acknowledged it as a duplicate.
func TestDuplicateStoredOnce(t *testing.T) {
	srv := startServer(t, -1, t.TempDir())
	nc := connect(t, srv.ClientURL())
	js, _ := jetstream.New(nc)
	stream, subject := newStream(t, js)
	sink, err := natssink.New(nc, &natssink.Options[event.CallEvent]{Subject: subject, Key: natssink.CallID})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close(t.Context())

	e := callEvent(7)
	if err := sink.Send(t.Context(), e); err != nil {
		t.Fatalf("Send(e) = %v; want nil", err)
	}
	if err := sink.Send(t.Context(), e.WithDurationMS(99)); err != nil {
		t.Fatalf("Send(e again) = %v; want nil", err)
	}
	if n, err := sink.SendBatch(t.Context(), []event.CallEvent{e, callEvent(8), e}); n != 3 || err != nil {
		t.Fatalf("SendBatch(e, other, e) = %d, %v; want 3, nil", n, err)
	}

	if got, want := streamIDs(t, js, stream), []string{callID(7), callID(8)}; !slices.Equal(got, want) {
		t.Errorf("stream holds IDs %v; want %v", got, want)
	}
	if st := sink.Stats(); st.Delivered != 5 {
		t.Errorf("Stats().Delivered = %d; want 5", st.Delivered)
	}
}

// TestWithoutKeyNoDedup shows what Options.Key buys: without it the same
// value published twice is stored twice.
func TestWithoutKeyNoDedup(t *testing.T) {
	srv := startServer(t, -1, t.TempDir())
	nc := connect(t, srv.ClientURL())
	js, _ := jetstream.New(nc)
	stream, subject := newStream(t, js)
	sink, err := natssink.New(nc, &natssink.Options[string]{Subject: subject})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close(t.Context())
	if n, err := sink.SendBatch(t.Context(), []string{"a", "a"}); n != 2 || err != nil {
		t.Fatalf("SendBatch(a, a) = %d, %v; want 2, nil", n, err)
	}
	got := decode[string](t, readStream(t, js, stream))
	if diff := cmp.Diff([]string{"a", "a"}, got); diff != "" {
		t.Errorf("stream mismatch (-want +got):\n%s", diff)
	}
}

// TestPermanentErrors checks that what retrying cannot fix fails at once,
// with its own error. The sink would wait an hour before a second attempt,
// so a sink that retried would end with the test's context instead.
func TestPermanentErrors(t *testing.T) {
	srv := startServer(t, -1, t.TempDir(), func(o *server.Options) {
		o.MaxPayload = 4096
		o.Users = []*server.User{{
			Username:    "svc",
			Password:    "pw",
			Permissions: &server.Permissions{Publish: &server.SubjectPermission{Deny: []string{"denied.>"}}},
		}}
	})
	// The client reports the permissions violation to its error handler
	// too; keep it out of the test's output.
	quiet := nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {})
	nc := connect(t, srv.ClientURL(), nats.UserInfo("svc", "pw"), quiet)
	js, _ := jetstream.New(nc)

	_, fullSubject := newStream(t, js, func(c *jetstream.StreamConfig) {
		c.MaxMsgs, c.Discard = 3, jetstream.DiscardNew
	})
	_, smallSubject := newStream(t, js, func(c *jetstream.StreamConfig) { c.MaxMsgSize = 64 })
	_, _ = newStream(t, js, func(c *jetstream.StreamConfig) { c.Name, c.Subjects = "DENIED", []string{"denied.>"} })
	big := strings.Repeat("x", 5000)

	all := []error{natssink.ErrNoStream, natssink.ErrStreamFull, natssink.ErrTooLarge, natssink.ErrDenied,
		natssink.ErrRejected, natssink.ErrUnacknowledged}
	tests := []struct {
		name    string
		subject string
		give    []string
		wantN   int
		want    error
	}{
		{"no stream", "nowhere.calls", []string{"a", "b"}, 0, natssink.ErrNoStream},
		{"stream full", fullSubject, []string{"a", "b", "c", "d", "e"}, 3, natssink.ErrStreamFull},
		{"larger than the stream's MaxMsgSize", smallSubject, []string{"a", big[:100], "c"}, 1, natssink.ErrTooLarge},
		{"larger than max_payload", smallSubject, []string{big}, 0, natssink.ErrTooLarge},
		{"publish denied", "denied.calls", []string{"a"}, 0, natssink.ErrDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink, err := natssink.New(nc, &natssink.Options[string]{
				Subject:        tt.subject,
				Key:            func(s *string) string { return *s },
				MaxAttempts:    10,
				Backoff:        time.Hour,
				PerCallTimeout: 2 * time.Second,
			})
			if err != nil {
				t.Fatal(err)
			}
			defer sink.Close(t.Context())
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()

			n, err := sink.SendBatch(ctx, tt.give)
			if n != tt.wantN || !errors.Is(err, tt.want) {
				t.Fatalf("SendBatch(%d values) = %d, %v; want %d, %v (last %v)", len(tt.give), n, err, tt.wantN, tt.want, nc.LastError())
			}
			for _, other := range all {
				if other != tt.want && errors.Is(err, other) {
					t.Errorf("SendBatch error %v is also %v; want only %v", err, other, tt.want)
				}
			}
			st := sink.Stats()
			if st.Delivered != uint64(tt.wantN) || st.Failed != uint64(len(tt.give)-tt.wantN) {
				t.Errorf("Stats() = %+v; want %d delivered, %d failed", st, tt.wantN, len(tt.give)-tt.wantN)
			}
		})
	}
}

// TestEncodeError fails a value that does not encode, and delivers those
// before it.
func TestEncodeError(t *testing.T) {
	srv := startServer(t, -1, t.TempDir())
	nc := connect(t, srv.ClientURL())
	js, _ := jetstream.New(nc)
	stream, subject := newStream(t, js)
	sink, err := natssink.New(nc, &natssink.Options[any]{Subject: subject})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close(t.Context())

	n, err := sink.SendBatch(t.Context(), []any{1, make(chan int), 3})
	if n != 1 || !errors.Is(err, natssink.ErrRejected) {
		t.Fatalf("SendBatch(1, chan, 3) = %d, %v; want 1, %v", n, err, natssink.ErrRejected)
	}
	if got := len(readStream(t, js, stream)); got != 1 {
		t.Errorf("stream holds %d messages; want 1", got)
	}
}

// TestUnacknowledged stops the server: no acknowledgement comes, and after
// MaxAttempts the values fail as unacknowledged.
func TestUnacknowledged(t *testing.T) {
	srv := startServer(t, -1, t.TempDir())
	nc := connect(t, srv.ClientURL())
	js, _ := jetstream.New(nc)
	_, subject := newStream(t, js)
	sink, err := natssink.New(nc, &natssink.Options[int]{
		Subject: subject, MaxAttempts: 2, Backoff: time.Millisecond, PerCallTimeout: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close(t.Context())
	srv.Shutdown()
	srv.WaitForShutdown()

	n, err := sink.SendBatch(t.Context(), []int{1, 2, 3})
	if n != 0 || !errors.Is(err, natssink.ErrUnacknowledged) || !strings.Contains(err.Error(), "after 2 attempts") {
		t.Fatalf("SendBatch to a stopped server = %d, %v; want 0, %v after 2 attempts", n, err, natssink.ErrUnacknowledged)
	}
	if st := sink.Stats(); st.Failed != 3 {
		t.Errorf("Stats().Failed = %d; want 3", st.Failed)
	}
}

// TestCloseBoundedByContext holds a call on a server that does not answer,
// with a per-call timeout of an hour: Close returns by its deadline and
// cancels the call.
func TestCloseBoundedByContext(t *testing.T) {
	srv := startServer(t, -1, t.TempDir())
	nc := connect(t, srv.ClientURL())
	js, _ := jetstream.New(nc)
	_, subject := newStream(t, js)
	sink, err := natssink.New(nc, &natssink.Options[int]{Subject: subject, PerCallTimeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	srv.Shutdown()
	srv.WaitForShutdown()

	var (
		n       int
		sendErr error
		wg      sync.WaitGroup
	)
	wg.Go(func() { n, sendErr = sink.SendBatch(context.Background(), []int{1, 2}) })
	waitUntil(t, "the call is in flight", func() bool { return sink.Stats().InFlight == 2 })

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if err := sink.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Close with a call held = %v; want an error wrapping %v", err, context.DeadlineExceeded)
	}
	wg.Wait()
	if n != 0 || !errors.Is(sendErr, natssink.ErrUnacknowledged) || !errors.Is(sendErr, context.Canceled) {
		t.Errorf("SendBatch canceled by Close = %d, %v; want 0, %v wrapping %v", n, sendErr, natssink.ErrUnacknowledged, context.Canceled)
	}
	if err := sink.Send(t.Context(), 3); !errors.Is(err, pipeline.ErrClosed) {
		t.Errorf("Send after Close = %v; want %v", err, pipeline.ErrClosed)
	}
	if err := sink.Close(t.Context()); err != nil {
		t.Errorf("second Close, nothing in flight = %v; want nil", err)
	}
	st := sink.Stats()
	if diff := cmp.Diff(pipeline.Stats{Name: "nats", Received: 3, Failed: 2, Dropped: 1}, st); diff != "" {
		t.Errorf("Stats mismatch (-want +got):\n%s", diff)
	}
}

// TestServerRestart stops the server in the middle of a burst and starts it
// again on the same port and store. With a fallback behind the queue,
// nothing is lost: the stream and the fallback together hold every event
// sent. Without one, the events that failed are counted exactly, and the
// stream holds every other.
func TestServerRestart(t *testing.T) {
	for _, withFallback := range []bool{true, false} {
		name := "without fallback"
		if withFallback {
			name = "with fallback"
		}
		t.Run(name, func(t *testing.T) { testServerRestart(t, withFallback) })
	}
}

func testServerRestart(t *testing.T, withFallback bool) {
	dir := t.TempDir()
	srv := startServer(t, -1, dir)
	p := port(srv)
	nc := connect(t, srv.ClientURL())
	js, _ := jetstream.New(nc)
	stream, subject := newStream(t, js, func(c *jetstream.StreamConfig) { c.Storage = jetstream.FileStorage })

	sink, err := natssink.New(nc, &natssink.Options[event.CallEvent]{
		Subject:        subject,
		Key:            natssink.CallID,
		MaxAttempts:    2,
		Backoff:        10 * time.Millisecond,
		PerCallTimeout: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	const n = 3000
	var (
		fallback memory.Sink[event.CallEvent]
		mu       sync.Mutex
		failed   []string // call IDs reported to OnError
	)
	opts := &pipeline.QueueOptions[event.CallEvent]{
		Capacity: n,
		MaxBatch: 100,
		Strategy: strategy.Block,
		OnError: func(e event.CallEvent, err error) {
			mu.Lock()
			defer mu.Unlock()
			failed = append(failed, e.CallID())
		},
	}
	if withFallback {
		opts.Fallback = &fallback
	}
	q, err := pipeline.NewQueue[event.CallEvent](sink, opts)
	if err != nil {
		t.Fatal(err)
	}

	// The producer holds the second half of the burst until the server is
	// down, so that some deliveries must fail however fast the first half
	// goes through.
	hold := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range n {
			if i == n/2 {
				<-hold
			}
			if err := q.Send(context.Background(), callEvent(i)); err != nil {
				t.Errorf("Send(event %d) = %v; want nil", i, err)
				return
			}
		}
	})
	waitUntil(t, "a third of the events is acknowledged", func() bool { return sink.Stats().Delivered >= n/3 })
	srv.Shutdown()
	srv.WaitForShutdown()
	close(hold)
	waitUntil(t, "deliveries fail while the server is down", func() bool {
		st := q.Stats()
		return st.Failed+st.FellBack > 0
	})
	startServer(t, p, dir)
	wg.Wait()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := q.Close(ctx); err != nil {
		t.Fatalf("Close = %v; want nil", err)
	}

	qs, ss := q.Stats(), sink.Stats()
	t.Logf("queue %+v", qs)
	t.Logf("sink %+v", ss)
	inStream := make(map[string]bool)
	for _, id := range streamIDs(t, js, stream) {
		if inStream[id] {
			t.Errorf("stream holds %s twice", id)
		}
		inStream[id] = true
	}
	failedSet := make(map[string]bool)
	for _, id := range failed {
		failedSet[id] = true
	}
	if qs.Received != n || !qs.Balanced() || qs.InFlight != 0 || qs.Dropped != 0 {
		t.Errorf("queue Stats = %+v; want %d received, balanced, none dropped or in flight", qs, n)
	}
	if uint64(len(failed)) != qs.Failed+qs.FellBack || ss.Failed != uint64(len(failed)) || ss.Delivered != qs.Delivered {
		t.Errorf("%d values reported to OnError, sink counted %d failed; queue counted %d failed + %d fell back; want all equal",
			len(failed), ss.Failed, qs.Failed, qs.FellBack)
	}
	if withFallback {
		if qs.Failed != 0 || qs.FellBack == 0 {
			t.Errorf("queue Stats = %+v; want some fell back, none failed", qs)
		}
		for _, e := range fallback.All() {
			inStream[e.CallID()] = true
		}
		for i := range n {
			if !inStream[callID(i)] {
				t.Errorf("event %d is neither in the stream nor in the fallback", i)
			}
		}
		return
	}
	if qs.Failed == 0 || qs.FellBack != 0 {
		t.Errorf("queue Stats = %+v; want some failed, none fell back", qs)
	}
	for i := range n {
		if !inStream[callID(i)] && !failedSet[callID(i)] {
			t.Errorf("event %d is not in the stream and was not reported failed", i)
		}
	}
}
