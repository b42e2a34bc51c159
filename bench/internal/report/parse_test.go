package main

import (
	"strings"
	"testing"
)

const sample = `goos: linux
pkg: github.com/spillway-go/spillway/bench
BenchmarkSend/shape=burst/strategy=drop/producers=8-2   	 1000000	        81.75 ns/op	         0.9788 dropped/op	        40.00 p50-ns	       0 B/op	       0 allocs/op
BenchmarkSend/shape=burst/strategy=drop/producers=8-2   	 1000000	        90.00 ns/op	         0.9700 dropped/op	        50.00 p50-ns	       0 B/op	       0 allocs/op
BenchmarkSend/shape=burst/strategy=drop/producers=8-2   	 1000000	        70.00 ns/op	         0.9700 dropped/op	        30.00 p50-ns	       0 B/op	       0 allocs/op
BenchmarkSend/shape=burst/strategy=drop/producers=8     	 1000000	        60.00 ns/op	         0.9700 dropped/op	        20.00 p50-ns	       0 B/op	       0 allocs/op
BenchmarkSustained/event=typical/sink=spillway/sync=never/producers=1-2   	  300000	       268.8 ns/op	1067.73 MB/s	   3720298 events/s	       2 B/op	       0 allocs/op
PASS
`

func TestParseAndMedian(t *testing.T) {
	res := results{}
	if err := res.parse(strings.NewReader(sample)); err != nil {
		t.Fatalf("parse() = %v; want nil", err)
	}
	tests := []struct {
		name  string
		procs int
		unit  string
		want  float64
	}{
		{"BenchmarkSend/shape=burst/strategy=drop/producers=8", 2, "p50-ns", 40},
		{"BenchmarkSend/shape=burst/strategy=drop/producers=8", 2, "ns/op", 81.75},
		{"BenchmarkSend/shape=burst/strategy=drop/producers=8", 1, "p50-ns", 20},
		{"BenchmarkSustained/event=typical/sink=spillway/sync=never/producers=1", 2, "events/s", 3720298},
		{"BenchmarkSustained/event=typical/sink=spillway/sync=never/producers=1", 2, "MB/s", 1067.73},
	}
	for _, tt := range tests {
		got, ok := res.median(tt.name, tt.procs, tt.unit)
		if !ok || got != tt.want {
			t.Errorf("median(%s, %d, %s) = %v, %v; want %v, true", tt.name, tt.procs, tt.unit, got, ok, tt.want)
		}
	}
	if _, ok := res.median("BenchmarkNone", 2, "ns/op"); ok {
		t.Errorf("median(BenchmarkNone) found a value; want none")
	}
}

func TestTargetVerdicts(t *testing.T) {
	res := results{}
	if err := res.parse(strings.NewReader(sample)); err != nil {
		t.Fatal(err)
	}
	var p50, rate *target
	ts := targets(res, 2)
	for i := range ts {
		switch ts[i].what {
		case "Send p50, burst, Drop, 8 producer(s)":
			p50 = &ts[i]
		case "Sustained, sync never, typical, 1 producer(s)":
			rate = &ts[i]
		}
	}
	if p50 == nil || !p50.known || !p50.met {
		t.Errorf("burst p50 target = %+v; want known and met (40 ns ≤ 50 ns)", p50)
	}
	if rate == nil || !rate.known || rate.met || !strings.Contains(rate.miss, "short") {
		t.Errorf("sustained rate target = %+v; want known and missed (3.72M/s < 4M/s)", rate)
	}
}
