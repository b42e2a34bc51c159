package pipeline

import (
	"context"
	"errors"
)

// A Pipeline is the handle an adopter holds on a tree of stages: it sends
// into the root stage, closes the tree, and reports the counters of every
// stage in it.
//
// A Pipeline is safe for concurrent use. It adds nothing to the cost of
// Send: a Send on the Pipeline is a Send on the root.
type Pipeline[T any] struct {
	root Sink[T]
}

// New returns a Pipeline whose values enter at root. root is the first stage
// of the tree, typically a [Queue]; the Pipeline owns it and closes it.
func New[T any](root Sink[T]) (*Pipeline[T], error) {
	if root == nil {
		return nil, errors.New("pipeline: New: root sink is nil")
	}
	return &Pipeline[T]{root: root}, nil
}

// Send hands v to the root stage and returns its result.
func (p *Pipeline[T]) Send(ctx context.Context, v T) error {
	return p.root.Send(ctx, v)
}

// Close closes the root stage, which closes the stages behind it in
// dependency order: a queue drains into its downstream before the downstream
// closes. It returns an error wrapping ctx.Err() if ctx ends first.
func (p *Pipeline[T]) Close(ctx context.Context) error {
	return p.root.Close(ctx)
}

// Stats returns the counters of every stage of the tree that reports them,
// parents before children, each with its path (see [Walk]).
func (p *Pipeline[T]) Stats() Snapshot {
	return Walk(p.root)
}

// Children returns the root stage, so a Pipeline can itself be a child in
// another tree.
func (p *Pipeline[T]) Children() []Child {
	return []Child{{Sink: p.root}}
}

// A Snapshot is the counters of every stage of a tree, in [Walk] order.
type Snapshot []StageStats

// Lookup returns the counters of the stage at path.
func (s Snapshot) Lookup(path string) (Stats, bool) {
	for _, st := range s {
		if st.Path == path {
			return st.Stats, true
		}
	}
	return Stats{}, false
}

// Unbalanced returns the stages whose accounting identity does not hold
// (see [Stats]). At a quiescent moment it is empty.
func (s Snapshot) Unbalanced() []StageStats {
	var out []StageStats
	for _, st := range s {
		if !st.Balanced() {
			out = append(out, st)
		}
	}
	return out
}
