package pipeline

import (
	"strings"
	"sync/atomic"
)

// Stats is a snapshot of one stage's counters. Every value a stage receives
// ends in exactly one of its outcome counters, or is still in flight, so at
// every quiescent moment (no Send or Close running, no value moving)
//
//	Received == Delivered + Filtered + Dropped + Failed + FellBack + InFlight
//
// holds exactly; [Stats.Balanced] checks it. Snapshots taken while values
// move may be off by the values moving.
//
// Each stage counts from its own point of view: when a queue's downstream
// refuses a value, the queue counts it as failed (or fell back) and the
// downstream counts its own reason (dropped, failed) too.
type Stats struct {
	// Name is the stage's name: the one given in its options, or its kind
	// ("queue", "filter", "jsonl", ...).
	Name string

	// Received counts calls to Send, one per value (a batch of n counts n).
	Received uint64
	// Delivered counts values handed on and accepted: by the downstream
	// sink, or by the medium itself for a terminal stage (a line written).
	Delivered uint64
	// Filtered counts values a stage chose on purpose not to pass on.
	Filtered uint64
	// Dropped counts values refused by the stage's own choice: a full
	// queue, a Send after Close, a context that ended while waiting, a
	// value abandoned by a Close whose context ended.
	Dropped uint64
	// Failed counts values that could not be delivered because of an error
	// (a write error, a panic, a downstream refusal) and that no fallback
	// took.
	Failed uint64
	// FellBack counts values handed to a fallback sink that accepted them,
	// on overflow or on a failed delivery.
	FellBack uint64
	// InFlight counts values accepted but not yet decided: queued, or
	// being written.
	InFlight uint64

	// Capacity is a queue's capacity; 0 for stages that do not queue.
	Capacity int
	// HighWater is the most values a queue has held at once.
	HighWater int
}

// Balanced reports whether the accounting identity holds for s.
func (s Stats) Balanced() bool {
	return s.Received == s.Delivered+s.Filtered+s.Dropped+s.Failed+s.FellBack+s.InFlight
}

// A StatsReporter is a stage that reports its counters. [Pipeline.Stats]
// lists every stage of the tree that implements it. A custom stage opts in
// by implementing it, most simply with a [Counters].
type StatsReporter interface {
	Stats() Stats
}

// A Parent is a stage that delivers to other sinks: a queue to its
// downstream and its fallback, a fanout to its children, a fallback sink to
// its tiers. [Pipeline.Stats] walks the tree through it.
type Parent interface {
	Children() []Child
}

// A Child is one sink a [Parent] delivers to.
type Child struct {
	// Edge is appended to the parent's path to tell children apart:
	// "" for a stage's one downstream sink, "[1]" for a fanout's second
	// child, "[fallback]" for a queue's fallback. The child's path is then
	// parentPath + Edge + "/" + the child's name.
	Edge string
	// Sink is the child, a Sink of any element type.
	Sink any
}

// StageStats is the snapshot of one stage within a tree.
type StageStats struct {
	// Path names the stage by where it sits: the names of the stages above
	// it and its own, separated by slashes, as in "fanout[1]/queue/jsonl".
	Path string
	Stats
}

// Walk visits root and every stage below it, depth first, parents before
// children, and returns the counters of each stage that implements
// [StatsReporter] with its path. Stages that do not report are not listed,
// but the stages behind them are, if they implement [Parent].
func Walk(root any) Snapshot {
	var out Snapshot
	walk(&out, root, "", "")
	return out
}

func walk(out *Snapshot, s any, parent, edge string) {
	path := parent + edge
	if r, ok := s.(StatsReporter); ok {
		st := r.Stats()
		if path != "" {
			path += "/"
		}
		path += st.Name
		*out = append(*out, StageStats{Path: path, Stats: st})
	}
	if p, ok := s.(Parent); ok {
		for _, c := range p.Children() {
			walk(out, c.Sink, strings.TrimSuffix(path, "/"), c.Edge)
		}
	}
}

// Counters keeps a stage's counters with atomic operations, so a custom
// stage can report [Stats] without a lock. The zero value is ready to use;
// a Counters must not be copied after first use. Its methods are safe for
// concurrent use.
//
// A stage adds one to Received when a value arrives, then one to exactly one
// outcome counter when it has decided. InFlight is what has arrived and not
// been decided.
type Counters struct {
	received, delivered, filtered, dropped, failed, fellBack atomic.Uint64
}

// AddReceived adds n to Received.
func (c *Counters) AddReceived(n uint64) { c.received.Add(n) }

// AddDelivered adds n to Delivered.
func (c *Counters) AddDelivered(n uint64) { c.delivered.Add(n) }

// AddFiltered adds n to Filtered.
func (c *Counters) AddFiltered(n uint64) { c.filtered.Add(n) }

// AddDropped adds n to Dropped.
func (c *Counters) AddDropped(n uint64) { c.dropped.Add(n) }

// AddFailed adds n to Failed.
func (c *Counters) AddFailed(n uint64) { c.failed.Add(n) }

// AddFellBack adds n to FellBack.
func (c *Counters) AddFellBack(n uint64) { c.fellBack.Add(n) }

// Stats returns a snapshot named name. The outcome counters are read before
// Received, so while values move InFlight only counts some that have just
// been decided as still in flight. A stage that counts more outcomes than
// values received (one value counted twice) gets InFlight 0 and a
// snapshot that does not balance, so [Snapshot.Unbalanced] reports it.
func (c *Counters) Stats(name string) Stats {
	s := Stats{
		Name:      name,
		Delivered: c.delivered.Load(),
		Filtered:  c.filtered.Load(),
		Dropped:   c.dropped.Load(),
		Failed:    c.failed.Load(),
		FellBack:  c.fellBack.Load(),
	}
	s.Received = c.received.Load()
	if decided := s.Delivered + s.Filtered + s.Dropped + s.Failed + s.FellBack; decided <= s.Received {
		s.InFlight = s.Received - decided
	}
	return s
}
