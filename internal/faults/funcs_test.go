package faults_test

import (
	"testing"

	"github.com/spillway-go/spillway/internal/faults"
)

func TestPanicOn(t *testing.T) {
	p := faults.PanicOn(3, "kaboom")
	for i, v := range []int{1, 3, 2, 3} {
		got := p(v, i)
		if want := v == 3; (got == "kaboom") != want || (!want && got != nil) {
			t.Errorf("PanicOn(3)(%d, %d) = %v; want a panic value only for 3, every time", v, i, got)
		}
	}
}
