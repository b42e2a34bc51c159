package gate_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spillway-go/spillway/internal/gate"
)

func TestGate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := gate.New()
		if !g.Enter() {
			t.Fatal("Enter on an open gate = false; want true")
		}
		shut := make(chan error)
		go func() { shut <- g.Shut(context.Background()) }()
		synctest.Wait()
		select {
		case err := <-shut:
			t.Fatalf("Shut returned %v while a Send was active", err)
		default:
		}
		if g.Enter() {
			t.Error("Enter on a shut gate = true; want false")
		}
		if n := g.InFlight(); n != 1 {
			t.Errorf("InFlight() = %d; want 1", n)
		}
		g.Leave()
		if err := <-shut; err != nil {
			t.Errorf("Shut = %v; want nil once the Send left", err)
		}
	})
}

func TestGateShutDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := gate.New()
		g.Enter()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := g.Shut(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Shut with a Send stuck = %v; want DeadlineExceeded", err)
		}
		g.Leave()
		if err := g.Shut(context.Background()); err != nil {
			t.Errorf("second Shut = %v; want nil", err)
		}
	})
}

// A context that Bind made ends when a Shut gives up waiting, or with its
// parent, and not before.
func TestGateBind(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := gate.New()
		if !g.Enter() {
			t.Fatal("Enter on an open gate = false; want true")
		}
		parent, cancelParent := context.WithCancel(context.Background())
		defer cancelParent()
		bound, release := g.Bind(parent)
		defer release()
		other, releaseOther := g.Bind(context.Background())
		releaseOther() // a released bound ctx ends at once
		synctest.Wait()
		if bound.Err() != nil {
			t.Fatalf("bound ctx ended (%v) before Shut gave up", bound.Err())
		}
		if !errors.Is(other.Err(), context.Canceled) {
			t.Errorf("released bound ctx Err() = %v; want %v", other.Err(), context.Canceled)
		}

		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := g.Shut(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Shut with a Send active = %v; want DeadlineExceeded", err)
		}
		synctest.Wait()
		if !errors.Is(bound.Err(), context.Canceled) {
			t.Errorf("bound ctx Err() after Shut gave up = %v; want %v", bound.Err(), context.Canceled)
		}
		if parent.Err() != nil {
			t.Errorf("parent ctx Err() = %v; want nil: Shut ends only what Bind made", parent.Err())
		}
		g.Leave()

		// Bound after Shut gave up: ends at once.
		late, releaseLate := g.Bind(context.Background())
		defer releaseLate()
		synctest.Wait()
		if !errors.Is(late.Err(), context.Canceled) {
			t.Errorf("ctx bound after Shut gave up: Err() = %v; want %v", late.Err(), context.Canceled)
		}
	})
}

func TestGateBindEndsWithParent(t *testing.T) {
	g := gate.New()
	parent, cancel := context.WithCancel(context.Background())
	bound, release := g.Bind(parent)
	defer release()
	cancel()
	<-bound.Done()
	if !errors.Is(bound.Err(), context.Canceled) {
		t.Errorf("bound ctx Err() after its parent ended = %v; want %v", bound.Err(), context.Canceled)
	}
	if err := g.Shut(context.Background()); err != nil {
		t.Errorf("Shut with no Send active = %v; want nil", err)
	}
}
