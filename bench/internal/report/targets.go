package main

import (
	"fmt"
	"math"
)

// Benchmark names, as the bench and bench/peers packages spell them.

func sendName(shape, strat string, producers int) string {
	return fmt.Sprintf("BenchmarkSend/shape=%s/strategy=%s/producers=%d", shape, strat, producers)
}

func sustainedName(ev, sink, sync string, producers int) string {
	return fmt.Sprintf("BenchmarkSustained/event=%s/sink=%s/sync=%s/producers=%d", ev, sink, sync, producers)
}

func encodeName(ev, enc string) string {
	return fmt.Sprintf("BenchmarkEncode/event=%s/enc=%s", ev, enc)
}

func peerName(ev, sink string, producers int) string {
	return fmt.Sprintf("BenchmarkPeers/event=%s/sink=%s/producers=%d", ev, sink, producers)
}

// A target is one bound of issue 5, checked against a median.
type target struct {
	what     string  // what is measured
	bound    string  // the bound, as the issue states it
	measured string  // the median, formatted; "n/a" when missing
	known    bool    // a measurement exists
	met      bool    // the bound holds
	miss     string  // by how much it is missed, when it is
	profile  string  // the id of the profile that shows where time goes
	value    float64 // the median, for the summary
}

// targets checks every target of issue 5 against the medians at procs
// (the machine's processor count).
func targets(res results, procs int) []target {
	var ts []target
	maxNs := func(what, name, unit string, bound float64, profile string) {
		v, ok := res.median(name, procs, unit)
		t := target{what: what, bound: "≤ " + fmtNs(bound), profile: profile, known: ok, value: v, measured: "n/a"}
		if ok {
			t.measured = fmtNs(v)
			t.met = v <= bound
			if !t.met {
				t.miss = fmt.Sprintf("by %s (%.0f%% over)", fmtNs(v-bound), 100*(v-bound)/bound)
			}
		}
		ts = append(ts, t)
	}
	zeroAllocs := func(what, name, profile string) {
		v, ok := res.median(name, procs, "allocs/op")
		t := target{what: what, bound: "0 allocs/op", profile: profile, known: ok, value: v, measured: "n/a"}
		if ok {
			t.measured = fmt.Sprintf("%g allocs/op", v)
			t.met = v == 0
			if !t.met {
				t.miss = fmt.Sprintf("by %g allocs/op", v)
			}
		}
		ts = append(ts, t)
	}
	minRate := func(what, name string, bound float64, profile string) {
		v, ok := res.median(name, procs, "events/s")
		t := target{what: what, bound: "≥ " + fmtRate(bound), profile: profile, known: ok, value: v, measured: "n/a"}
		if ok {
			t.measured = fmtRate(v)
			t.met = v >= bound
			if !t.met {
				t.miss = fmt.Sprintf("by %s (%.0f%% short)", fmtRate(bound-v), 100*(bound-v)/bound)
			}
		}
		ts = append(ts, t)
	}
	// ratio checks num/den against bound: at least bound when atLeast,
	// at most bound otherwise.
	ratio := func(what string, num, den float64, ok bool, bound float64, atLeast bool, boundText, profile string) {
		t := target{what: what, bound: boundText, profile: profile, known: ok, measured: "n/a"}
		if ok && den > 0 {
			r := num / den
			t.value = r
			t.measured = fmt.Sprintf("%.2f×", r)
			if atLeast {
				t.met = r >= bound
			} else {
				t.met = r <= bound
			}
			if !t.met {
				t.miss = fmt.Sprintf("by %.2f× (%.0f%%)", math.Abs(r-bound), 100*math.Abs(r-bound)/bound)
			}
		}
		ts = append(ts, t)
	}

	for _, p := range []int{1, 8} {
		zeroAllocs(fmt.Sprintf("Send, burst, Drop, %d producer(s)", p), sendName("burst", "drop", p), "")
		zeroAllocs(fmt.Sprintf("Send, full queue, Drop, %d producer(s)", p), sendName("full", "drop", p), "")
		zeroAllocs(fmt.Sprintf("Send, paced (room), Drop, %d producer(s)", p), sendName("paced", "drop", p), "")
	}
	for _, p := range []int{1, 8} {
		maxNs(fmt.Sprintf("Send p50, burst, Drop, %d producer(s)", p), sendName("burst", "drop", p), "p50-ns", 50, "send_burst_drop_8")
		maxNs(fmt.Sprintf("Send p50, full queue, Drop, %d producer(s)", p), sendName("full", "drop", p), "p50-ns", 50, "send_full_drop_8")
	}
	maxNs("Send p99, burst, Drop, 8 producers", sendName("burst", "drop", 8), "p99-ns", 300, "send_burst_drop_8")
	for _, p := range []int{1, 8} {
		maxNs(fmt.Sprintf("Send p99, full queue (drop path), Drop, %d producer(s)", p), sendName("full", "drop", p), "p99-ns", 100, "send_full_drop_8")
	}
	for _, p := range []int{1, 8} {
		maxNs(fmt.Sprintf("Send p50, paced, Drop, %d producer(s)", p), sendName("paced", "drop", p), "p50-ns", 50, "")
		maxNs(fmt.Sprintf("Send p99, paced, Drop, %d producer(s)", p), sendName("paced", "drop", p), "p99-ns", 1000, "")
		maxNs(fmt.Sprintf("Delivery delay p99, paced, Drop, %d producer(s)", p), sendName("paced", "drop", p), "delay-p99-ns", 1e6, "")
	}
	for _, p := range []int{1, 8} {
		minRate(fmt.Sprintf("Sustained, sync never, typical, %d producer(s)", p),
			sustainedName("typical", "spillway", "never", p), 4e6, "sustained_never_typical_8")
		s, ok1 := res.median(sustainedName("typical", "spillway", "never", p), procs, "events/s")
		n, ok2 := res.median(sustainedName("typical", "naive", "never", p), procs, "events/s")
		ratio(fmt.Sprintf("Sustained, sync never, typical, %d producer(s): spillway ÷ naive baseline", p),
			s, n, ok1 && ok2, 8, true, "≥ 8×", "sustained_never_typical_8")
		minRate(fmt.Sprintf("Sustained, sync every batch, typical, %d producer(s)", p),
			sustainedName("typical", "spillway", "batch", p), 1.5e6, "sustained_batch_typical_8")
	}
	for _, p := range []int{1, 8} {
		s, okS := res.median(peerName("typical", "spillway", p), procs, "ns/op")
		for _, peer := range []struct {
			sink  string
			bound float64
			text  string
		}{
			{"zap_fields", 1.0 / 3, "≤ 0.33×"},
			{"zap_marshaler", 1.0 / 3, "≤ 0.33×"},
			{"zerolog_diode", 1.0 / 3, "≤ 0.33×"},
			{"zerolog_bufio", 1.0 / 2, "≤ 0.50×"},
		} {
			v, ok := res.median(peerName("typical", peer.sink, p), procs, "ns/op")
			ratio(fmt.Sprintf("Per event end to end, typical, %d producer(s): spillway ÷ %s", p, peer.sink),
				s, v, okS && ok, peer.bound, false, peer.text, "peers_spillway_typical_8")
		}
	}
	return ts
}

// fmtNs formats a duration in nanoseconds.
func fmtNs(v float64) string {
	switch a := math.Abs(v); {
	case a < 1e3:
		return fmt.Sprintf("%.0f ns", v)
	case a < 1e6:
		return fmt.Sprintf("%.2f µs", v/1e3)
	case a < 1e9:
		return fmt.Sprintf("%.2f ms", v/1e6)
	}
	return fmt.Sprintf("%.2f s", v/1e9)
}

// fmtRate formats events per second.
func fmtRate(v float64) string {
	if math.Abs(v) >= 1e6 {
		return fmt.Sprintf("%.2fM/s", v/1e6)
	}
	return fmt.Sprintf("%.0fk/s", v/1e3)
}
