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
