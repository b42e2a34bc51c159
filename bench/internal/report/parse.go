package main

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// A results holds every measurement of a run: for each benchmark (its
// full name without the GOMAXPROCS suffix) and GOMAXPROCS, the values of
// each unit, one per -count repetition.
type results map[key]map[string][]float64

type key struct {
	name  string // "BenchmarkSend/shape=burst/strategy=drop/producers=8"
	procs int
}

var procsSuffix = regexp.MustCompile(`^(.*)-(\d+)$`)

// parse reads the lines of `go test -bench` output from r into res.
// Lines that are not benchmark results are skipped.
func (res results) parse(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
			continue
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue // not a result line (a log line that starts alike)
		}
		k := key{name: f[0], procs: 1}
		if m := procsSuffix.FindStringSubmatch(f[0]); m != nil {
			k.name = m[1]
			k.procs, _ = strconv.Atoi(m[2])
		}
		if res[k] == nil {
			res[k] = make(map[string][]float64)
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return fmt.Errorf("parse %q: value %q: %w", f[0], f[i], err)
			}
			res[k][f[i+1]] = append(res[k][f[i+1]], v)
		}
	}
	return sc.Err()
}

// median returns the median of the named benchmark's unit at procs, as
// benchstat computes it, and whether there is any value.
func (res results) median(name string, procs int, unit string) (float64, bool) {
	vs := res[key{name, procs}][unit]
	if len(vs) == 0 {
		return 0, false
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2], true
	}
	return (s[n/2-1] + s[n/2]) / 2, true
}

// count returns how many repetitions of the benchmark were measured.
func (res results) count(name string, procs int) int {
	return len(res[key{name, procs}]["ns/op"])
}
