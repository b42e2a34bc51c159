package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/spillway-go/spillway/internal/faults"
	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/strategy"
)

// TestQueueModel checks the queue against a model of it, on random
// interleavings of Sends, drain progress (a gated downstream released one
// call at a time), the passing of time, canceled senders and a final Close,
// with a random capacity, batch size, strategy, downstream (plain or
// batching, failing or panicking on some values) and fallback.
//
// Random choices are all drawn before the run, which happens in a
// testing/synctest bubble: with fake time, and synctest.Wait after every
// step, the queue is deterministic, so after every step the model knows
// exactly what the queue holds and checks, exactly:
//
//   - FIFO order: the downstream and the fallback got exactly the values
//     the model predicts, in order;
//   - the accounting identity, and every counter, after every step;
//   - that Drop drops exactly when the queue is full, and Fallback falls
//     back exactly then;
//   - that Block never drops while the sender's ctx lives, and BlockFor
//     only once its wait is over (or at once while its circuit is open);
//   - that the drain never misses a wake-up (a queue a quarter full, or a
//     value older than MaxDelay, is always picked up);
//   - that Close drains everything, or, with a stuck downstream, returns by
//     its deadline with the exact abandoned and in-delivery counts, and
//     accounts for the delivery once it returns.
//
// The model relies on the queue's documented shape: one drain that takes
// everything queued at once, delivers it in chunks of MaxBatch, and counts
// a chunk's outcomes when the chunk is done. A BatchSender that takes only
// part of a chunk has the first value it did not take blamed (a panic
// blames the first value offered), and is offered the rest of the chunk
// in another call, which waits on the gate again; once a Close has given
// up, a short call fails the rest of its values at once instead.
func TestQueueModel(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		cfg := drawModelConfig(rt)
		ops := rapid.SliceOfN(drawModelOp(), 0, 60).Draw(rt, "ops")
		var problems []string
		synctest.Test(t, func(t *testing.T) {
			problems = runQueueModel(cfg, ops)
		})
		if len(problems) > 0 {
			rt.Fatalf("%+v:\n%s", cfg, strings.Join(problems, "\n"))
		}
	})
}

type modelConfig struct {
	Capacity int
	MaxBatch int
	Strategy strategy.Strategy
	// Batch makes the downstream a pipeline.BatchSender.
	Batch bool
	// FailMod, if not 0, makes the downstream refuse v when
	// v%FailMod == FailMod-1; PanicMod makes it panic when
	// v%PanicMod == PanicMod-2.
	FailMod, PanicMod int
	// ValueErrs makes the downstream's refusals pipeline.ValueErrors: the
	// value's own fault, so the drain offers the values after it again.
	ValueErrs bool
	// Fallback configures a fallback sink (always, under
	// strategy.Fallback), which refuses v when FallbackFailMod is not 0
	// and v%FallbackFailMod == 1.
	Fallback        bool
	FallbackFailMod int
	// HungClose closes with a 1s deadline while the downstream call in
	// flight is stuck (it ignores ctx, as a write stuck in the kernel
	// does), and lets it go only after Close has given up; otherwise
	// Close runs and the downstream is let go.
	HungClose bool
}

func (c *modelConfig) fails(v int) bool  { return c.FailMod > 0 && v%c.FailMod == c.FailMod-1 }
func (c *modelConfig) panics(v int) bool { return c.PanicMod > 0 && v%c.PanicMod == c.PanicMod-2 }
func (c *modelConfig) fallbackRefuses(v int) bool {
	return c.FallbackFailMod > 0 && v%c.FallbackFailMod == 1
}

func drawModelConfig(t *rapid.T) modelConfig {
	c := modelConfig{
		Capacity: rapid.IntRange(1, 8).Draw(t, "capacity"),
		MaxBatch: rapid.IntRange(1, 4).Draw(t, "maxBatch"),
		Batch:    rapid.Bool().Draw(t, "batch"),
		FailMod:  rapid.SampledFrom([]int{0, 0, 3, 5}).Draw(t, "failMod"),
		PanicMod: rapid.SampledFrom([]int{0, 0, 0, 4, 7}).Draw(t, "panicMod"),
	}
	c.ValueErrs = c.FailMod > 0 && rapid.Bool().Draw(t, "valueErrs")
	switch rapid.IntRange(0, 3).Draw(t, "strategy") {
	case 0:
		c.Strategy = strategy.Drop
	case 1:
		c.Strategy = strategy.Block
	case 2:
		c.Strategy = strategy.BlockFor(rapid.SampledFrom([]time.Duration{
			time.Millisecond, 3 * time.Millisecond, 10 * time.Millisecond,
		}).Draw(t, "blockFor"))
	case 3:
		c.Strategy = strategy.Fallback
	}
	c.Fallback = c.Strategy == strategy.Fallback || rapid.Bool().Draw(t, "fallback")
	if c.Fallback {
		c.FallbackFailMod = rapid.SampledFrom([]int{0, 0, 3}).Draw(t, "fallbackFailMod")
	}
	c.HungClose = rapid.Bool().Draw(t, "hungClose")
	return c
}

type modelOpKind int

const (
	opSend modelOpKind = iota
	opProgress
	opTick
	opCancel
)

type modelOp struct {
	Kind modelOpKind
	Tick time.Duration
}

func (o modelOp) String() string {
	switch o.Kind {
	case opSend:
		return "send"
	case opProgress:
		return "progress"
	case opTick:
		return "tick " + o.Tick.String()
	}
	return "cancel"
}

func drawModelOp() *rapid.Generator[modelOp] {
	return rapid.Custom(func(t *rapid.T) modelOp {
		switch k := rapid.IntRange(0, 19).Draw(t, "op"); {
		case k < 10:
			return modelOp{Kind: opSend}
		case k < 15:
			return modelOp{Kind: opProgress}
		case k < 18:
			return modelOp{Kind: opTick, Tick: rapid.SampledFrom([]time.Duration{
				500 * time.Microsecond, time.Millisecond, 2 * time.Millisecond,
				5 * time.Millisecond, 20 * time.Millisecond, 150 * time.Millisecond,
			}).Draw(t, "tick")}
		default:
			return modelOp{Kind: opCancel}
		}
	})
}

// A blockedSend is a Send waiting for room.
type blockedSend struct {
	v      int
	res    chan error
	cancel context.CancelFunc
	since  time.Time
}

// queueModel runs a Queue and the model of it side by side.
type queueModel struct {
	cfg     modelConfig
	q       *pipeline.Queue[int]
	down    *faults.Sink[int] // the downstream, or the one inside downB
	downB   *faults.BatchSink[int]
	gate    chan struct{}
	entered chan struct{}
	fb      *faults.Sink[int]
	opened  bool // gate closed for good

	hookMu    sync.Mutex
	hookDrops []int
	hookErrs  []int

	// What the queue holds, by the model.
	buf   []int // queued, not taken by the drain
	batch []int // taken by the drain and not yet accounted for; its first chunk is being delivered
	// The chunk being delivered, batch[:min(MaxBatch, len(batch))]: how
	// many of its values the downstream calls so far have decided (a
	// plain downstream decides one per call, a BatchSender a prefix of
	// the chunk's rest), and their outcomes, counted when the chunk is
	// done.
	chunkDone                     int
	chunkDel, chunkBack, chunkErr uint64
	atGate                        bool // a downstream call waits on the gate
	canceled                      bool // a Close gave up: the drain's context is canceled
	stuck                         bool // a BlockFor sender gave up and the drain has not moved since
	blocked                       *blockedSend
	next                          int
	highWater                     int

	want                                   pipeline.Stats
	wantGot, wantFB, wantDrops, wantErrors []int

	problems []string
}

func runQueueModel(cfg modelConfig, ops []modelOp) []string {
	m := &queueModel{
		cfg:     cfg,
		gate:    make(chan struct{}),
		entered: make(chan struct{}, 64),
	}
	var next pipeline.Sink[int]
	if cfg.Batch {
		m.downB = &faults.BatchSink[int]{}
		m.down, next = &m.downB.Sink, m.downB
	} else {
		m.down = &faults.Sink[int]{}
		next = m.down
	}
	m.down.Gate, m.down.Entered, m.down.IgnoreCtx = m.gate, m.entered, cfg.HungClose
	m.down.Fail = func(v, _ int) error {
		if cfg.fails(v) {
			if cfg.ValueErrs {
				return &pipeline.ValueError{Err: fmt.Errorf("bad value %d", v)}
			}
			return fmt.Errorf("refused %d", v)
		}
		return nil
	}
	m.down.Panic = func(v, _ int) any {
		if cfg.panics(v) {
			return fmt.Sprintf("panic on %d", v)
		}
		return nil
	}
	opts := &pipeline.QueueOptions[int]{
		Capacity: cfg.Capacity,
		MaxBatch: cfg.MaxBatch,
		Strategy: cfg.Strategy,
		OnDrop: func(v int, _ error) {
			m.hookMu.Lock()
			m.hookDrops = append(m.hookDrops, v)
			m.hookMu.Unlock()
		},
		OnError: func(v int, _ error) {
			m.hookMu.Lock()
			m.hookErrs = append(m.hookErrs, v)
			m.hookMu.Unlock()
		},
	}
	if cfg.Fallback {
		m.fb = &faults.Sink[int]{Fail: func(v, _ int) error {
			if cfg.fallbackRefuses(v) {
				return fmt.Errorf("fallback refused %d", v)
			}
			return nil
		}}
		opts.Fallback = m.fb
	}
	q, err := pipeline.NewQueue(next, opts)
	if err != nil {
		return []string{fmt.Sprintf("NewQueue: %v", err)}
	}
	m.q = q
	m.want = pipeline.Stats{Name: "queue", Capacity: cfg.Capacity}

	for i, op := range ops {
		switch op.Kind {
		case opSend:
			m.send()
		case opProgress:
			m.progress()
		case opTick:
			m.tick(op.Tick)
		case opCancel:
			m.cancel()
		}
		m.check(fmt.Sprintf("after op %d (%v)", i, op))
		if len(m.problems) > 0 {
			m.abort()
			return m.problems
		}
	}
	if cfg.HungClose {
		m.hungClose()
	} else {
		m.close()
	}
	m.check("after Close")
	if len(m.problems) > 0 {
		m.abort()
	}
	return m.problems
}

func (m *queueModel) problemf(format string, args ...any) {
	m.problems = append(m.problems, fmt.Sprintf(format, args...))
}

// abort lets every goroutine of the bubble finish after a problem.
func (m *queueModel) abort() {
	if m.blocked != nil {
		m.blocked.cancel()
	}
	if !m.opened {
		close(m.gate)
		m.opened = true
	}
	m.q.Close(context.Background())
}

// entries returns how many downstream calls started since it was last
// called.
func (m *queueModel) entries() int {
	n := 0
	for {
		select {
		case <-m.entered:
			n++
		default:
			return n
		}
	}
}

// result returns the result of a Send running in a goroutine, and whether
// it has returned.
func result(res chan error) (error, bool) {
	select {
	case err := <-res:
		return err, true
	default:
		return nil, false
	}
}

// settle waits for the queue to come to rest and brings the model up to
// date with what the drain did: a downstream call that started, and the
// values the drain took for it. must says whether the drain had to take
// what is queued (it was woken, or its poll came due).
func (m *queueModel) settle(must bool) {
	synctest.Wait()
	n := m.entries()
	switch {
	case len(m.batch) > 0 && !m.atGate:
		// The drain goes on with the batch it holds.
		if n != 1 {
			m.problemf("%d downstream calls started; want 1, the next of the batch %v", n, m.batch)
			return
		}
		m.atGate = true
	case len(m.batch) == 0 && len(m.buf) > 0:
		// The drain is idle, or just done: it takes everything queued if
		// it was woken or its poll came due.
		if n > 1 || (must && n == 0) {
			m.problemf("%d downstream calls started with %v queued and the drain idle; want 1 (must=%v)", n, m.buf, must)
			return
		}
		if n == 1 {
			m.take()
		}
	default:
		if n != 0 {
			m.problemf("%d downstream calls started with batch %v, queued %v, at gate %v; want none", n, m.batch, m.buf, m.atGate)
		}
	}
}

// take is the drain taking everything queued, which makes room and wakes
// a blocked sender, whose value then goes in behind.
func (m *queueModel) take() {
	m.batch, m.buf = m.buf, nil
	m.chunkDone, m.chunkDel, m.chunkBack, m.chunkErr = 0, 0, 0, 0
	m.atGate = true
	if b := m.blocked; b != nil {
		m.blocked = nil
		synctest.Wait()
		err, ok := result(b.res)
		if !ok || err != nil {
			m.problemf("blocked Send(%d) = %v, returned %v after the drain made room; want nil", b.v, err, ok)
		}
		m.enqueue(b.v)
		b.cancel()
	}
}

func (m *queueModel) enqueue(v int) {
	m.buf = append(m.buf, v)
	m.highWater = max(m.highWater, len(m.buf))
}

func (m *queueModel) drop(v int) {
	m.want.Dropped++
	m.wantDrops = append(m.wantDrops, v)
}

func (m *queueModel) send() {
	if m.blocked != nil {
		return // one blocked sender at a time keeps the model exact
	}
	v := m.next
	m.next++
	m.want.Received++
	full := len(m.buf) == m.cfg.Capacity
	if full && !m.atGate {
		m.problemf("the queue is full (%v) while the drain is idle", m.buf)
		return
	}

	ctx, cancel := context.WithCancel(context.Background())
	res := make(chan error, 1)
	go func() { res <- m.q.Send(ctx, v) }()
	synctest.Wait()
	err, returned := result(res)

	kind := m.cfg.Strategy.Kind()
	switch {
	case !full:
		if !returned || err != nil {
			m.problemf("Send(%d) with room = %v, returned %v; want nil at once", v, err, returned)
		}
		m.enqueue(v)
	case kind == strategy.KindDrop, kind == strategy.KindBlockFor && m.stuck:
		if !returned || !errors.Is(err, pipeline.ErrQueueFull) {
			m.problemf("Send(%d) on a full queue (%v) = %v, returned %v; want ErrQueueFull at once", v, m.cfg.Strategy, err, returned)
		}
		m.drop(v)
	case kind == strategy.KindFallback:
		refused := m.cfg.fallbackRefuses(v)
		if !returned || (err != nil) != refused {
			m.problemf("Send(%d) on a full queue under fallback = %v, returned %v; want the fallback's result (refused=%v)", v, err, returned, refused)
		}
		if refused {
			m.want.Failed++
			m.wantErrors = append(m.wantErrors, v)
		} else {
			m.want.FellBack++
			m.wantFB = append(m.wantFB, v)
		}
	default: // Block, or BlockFor with its circuit closed: the Send waits.
		if returned {
			m.problemf("Send(%d) on a full queue under %v returned %v; want it to wait", v, m.cfg.Strategy, err)
		}
		m.blocked = &blockedSend{v: v, res: res, cancel: cancel, since: time.Now()}
		m.settle(false)
		return
	}
	cancel()
	m.settle(len(m.buf) >= max(1, m.cfg.Capacity/4))
}

// progress lets the downstream call waiting on the gate through.
func (m *queueModel) progress() {
	if !m.atGate {
		return
	}
	m.gate <- struct{}{}
	m.atGate = false
	m.decide()
	m.settle(true)
}

// decide is the outcome of the downstream call at the gate: a BatchSender
// is offered the rest of the chunk, chunk[chunkDone:], a plain sink the
// next value of it. A chunk that is not done after the call is offered
// further, in a call that waits on the gate again (settle expects it).
func (m *queueModel) decide() {
	chunk := m.batch[:min(m.cfg.MaxBatch, len(m.batch))]
	if m.cfg.Batch {
		rest := chunk[m.chunkDone:]
		// took is the count the call reports; reached, how many leading
		// values the sink recorded before it stopped.
		took, reached, panicked := len(rest), len(rest), false
		for i, v := range rest {
			if m.cfg.panics(v) {
				// The values before the panic reached the sink, but
				// after a panic none counts as taken.
				took, reached, panicked = 0, i, true
				break
			}
			if m.cfg.fails(v) {
				took, reached = i, i
				break
			}
		}
		m.wantGot = append(m.wantGot, rest[:reached]...)
		m.chunkDel += uint64(took)
		m.chunkDone += took
		// A short call: a value that failed by itself (a
		// pipeline.ValueError) is blamed and the rest of the chunk
		// offered again in the next call; any other failure (a plain
		// error, a panic, the drain's context canceled) fails every value
		// left.
		rest = chunk[m.chunkDone:]
		switch {
		case len(rest) == 0:
		case !panicked && !m.canceled && m.cfg.ValueErrs:
			m.reroute(rest[0])
			m.chunkDone++
		default:
			for _, v := range rest {
				m.reroute(v)
			}
			m.chunkDone = len(chunk)
		}
	} else {
		v := chunk[m.chunkDone]
		if m.cfg.panics(v) || m.cfg.fails(v) {
			m.reroute(v)
		} else {
			m.wantGot = append(m.wantGot, v)
			m.chunkDel++
		}
		m.chunkDone++
	}
	if m.chunkDone == len(chunk) {
		m.finishChunk(len(chunk))
	}
}

// reroute is the drain handing a value whose delivery failed to OnError
// and the fallback.
func (m *queueModel) reroute(v int) {
	m.wantErrors = append(m.wantErrors, v)
	switch {
	case !m.cfg.Fallback:
		m.chunkErr++
	case m.cfg.fallbackRefuses(v):
		m.wantErrors = append(m.wantErrors, v)
		m.chunkErr++
	default:
		m.wantFB = append(m.wantFB, v)
		m.chunkBack++
	}
}

func (m *queueModel) finishChunk(n int) {
	m.want.Delivered += m.chunkDel
	m.want.FellBack += m.chunkBack
	m.want.Failed += m.chunkErr
	m.batch = m.batch[n:]
	m.chunkDone, m.chunkDel, m.chunkBack, m.chunkErr = 0, 0, 0, 0
	m.stuck = false // the drain moved
}

// tick lets fake time pass: the drain's poll comes due, a BlockFor sender
// gives up.
func (m *queueModel) tick(d time.Duration) {
	time.Sleep(d)
	synctest.Wait()
	if b := m.blocked; b != nil {
		err, returned := result(b.res)
		waited := time.Since(b.since)
		timeout := m.cfg.Strategy.Timeout()
		switch {
		case m.cfg.Strategy.Kind() == strategy.KindBlockFor && waited >= timeout:
			if !returned || !errors.Is(err, pipeline.ErrQueueFull) {
				m.problemf("BlockFor(%v) Send(%d) after %v = %v, returned %v; want ErrQueueFull", timeout, b.v, waited, err, returned)
			}
			m.blocked = nil
			b.cancel()
			m.drop(b.v)
			m.stuck = true
		case returned:
			m.problemf("%v Send(%d) returned %v after %v with the queue still full; want it to wait", m.cfg.Strategy, b.v, err, waited)
		}
	}
	m.settle(d >= pipeline.DefaultMaxDelay)
}

// cancel ends the context of the blocked sender.
func (m *queueModel) cancel() {
	b := m.blocked
	if b == nil {
		return
	}
	b.cancel()
	synctest.Wait()
	if err, returned := result(b.res); !returned || !errors.Is(err, context.Canceled) {
		m.problemf("blocked Send(%d) after its ctx was canceled = %v, returned %v; want context.Canceled", b.v, err, returned)
	}
	m.blocked = nil
	m.drop(b.v)
	m.settle(false)
}

// closeBlocked expects a blocked sender to give up with ErrClosed once
// Close has started.
func (m *queueModel) closeBlocked() {
	b := m.blocked
	if b == nil {
		return
	}
	if err, returned := result(b.res); !returned || !errors.Is(err, pipeline.ErrClosed) {
		m.problemf("blocked Send(%d) during Close = %v, returned %v; want ErrClosed", b.v, err, returned)
	}
	m.blocked = nil
	b.cancel()
	m.drop(b.v)
}

// close closes the queue and lets the downstream go: everything queued is
// delivered (or failed, or fell back) in order.
func (m *queueModel) close() {
	res := make(chan error, 1)
	go func() { res <- m.q.Close(context.Background()) }()
	synctest.Wait()
	m.closeBlocked()
	m.settle(true) // Close wakes an idle drain
	if len(m.batch) > 0 {
		if err, returned := result(res); returned {
			m.problemf("Close returned %v with %v still to deliver", err, m.batch)
		}
		if m.down.Closes() != 0 {
			m.problemf("downstream closed with %v still to deliver", m.batch)
		}
	}
	close(m.gate)
	m.opened = true
	for len(m.batch) > 0 || len(m.buf) > 0 {
		if len(m.batch) == 0 {
			m.batch, m.buf = m.buf, nil
		}
		m.decide()
	}
	synctest.Wait()
	if err, returned := result(res); !returned || err != nil {
		m.problemf("Close = %v, returned %v; want nil once the downstream is let go", err, returned)
	}
	m.afterClose()
}

// hungClose closes the queue with a deadline while the downstream never
// lets the call in flight through.
func (m *queueModel) hungClose() {
	if len(m.batch) == 0 && len(m.buf) > 0 {
		// Close wakes the idle drain, which takes everything and hangs
		// on the gate.
		m.batch, m.buf = m.buf, nil
		m.chunkDone, m.chunkDel, m.chunkBack, m.chunkErr = 0, 0, 0, 0
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	err := m.q.Close(ctx)
	waited := time.Since(start)
	m.closeBlocked()
	if len(m.batch) == 0 {
		if err != nil || waited != 0 {
			m.problemf("Close of an idle queue = %v after %v; want nil at once", err, waited)
		}
		m.entries()
		m.afterClose()
		return
	}
	want := fmt.Sprintf("%d queued values abandoned, %d in a delivery that has not returned", len(m.buf), len(m.batch))
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), want) || waited != time.Second {
		m.problemf("Close with a hung downstream = %v after %v; want DeadlineExceeded after 1s, saying %q", err, waited, want)
	}
	for _, v := range m.buf {
		m.drop(v)
	}
	m.buf = nil
	m.canceled = true
	if st := m.q.Stats(); st.InFlight != uint64(len(m.batch)) {
		m.problemf("after Close gave up: InFlight %d; want %d, the delivery still stuck", st.InFlight, len(m.batch))
	}
	// The stuck call returns at last, and the drain finishes the batch it
	// held (its context is canceled, which this downstream ignores): a
	// chunk cut short fails all its rest at once, re-offering nothing.
	close(m.gate)
	m.opened = true
	for len(m.batch) > 0 {
		m.decide()
	}
	synctest.Wait()
	m.entries()
	if err := m.q.Close(context.Background()); err != nil {
		m.problemf("second Close = %v; want nil once the drain is done", err)
	}
	m.afterClose()
}

// afterClose checks what holds once the queue is closed: the sinks were
// closed once, and a Send is refused and counted.
func (m *queueModel) afterClose() {
	if n := m.down.Closes(); n != 1 {
		m.problemf("downstream closed %d times; want 1", n)
	}
	if m.fb != nil && m.fb.Closes() != 1 {
		m.problemf("fallback closed %d times; want 1", m.fb.Closes())
	}
	v := m.next
	m.next++
	m.want.Received++
	if err := m.q.Send(context.Background(), v); !errors.Is(err, pipeline.ErrClosed) {
		m.problemf("Send(%d) after Close = %v; want ErrClosed", v, err)
	}
	m.drop(v)
}

// check compares the queue with the model.
func (m *queueModel) check(where string) {
	if len(m.problems) > 0 {
		m.problems = append(m.problems, "  "+where)
		return
	}
	want := m.want
	want.InFlight = uint64(len(m.buf) + len(m.batch))
	if m.blocked != nil {
		want.InFlight++ // a Send waiting for room holds its value in flight
	}
	want.HighWater = m.highWater
	got := m.q.Stats()
	if diff := cmp.Diff(want, got); diff != "" {
		m.problemf("%s: Stats mismatch (-want +got):\n%s", where, diff)
	}
	// Stats are read under the queue's lock: the identity holds in every
	// snapshot, a blocked Send's value counting as in flight.
	if !got.Balanced() {
		m.problemf("%s: Stats %+v do not balance", where, got)
	}
	downGot := m.down.Got()
	if diff := cmp.Diff(m.wantGot, downGot, cmpEmpty); diff != "" {
		m.problemf("%s: downstream got mismatch (-want +got):\n%s", where, diff)
	}
	if m.fb != nil {
		if diff := cmp.Diff(m.wantFB, m.fb.Got(), cmpEmpty); diff != "" {
			m.problemf("%s: fallback got mismatch (-want +got):\n%s", where, diff)
		}
	}
	m.hookMu.Lock()
	drops, errs := slices.Clone(m.hookDrops), slices.Clone(m.hookErrs)
	m.hookMu.Unlock()
	if diff := cmp.Diff(m.wantDrops, drops, cmpEmpty); diff != "" {
		m.problemf("%s: OnDrop values mismatch (-want +got):\n%s", where, diff)
	}
	if diff := cmp.Diff(m.wantErrors, errs, cmpEmpty); diff != "" {
		m.problemf("%s: OnError values mismatch (-want +got):\n%s", where, diff)
	}
}

// cmpEmpty makes a nil slice equal an empty one.
var cmpEmpty = cmp.Comparer(func(a, b []int) bool { return slices.Equal(a, b) })

// Close that gives up on a stuck delivery abandons exactly the values
// still queued at its deadline: they count as dropped and reach OnDrop,
// and its error gives their number and that of the delivery in flight.
// The downstream honours its ctx, so the drain's delivery returns as soon
// as Close cancels it; a goroutine reading Stats keeps the queue's mutex
// busy, which widens the window between that cancellation and Close
// taking what is queued. Run it with -race to make the window wide.
func TestQueueCloseAbandonsExactlyWhatIsQueued(t *testing.T) {
	const rounds, queued = 300, 7
	for round := range rounds {
		var dropped atomic.Int64
		s := &faults.Sink[int]{Gate: make(chan struct{}), Entered: make(chan struct{}, 1)}
		q, err := pipeline.NewQueue[int](s, &pipeline.QueueOptions[int]{
			Capacity: 100,
			OnDrop:   func(int, error) { dropped.Add(1) },
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := q.Send(t.Context(), -1); err != nil {
			t.Fatal(err)
		}
		<-s.Entered // the drain is stuck delivering -1
		for i := range queued {
			if err := q.Send(t.Context(), i); err != nil {
				t.Fatal(err)
			}
		}
		stop := make(chan struct{})
		spun := make(chan struct{})
		go func() {
			defer close(spun)
			for {
				select {
				case <-stop:
					return
				default:
					q.Stats()
				}
			}
		}()
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Microsecond)
		err = q.Close(ctx)
		cancel()
		close(stop)
		<-spun
		if err := q.Close(t.Context()); err != nil {
			t.Fatalf("round %d: second Close = %v; want nil", round, err)
		}
		want := fmt.Sprintf("%d queued values abandoned, 1 in a delivery", queued)
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), want) {
			t.Fatalf("round %d: Close with a stuck delivery = %v; want DeadlineExceeded, saying %q", round, err, want)
		}
		if n := dropped.Load(); n != queued {
			t.Fatalf("round %d: OnDrop called %d times; want %d", round, n, queued)
		}
		if st := q.Stats(); st.Dropped != queued || st.Failed != 1 || !st.Balanced() {
			t.Fatalf("round %d: Stats() = %+v; want %d dropped, 1 failed, balanced", round, st, queued)
		}
	}
}
