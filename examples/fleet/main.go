// Command fleet plays several tool-dispatch servers that ship their audit
// trails to one NATS JetStream stream. Each server is a producer goroutine
// with a pipeline of its own: a queue, so that recording a call never waits
// on the network, into the NATS sink, with a local JSON-lines file as the
// queue's fallback for whatever the stream did not acknowledge. The command
// starts an embedded NATS server with JetStream (on a loopback port, with a
// temporary store), so it needs nothing installed:
//
//	go run ./examples/fleet            # from the repository root: 4 servers, 5000 events each
//	go run ./examples/fleet -outage    # stop the NATS server mid-run, then restart it
//
// At the end it prints what each server sent and where it went, how many
// events the stream holds, and checks that none is lost: every event is in
// the stream or in its server's fallback file (or both, since delivery is
// at least once).
//
// Flags:
//
//	-servers S   producer goroutines, one pipeline each (default 4)
//	-n N         events each server sends (default 5000)
//	-outage      stop the NATS server once the first half of every server's
//	             events are in, let the servers send the second half into
//	             the outage, and start the NATS server again once some have
//	             gone to the fallback files
//	-dir DIR     where the fallback files go (default a temporary directory,
//	             removed at the end)
//
// It is its own Go module, so that the NATS server stays out of the core
// module's dependencies; the repository's go.work lets it run from the
// root as above.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/spillway-go/spillway/event"
	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/sink/jsonl"
	natssink "github.com/spillway-go/spillway/sink/nats"
	"github.com/spillway-go/spillway/strategy"
)

const (
	streamName = "AUDIT"
	subject    = "audit.calls"
)

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "fleet:", err)
		os.Exit(2)
	}
	sum, err := run(context.Background(), cfg, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fleet:", err)
		os.Exit(1)
	}
	if sum.Lost > 0 {
		os.Exit(1)
	}
}

// config is what the flags say.
type config struct {
	servers int
	n       int
	outage  bool
	dir     string
}

func parseFlags(args []string) (config, error) {
	c := config{}
	fs := flag.NewFlagSet("fleet", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.IntVar(&c.servers, "servers", 4, "producer goroutines, one pipeline each")
	fs.IntVar(&c.n, "n", 5000, "events each server sends")
	fs.BoolVar(&c.outage, "outage", false, "stop the NATS server mid-run, then restart it")
	fs.StringVar(&c.dir, "dir", "", "where the fallback files go (default a temporary directory)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	switch {
	case fs.NArg() > 0:
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case c.servers < 1:
		return c, fmt.Errorf("-servers %d: want at least 1", c.servers)
	case c.n < 1:
		return c, fmt.Errorf("-n %d: want at least 1", c.n)
	}
	return c, nil
}

// summary is what a run found at the end.
type summary struct {
	Sent       int // events the servers sent
	InStream   int // events the stream holds
	InFallback int // lines in the fallback files
	Lost       int // events in neither
}

// run starts the NATS server, runs the fleet against it, and reports to w.
func run(ctx context.Context, cfg config, w io.Writer) (summary, error) {
	store, err := os.MkdirTemp("", "fleet-store-")
	if err != nil {
		return summary{}, err
	}
	defer os.RemoveAll(store)
	if cfg.dir == "" {
		if cfg.dir, err = os.MkdirTemp("", "fleet-fallback-"); err != nil {
			return summary{}, err
		}
		defer os.RemoveAll(cfg.dir)
	}

	srv, err := startNATS(-1, store)
	if err != nil {
		return summary{}, err
	}
	defer func() { stopNATS(srv) }() // srv changes on a restart
	fmt.Fprintf(w, "fleet: %d servers × %d events into NATS JetStream at %s\n", cfg.servers, cfg.n, srv.ClientURL())

	admin, err := nats.Connect(srv.ClientURL(), nats.MaxReconnects(-1), nats.ReconnectWait(20*time.Millisecond))
	if err != nil {
		return summary{}, err
	}
	defer admin.Close()
	js, err := jetstream.New(admin)
	if err != nil {
		return summary{}, err
	}
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{
		Name:     streamName,
		Subjects: []string{"audit.>"},
		Storage:  jetstream.FileStorage,
	}); err != nil {
		return summary{}, fmt.Errorf("create stream: %w", err)
	}

	fleet := make([]*member, cfg.servers)
	for i := range fleet {
		if fleet[i], err = newMember(i+1, srv.ClientURL(), cfg.dir); err != nil {
			return summary{}, err
		}
		defer fleet[i].conn.Close()
	}

	// In an outage, the servers hold their second halves until the NATS
	// server is down: otherwise the whole run may be acknowledged before
	// the outage begins (a queue's drain hands the sink everything queued
	// at once), and nothing would fall back.
	var hold chan struct{}
	if cfg.outage {
		hold = make(chan struct{})
	}
	var wg sync.WaitGroup
	for _, m := range fleet {
		wg.Go(func() { m.produce(ctx, cfg.n, hold) })
	}
	if cfg.outage {
		srv, err = outage(srv, store, fleet, cfg.servers*(cfg.n/2), hold, w)
		if err != nil {
			return summary{}, err
		}
	}
	wg.Wait()

	var sum summary
	closeCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for _, m := range fleet {
		if err := m.pipe.Close(closeCtx); err != nil {
			return sum, fmt.Errorf("%s: close: %w", m.name, err)
		}
		q, _ := m.pipe.Stats().Lookup("queue")
		fmt.Fprintf(w, "%s: sent %d, acknowledged %d, fell back %d, dropped %d, failed %d\n",
			m.name, q.Received, q.Delivered, q.FellBack, q.Dropped, q.Failed)
		sum.Sent += int(q.Received)
	}

	inStream, err := streamIDs(ctx, js, sum.Sent)
	if err != nil {
		return sum, err
	}
	sum.InStream = len(inStream)
	seen := inStream // and, below, the fallback files'
	for _, m := range fleet {
		n, err := readFallback(m.fallbackPath, seen)
		if err != nil {
			return sum, err
		}
		sum.InFallback += n
	}
	for _, m := range fleet {
		for i := range m.sent {
			if !seen[m.callID(i)] {
				sum.Lost++
			}
		}
	}
	fmt.Fprintf(w, "stream %s holds %d events; the fallback files hold %d; %d of %d events lost\n",
		streamName, sum.InStream, sum.InFallback, sum.Lost, sum.Sent)
	return sum, nil
}

// A member is one server of the fleet: its connection and its pipeline.
type member struct {
	name         string
	conn         *nats.Conn
	sink         *natssink.Sink[event.CallEvent]
	pipe         *pipeline.Pipeline[event.CallEvent]
	fallbackPath string
	sent         int
}

func newMember(id int, url, dir string) (*member, error) {
	m := &member{name: fmt.Sprintf("server-%d", id)}
	var err error
	// Each server has a connection of its own, as it would on its own
	// machine; it reconnects for ever while the NATS server is away.
	m.conn, err = nats.Connect(url, nats.Name(m.name), nats.MaxReconnects(-1), nats.ReconnectWait(20*time.Millisecond))
	if err != nil {
		return nil, err
	}
	m.sink, err = natssink.New(m.conn, &natssink.Options[event.CallEvent]{
		Subject: subject,
		Key:     natssink.CallID, // the stream stores each call once
		// Give up on an unacknowledged batch within about a second, so
		// that an outage reaches the fallback file quickly.
		MaxAttempts:    2,
		PerCallTimeout: 500 * time.Millisecond,
	})
	if err != nil {
		m.conn.Close()
		return nil, err
	}
	m.fallbackPath = filepath.Join(dir, m.name+"-fallback.jsonl")
	fallback, err := jsonl.OpenWriter[event.CallEvent](m.fallbackPath, nil)
	if err != nil {
		m.conn.Close()
		return nil, err
	}
	q, err := pipeline.NewQueue[event.CallEvent](m.sink, &pipeline.QueueOptions[event.CallEvent]{
		Capacity: 4096,
		Strategy: strategy.Block, // an audit trail loses nothing: slow the producer instead
		Fallback: fallback,
	})
	if err != nil {
		m.conn.Close()
		return nil, err
	}
	m.pipe, _ = pipeline.New[event.CallEvent](q)
	return m, nil
}

func (m *member) callID(i int) string { return fmt.Sprintf("%s-%07d", m.name, i) }

// produce sends n events, as a server recording n tool calls. If hold is
// not nil, it sends the first half, then waits for hold to be closed
// before it sends the rest.
func (m *member) produce(ctx context.Context, n int, hold <-chan struct{}) {
	for i := range n {
		if hold != nil && i == n/2 {
			select {
			case <-hold:
			case <-ctx.Done():
				return
			}
		}
		e := event.New(event.Now(), m.callID(i), "ref:echo.say", uint64(i%250), event.Success(), "warm").
			WithCallerID(m.name).
			WithGrantedCapabilities([]string{"read"})
		if err := m.pipe.Send(ctx, e); err != nil {
			return
		}
		m.sent = i + 1
	}
}

// outage waits until the first events of every server are in (each
// acknowledged, or in a fallback file), stops srv, and closes hold to let
// the servers send the rest into the outage. It starts a new server on the
// same port and store once some events went to a fallback file, and
// returns it. It closes hold even when it fails.
func outage(srv *server.Server, store string, fleet []*member, first int, hold chan<- struct{}, w io.Writer) (*server.Server, error) {
	port := srv.Addr().(*net.TCPAddr).Port
	if err := waitFor(func() bool { return sum(fleet, "queue", settled) >= first }); err != nil {
		close(hold)
		return srv, fmt.Errorf("waiting for the first half of the events: %w", err)
	}
	stopNATS(srv)
	fmt.Fprintf(w, "outage: NATS server stopped after %d events were acknowledged\n", sum(fleet, "nats", delivered))
	close(hold)
	if err := waitFor(func() bool { return sum(fleet, "queue", fellBack) > 0 }); err != nil {
		return srv, fmt.Errorf("waiting for the fallback: %w", err)
	}
	srv, err := startNATS(port, store)
	if err != nil {
		return srv, fmt.Errorf("restart: %w", err)
	}
	fmt.Fprintf(w, "outage: NATS server restarted after %d events went to the fallback files\n", sum(fleet, "queue", fellBack))
	return srv, nil
}

func delivered(s pipeline.Stats) uint64 { return s.Delivered }
func fellBack(s pipeline.Stats) uint64  { return s.FellBack }
func settled(s pipeline.Stats) uint64   { return s.Received - s.InFlight }

// sum adds up one counter of the stage named name over the fleet.
func sum(fleet []*member, name string, counter func(pipeline.Stats) uint64) int {
	var n uint64
	for _, m := range fleet {
		for _, st := range m.pipe.Stats() {
			if st.Name == name {
				n += counter(st.Stats)
			}
		}
	}
	return int(n)
}

// waitFor polls cond until it holds, for at most a minute.
func waitFor(cond func() bool) error {
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			return errors.New("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}

// startNATS starts a NATS server with JetStream on a loopback port (-1 for
// any free one) that stores into dir.
func startNATS(port int, dir string) (*server.Server, error) {
	srv, err := server.NewServer(&server.Options{
		Host:      "127.0.0.1",
		Port:      port,
		JetStream: true,
		StoreDir:  dir,
		NoLog:     true,
		NoSigs:    true,
	})
	if err != nil {
		return nil, fmt.Errorf("nats server: %w", err)
	}
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		stopNATS(srv)
		return nil, errors.New("nats server: not ready within 10s")
	}
	return srv, nil
}

func stopNATS(srv *server.Server) {
	if srv != nil {
		srv.Shutdown()
		srv.WaitForShutdown()
	}
}

// streamIDs reads the call ID of every event in the stream, expecting at
// most max of them.
func streamIDs(ctx context.Context, js jetstream.JetStream, max int) (map[string]bool, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	stream, err := js.Stream(ctx, streamName)
	if err != nil {
		return nil, fmt.Errorf("stream: %w", err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("stream info: %w", err)
	}
	want := int(info.State.Msgs)
	ids := make(map[string]bool, want)
	if want == 0 {
		return ids, nil
	}
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		return nil, fmt.Errorf("consumer: %w", err)
	}
	for read := 0; read < want; {
		batch, err := cons.Fetch(min(want-read, 1000), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			return nil, fmt.Errorf("fetch: %w", err)
		}
		for msg := range batch.Messages() {
			ids[msg.Headers().Get(jetstream.MsgIDHeader)] = true
			read++
		}
		if err := batch.Error(); err != nil {
			return nil, fmt.Errorf("fetch: %w", err)
		}
		if read > max {
			return nil, fmt.Errorf("stream holds more than the %d events sent", max)
		}
	}
	return ids, nil
}

// readFallback adds the call ID of every event in the fallback file at
// path to seen, and returns how many it holds.
func readFallback(path string, seen map[string]bool) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n := 0
	for e, err := range jsonl.Read[event.CallEvent](f, nil) {
		if err != nil {
			return n, fmt.Errorf("%s: %w", path, err)
		}
		seen[e.CallID()] = true
		n++
	}
	return n, nil
}
