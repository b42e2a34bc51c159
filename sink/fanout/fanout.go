// Package fanout provides [Sink], a stage that delivers every value to
// several child sinks: an audit file and a metrics counter, two replicas, a
// file and a stream.
//
// # Success
//
// A fanout calls its children in order, one after the other, and every
// child gets every value, even after an earlier child refused it. Send
// returns nil when enough children accepted the value: by default all of
// them; [Options.MinSuccess] lowers the bar to k of them, and
// [Options.Optional] marks children whose result never counts, so that
// "the audit file must have it, the metrics sink may miss it" reads as
// Optional: []bool{1: true}. Otherwise Send returns every child's error,
// joined with [errors.Join], each wrapped with the child's index and name.
//
// A fanout never retries: a child that accepted a value never receives it
// again because another child refused it. A value whose Send fails may so
// have reached some children already.
//
// # Isolation
//
// Children are called synchronously, so a slow child slows every Send and a
// hung one hangs it. [Options.Isolate] puts a child behind its own
// [pipeline.Queue], with its own capacity and strategy: a hung child then
// fills its queue, which refuses values as its strategy says (at once under
// strategy.Drop) while the other children still get every value, and
// Close(ctx) returns by ctx's deadline. Isolation is composition: a queue
// built by hand and passed as the child works the same way.
//
// # Panics
//
// A child that panics in Send, SendBatch or Close is recovered: the panic
// becomes a [*pipeline.PanicError] that fails that child for that value,
// reaches [Options.OnError], and counts against the threshold.
//
// # Stats
//
// A fanout counts each value once, by its own result: Delivered when Send
// returned nil, Failed when it did not, Dropped for a Send after Close.
// Each child counts its own results, and appears under the fanout in
// [pipeline.Walk] on the edge "[i]", so that paths read "fanout[1]/queue".
package fanout

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/spillway-go/spillway/internal/gate"
	"github.com/spillway-go/spillway/pipeline"
)

var (
	_ pipeline.Sink[int]        = (*Sink[int])(nil)
	_ pipeline.BatchSender[int] = (*Sink[int])(nil)
	_ pipeline.StatsReporter    = (*Sink[int])(nil)
	_ pipeline.Parent           = (*Sink[int])(nil)
)

// Options configures a [Sink]. The zero value, like a nil *Options, means
// the defaults; each field's comment gives its default. Fields indexed by
// child may be shorter than the list of children, the missing entries
// taking their zero value, so a composite literal names only the children
// it changes: Isolate: []*pipeline.QueueOptions[T]{2: {Capacity: 64}}.
type Options[T any] struct {
	// Name names the stage in Stats. Default "fanout".
	Name string

	// MinSuccess is how many of the required children (those not marked
	// Optional) must accept a value for Send to return nil. Default 0,
	// meaning all of them; more than there are is an error.
	MinSuccess int

	// Optional marks, by child index, the children whose result does not
	// count: they still get every value, their failures still reach
	// OnError and their own stats, but never fail a Send. Default none.
	Optional []bool

	// Isolate gives, by child index, the options of a pipeline.Queue that
	// New puts in front of the child: a non-nil entry isolates the child,
	// an empty one (&pipeline.QueueOptions[T]{}) with the queue's defaults,
	// strategy.Drop among them. The fanout owns the queue and closes it,
	// which closes the child. Default none: every child is called
	// directly.
	Isolate []*pipeline.QueueOptions[T]

	// OnError, if set, is called with every value a child refused, the
	// child's index and its error (not wrapped), whether or not the
	// fanout's Send then succeeds. It runs on the sender's goroutine, once
	// per value and child; it must be fast and must not call back into the
	// fanout. For an isolated child, the child is its queue: failures
	// downstream of the queue reach the queue's own OnError.
	OnError func(v T, child int, err error)
}

// A Sink delivers every value to each of its children. See the package
// documentation for its semantics.
//
// A Sink is safe for concurrent use. It owns its children and closes them.
type Sink[T any] struct {
	name     string
	children []child[T]
	min      int // required children that must accept a value
	onError  func(T, int, error)
	gate     *gate.Gate
	counters pipeline.Counters
}

type child[T any] struct {
	sink     pipeline.Sink[T]
	label    string // "[i] name", for errors
	optional bool
}

// New returns a fanout that delivers to children, in that order,
// configured by opts (nil means the defaults). It copies the slice. With no
// children it accepts every value and does nothing with it. A nil child or
// an invalid option is an error that names it; New then starts nothing and
// closes nothing it was given.
func New[T any](children []pipeline.Sink[T], opts *Options[T]) (*Sink[T], error) {
	var o Options[T]
	if opts != nil {
		o = *opts
	}
	if err := validate(children, &o); err != nil {
		return nil, err
	}
	if o.Name == "" {
		o.Name = "fanout"
	}
	s := &Sink[T]{
		name:     o.Name,
		children: make([]child[T], len(children)),
		min:      o.MinSuccess,
		onError:  o.OnError,
		gate:     gate.New(),
	}
	required := 0
	for i, c := range children {
		if i < len(o.Isolate) && o.Isolate[i] != nil {
			q, err := pipeline.NewQueue(c, o.Isolate[i])
			if err != nil {
				// validate made sure the options are good; nothing to undo.
				return nil, fmt.Errorf("fanout: New: Isolate[%d]: %w", i, err)
			}
			c = q
		}
		optional := i < len(o.Optional) && o.Optional[i]
		if !optional {
			required++
		}
		s.children[i] = child[T]{sink: c, label: label(i, c), optional: optional}
	}
	if s.min == 0 {
		s.min = required
	}
	return s, nil
}

// validate checks the children and the options before New builds anything,
// so that a bad option never leaves a queue running over a child.
func validate[T any](children []pipeline.Sink[T], o *Options[T]) error {
	for i, c := range children {
		if c == nil {
			return fmt.Errorf("fanout: New: child [%d] is nil", i)
		}
	}
	if len(o.Optional) > len(children) {
		return fmt.Errorf("fanout: New: Optional has %d entries for %d children", len(o.Optional), len(children))
	}
	if len(o.Isolate) > len(children) {
		return fmt.Errorf("fanout: New: Isolate has %d entries for %d children", len(o.Isolate), len(children))
	}
	required := len(children)
	for _, opt := range o.Optional {
		if opt {
			required--
		}
	}
	if o.MinSuccess < 0 || o.MinSuccess > required {
		return fmt.Errorf("fanout: New: MinSuccess %d is not between 0 and the %d required children", o.MinSuccess, required)
	}
	for i, qo := range o.Isolate {
		if qo == nil {
			continue
		}
		if err := qo.Validate(); err != nil {
			return fmt.Errorf("fanout: New: Isolate[%d]: %w", i, err)
		}
	}
	return nil
}

// label names child i in errors: its index, and its stats name if it
// reports stats.
func label(i int, s any) string {
	if r, ok := s.(pipeline.StatsReporter); ok {
		return fmt.Sprintf("[%d] %s", i, r.Stats().Name)
	}
	return fmt.Sprintf("[%d]", i)
}

// Send hands v to every child in order and returns nil when enough of them
// accepted it (see [Options.MinSuccess]), and the joined errors of the
// children that refused it otherwise. After Close it returns
// [pipeline.ErrClosed] and counts v as dropped.
func (s *Sink[T]) Send(ctx context.Context, v T) error {
	s.counters.AddReceived(1)
	if !s.gate.Enter() {
		s.counters.AddDropped(1)
		return pipeline.ErrClosed
	}
	defer s.gate.Leave()

	accepted := 0
	var buf [4]failure // failures stay on the stack unless Send fails
	fails := buf[:0]
	for i := range s.children {
		c := &s.children[i]
		if err := pipeline.SafeSend(ctx, c.sink, v); err != nil {
			if s.onError != nil {
				s.onError(v, i, err)
			}
			fails = append(fails, failure{i, err})
			continue
		}
		if !c.optional {
			accepted++
		}
	}
	if accepted >= s.min {
		s.counters.AddDelivered(1)
		return nil
	}
	s.counters.AddFailed(1)
	return s.join(fails)
}

// A failure is one child's refusal of a value or a batch.
type failure struct {
	child int
	err   error
}

// join wraps each failure with its child's index and name and joins them.
func (s *Sink[T]) join(fails []failure) error {
	errs := make([]error, len(fails))
	for i, f := range fails {
		errs[i] = fmt.Errorf("fanout: %s: %w", s.children[f.child].label, f.err)
	}
	return errors.Join(errs...)
}

// SendBatch hands vs to every child in order, with one call per child
// (pipeline.SafeSendBatch: one SendBatch for a [pipeline.BatchSender], one
// Send per value otherwise). A child takes a prefix of vs and refuses the
// rest, as BatchSender says; each value it refused reaches OnError.
//
// SendBatch returns the longest prefix n of vs that enough children
// accepted (see [Options.MinSuccess]): exactly the values for which Send
// would have succeeded. When n < len(vs), err joins the errors of the
// children that refused part of vs, and vs[n:] count as failed, though
// some children may hold some of them. After Close it returns 0 and
// [pipeline.ErrClosed], counting vs as dropped. It does not retain vs.
func (s *Sink[T]) SendBatch(ctx context.Context, vs []T) (int, error) {
	s.counters.AddReceived(uint64(len(vs)))
	if !s.gate.Enter() {
		s.counters.AddDropped(uint64(len(vs)))
		return 0, pipeline.ErrClosed
	}
	defer s.gate.Leave()
	if len(vs) == 0 {
		return 0, nil
	}

	whole := 0 // required children that took all of vs
	var shortBuf [4]int
	short := shortBuf[:0] // how much each of the other required children took
	var failBuf [4]failure
	fails := failBuf[:0]
	for i := range s.children {
		c := &s.children[i]
		n, err := pipeline.SafeSendBatch(ctx, c.sink, vs) // 0 <= n <= len(vs); err != nil if n < len(vs)
		if err != nil {
			if s.onError != nil {
				for _, v := range vs[n:] {
					s.onError(v, i, err)
				}
			}
			fails = append(fails, failure{i, err})
		}
		switch {
		case c.optional:
		case n == len(vs):
			whole++
		default:
			short = append(short, n)
		}
	}

	// Value j reached the children whose prefix is longer than j: the
	// values that enough children took are the prefix as long as the
	// min-th longest.
	n := len(vs)
	if whole < s.min {
		slices.Sort(short)
		n = short[len(short)-(s.min-whole)]
	}
	s.counters.AddDelivered(uint64(n))
	s.counters.AddFailed(uint64(len(vs) - n))
	if n == len(vs) {
		return n, nil
	}
	return n, s.join(fails)
}

// Close stops accepting values (a Send that starts after Close returns
// [pipeline.ErrClosed]), waits for the Sends in progress to finish, then
// closes every child concurrently and returns their errors joined, each
// wrapped with the child's index and name.
//
// If ctx ends while Sends are still in progress, Close closes the children
// anyway, with that ctx, and its error wraps ctx.Err(). Each child bounds
// its own Close by ctx: an isolated child's queue gives up on a hung child
// at ctx's deadline (see [pipeline.Queue.Close]).
//
// Close is idempotent as its children's Close is: calling it again closes
// them again, which returns the result of their first Close, or finishes
// the work that an ended ctx cut short.
func (s *Sink[T]) Close(ctx context.Context) error {
	var waitErr error
	if err := s.gate.Shut(ctx); err != nil {
		waitErr = fmt.Errorf("fanout: close: waiting for %d Sends in progress: %w", s.gate.InFlight(), err)
	}
	errs := make([]error, len(s.children))
	var wg sync.WaitGroup
	for i := range s.children {
		c := &s.children[i]
		wg.Go(func() {
			if err := pipeline.SafeClose(ctx, c.sink); err != nil {
				errs[i] = fmt.Errorf("fanout: close %s: %w", c.label, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(append([]error{waitErr}, errs...)...)
}

// Stats returns the fanout's counters: one per value, by the result of its
// Send.
func (s *Sink[T]) Stats() pipeline.Stats { return s.counters.Stats(s.name) }

// Children returns the children, each on the edge "[i]", an isolated child
// as its queue.
func (s *Sink[T]) Children() []pipeline.Child {
	cs := make([]pipeline.Child, len(s.children))
	for i, c := range s.children {
		cs[i] = pipeline.Child{Edge: fmt.Sprintf("[%d]", i), Sink: c.sink}
	}
	return cs
}
