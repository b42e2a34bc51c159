package nats_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/spillway-go/spillway/event"
)

// startServer starts an embedded NATS server with JetStream on a loopback
// port (port -1 picks a free one), storing into dir, and shuts it down when
// the test ends.
func startServer(t testing.TB, port int, dir string, configure ...func(*server.Options)) *server.Server {
	t.Helper()
	opts := &server.Options{
		Host:      "127.0.0.1",
		Port:      port,
		JetStream: true,
		StoreDir:  dir,
		NoLog:     true,
		NoSigs:    true,
	}
	for _, c := range configure {
		c(opts)
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		t.Fatalf("server.NewServer: %v", err)
	}
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		t.Fatal("NATS server not ready within 10s")
	}
	t.Cleanup(func() {
		srv.Shutdown()
		srv.WaitForShutdown()
	})
	return srv
}

// port returns the loopback port srv listens on.
func port(srv *server.Server) int {
	return srv.Addr().(*net.TCPAddr).Port
}

// connect connects to srv and closes the connection when the test ends.
// The connection reconnects forever, quickly, so a restarted server is
// found again.
func connect(t testing.TB, url string, opts ...nats.Option) *nats.Conn {
	t.Helper()
	opts = append([]nats.Option{
		nats.MaxReconnects(-1),
		nats.ReconnectWait(10 * time.Millisecond),
		nats.ReconnectJitter(0, 0),
	}, opts...)
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		t.Fatalf("nats.Connect(%s): %v", url, err)
	}
	t.Cleanup(nc.Close)
	return nc
}

var streamSeq atomic.Int64

// newStream creates a stream with a fresh name taking the subjects under a
// fresh prefix, and returns its name and a subject it takes.
func newStream(t testing.TB, js jetstream.JetStream, configure ...func(*jetstream.StreamConfig)) (name, subject string) {
	t.Helper()
	n := streamSeq.Add(1)
	cfg := jetstream.StreamConfig{
		Name:     fmt.Sprintf("S%d", n),
		Subjects: []string{fmt.Sprintf("s%d.>", n)},
		Storage:  jetstream.MemoryStorage,
	}
	for _, c := range configure {
		c(&cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := js.CreateStream(ctx, cfg); err != nil {
		t.Fatalf("CreateStream(%s): %v", cfg.Name, err)
	}
	return cfg.Name, strings.TrimSuffix(cfg.Subjects[0], ">") + "calls"
}

// readStream returns every message the stream holds, in order.
func readStream(t testing.TB, js jetstream.JetStream, name string) []*jetstream.RawStreamMsg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := js.Stream(ctx, name)
	if err != nil {
		t.Fatalf("Stream(%s): %v", name, err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatalf("Stream(%s).Info: %v", name, err)
	}
	var msgs []*jetstream.RawStreamMsg
	if info.State.Msgs == 0 {
		return nil
	}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
		m, err := st.GetMsg(ctx, seq)
		if err != nil {
			t.Fatalf("Stream(%s).GetMsg(%d): %v", name, seq, err)
		}
		msgs = append(msgs, m)
	}
	return msgs
}

// streamIDs returns the Nats-Msg-Id of every message the stream holds.
func streamIDs(t testing.TB, js jetstream.JetStream, name string) []string {
	t.Helper()
	var ids []string
	for _, m := range readStream(t, js, name) {
		ids = append(ids, m.Header.Get(jetstream.MsgIDHeader))
	}
	return ids
}

// decode returns the values the messages hold.
func decode[T any](t testing.TB, msgs []*jetstream.RawStreamMsg) []T {
	t.Helper()
	vs := make([]T, 0, len(msgs))
	for _, m := range msgs {
		var v T
		if err := json.Unmarshal(m.Data, &v); err != nil {
			t.Fatalf("message %d: %v", m.Sequence, err)
		}
		vs = append(vs, v)
	}
	return vs
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
