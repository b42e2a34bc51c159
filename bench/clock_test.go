package bench_test

import (
	"runtime"
	"slices"
	"testing"
	_ "unsafe" // for go:linkname
)

// nanotime is the runtime's monotonic clock in nanoseconds: what time.Now
// reads for its monotonic part, at half the cost (no wall clock).
//
//go:linkname nanotime runtime.nanotime
func nanotime() int64

// report sorts samples (nanoseconds) and reports their percentiles, max
// and mean as metrics named prefix+"p50-ns" and so on. It reports nothing
// for no samples.
func report(b *testing.B, prefix string, samples []int64) {
	if len(samples) == 0 {
		return
	}
	slices.Sort(samples)
	var sum float64
	for _, s := range samples {
		sum += float64(s)
	}
	b.ReportMetric(float64(percentile(samples, 0.50)), prefix+"p50-ns")
	b.ReportMetric(float64(percentile(samples, 0.99)), prefix+"p99-ns")
	b.ReportMetric(float64(percentile(samples, 0.999)), prefix+"p999-ns")
	b.ReportMetric(float64(samples[len(samples)-1]), prefix+"max-ns")
	b.ReportMetric(sum/float64(len(samples)), prefix+"mean-ns")
}

// percentile returns the nearest-rank q-quantile of sorted, which must
// not be empty: the smallest sample that at least q of the samples do not
// exceed.
func percentile(sorted []int64, q float64) int64 {
	rank := int(q*float64(len(sorted))+0.999999999) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

// pacer spaces one producer's events by a pseudo-random gap of 5 to 50 µs.
// It spins on the clock rather than sleeping (a timer is far too coarse
// for gaps this short), yielding the processor on each turn so that the
// other producers and the drain run even when there are fewer processors
// than goroutines. Its zero value is not usable: make one with newPacer.
type pacer struct {
	state uint64 // xorshift state, never 0
}

func newPacer(seed int) pacer { return pacer{state: uint64(seed)*0x9E3779B97F4A7C15 | 1} }

const (
	minGap = 5_000  // ns
	maxGap = 50_000 // ns
)

// wait returns once a gap has passed since from (a nanotime reading).
func (p *pacer) wait(from int64) {
	p.state ^= p.state << 13
	p.state ^= p.state >> 7
	p.state ^= p.state << 17
	until := from + minGap + int64(p.state%(maxGap-minGap+1))
	for nanotime() < until {
		runtime.Gosched()
	}
}

// BenchmarkClockFloor times an empty interval the way BenchmarkSend times
// each Send: its percentiles are the clock overhead included in every
// latency sample.
func BenchmarkClockFloor(b *testing.B) {
	samples := make([]int64, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range samples {
		t0 := nanotime()
		samples[i] = nanotime() - t0
	}
	b.StopTimer()
	report(b, "", samples)
}

func TestPercentile(t *testing.T) {
	hundred := make([]int64, 100)
	for i := range hundred {
		hundred[i] = int64(i + 1)
	}
	tests := []struct {
		name string
		give []int64
		q    float64
		want int64
	}{
		{"one sample", []int64{7}, 0.99, 7},
		{"median of 100", hundred, 0.50, 50},
		{"p99 of 100", hundred, 0.99, 99},
		{"p999 of 100", hundred, 0.999, 100},
		{"p0 of 100", hundred, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.give, tt.q); got != tt.want {
				t.Errorf("percentile(%v samples, %v) = %d; want %d", len(tt.give), tt.q, got, tt.want)
			}
		})
	}
}

func TestPacerWaitsAtLeastMinGap(t *testing.T) {
	p := newPacer(1)
	for range 100 {
		from := nanotime()
		p.wait(from)
		if got := nanotime() - from; got < minGap {
			t.Fatalf("wait returned after %d ns; want at least %d", got, minGap)
		}
	}
}
