package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// A report writes RESULTS.md from a run's results.
type report struct {
	res   results
	meta  map[string]string
	procs int    // the machine's processor count: the GOMAXPROCS targets are read at
	dir   string // the run's directory
	chart string // the chart's file name, beside RESULTS.md
	notes string // a hand-written analysis to include, if the file exists
	b     strings.Builder
}

func (r *report) f(format string, args ...any) { fmt.Fprintf(&r.b, format, args...) }

// med returns the median of a unit at the report's procs.
func (r *report) med(name, unit string) (float64, bool) { return r.res.median(name, r.procs, unit) }

// ns formats the median of a unit in nanoseconds at procs, or "n/a".
func (r *report) ns(name string, procs int, unit string) string {
	if v, ok := r.res.median(name, procs, unit); ok {
		return fmtNs(v)
	}
	return "n/a"
}

// num formats the median of a unit at procs with format, or "n/a".
func (r *report) num(name string, procs int, unit, format string) string {
	if v, ok := r.res.median(name, procs, unit); ok {
		return fmt.Sprintf(format, v)
	}
	return "n/a"
}

var (
	strategies = []string{"drop", "block", "block_for", "fallback", "naive_drop"}
	events     = []string{"typical", "fat"}
	peerSinks  = []string{"spillway", "zerolog_bufio", "zerolog_diode", "zap_marshaler", "zap_fields", "slog_bufio"}
)

func (r *report) markdown() string {
	m := r.meta
	r.f("# Benchmark results\n\n")
	r.f("Written by `bench/run.sh` (do not edit by hand: run it again). Every figure is the median of %s runs; ", m["count"])
	r.f("benchstat's tables with their confidence intervals are at the end. The benchmarks are described in ")
	r.f("[bench/doc.go](doc.go) and [bench/peers/doc.go](peers/doc.go).\n\n")
	r.f("![Per-event cost against the peers, and Send latency per strategy](%s)\n\n", r.chart)

	r.f("## Machine\n\n| | |\n|---|---|\n")
	for _, k := range []string{"date", "commit", "go", "cpu", "nproc", "kernel", "load_before", "load_after", "duration"} {
		if v, ok := m[k]; ok {
			r.f("| %s | %s |\n", strings.ReplaceAll(k, "_", " "), v)
		}
	}
	r.f("\nThe machine is shared: other work running at the same time shows up as noise, mostly in the tails.\n\n")

	ts := targets(r.res, r.procs)
	r.headline(ts)
	r.targetsTable(ts)
	r.sendTables()
	r.sustainedTable()
	r.encodeTable()
	r.peersTable()
	r.missedProfiles(ts)
	r.analysis()
	r.benchstat()
	return r.b.String()
}

func (r *report) headline(ts []target) {
	met, known := 0, 0
	for _, t := range ts {
		if t.known {
			known++
			if t.met {
				met++
			}
		}
	}
	r.f("## Headline\n\n")
	r.f("- **Targets**: %d of %d met (%d not measured in this run).\n", met, known, len(ts)-known)
	burst := sendName("burst", "drop", 8)
	r.f("- **Send under burst** (Drop, 8 producers, %d CPUs): p50 %s, p99 %s, p999 %s, %s allocs/op; the naive channel: p50 %s, p99 %s.\n",
		r.procs, r.ns(burst, r.procs, "p50-ns"), r.ns(burst, r.procs, "p99-ns"), r.ns(burst, r.procs, "p999-ns"),
		r.num(burst, r.procs, "allocs/op", "%g"),
		r.ns(sendName("burst", "naive_drop", 8), r.procs, "p50-ns"), r.ns(sendName("burst", "naive_drop", 8), r.procs, "p99-ns"))
	for _, p := range []int{1, 8} {
		paced, naive := sendName("paced", "drop", p), sendName("paced", "naive_drop", p)
		r.f("- **Send under paced load** (%d producer(s)): p50 %s, p99 %s, delivered %s (p50) / %s (p99) after Send returned; the naive channel, which wakes its drain on every Send: p50 %s, p99 %s, delivered after %s / %s.\n",
			p, r.ns(paced, r.procs, "p50-ns"), r.ns(paced, r.procs, "p99-ns"),
			r.ns(paced, r.procs, "delay-p50-ns"), r.ns(paced, r.procs, "delay-p99-ns"),
			r.ns(naive, r.procs, "p50-ns"), r.ns(naive, r.procs, "p99-ns"),
			r.ns(naive, r.procs, "delay-p50-ns"), r.ns(naive, r.procs, "delay-p99-ns"))
	}
	for _, p := range []int{1, 8} {
		sw, ok1 := r.med(sustainedName("typical", "spillway", "never", p), "events/s")
		nv, ok2 := r.med(sustainedName("typical", "naive", "never", p), "events/s")
		gc, ok3 := r.med(sustainedName("typical", "spillway", "batch", p), "events/s")
		if ok1 && ok2 && ok3 {
			r.f("- **Into a file** (typical event, %d producer(s)): %s, %.1f× the naive baseline (%s); with an fsync per batch %s.\n",
				p, fmtRate(sw), sw/nv, fmtRate(nv), fmtRate(gc))
		}
	}
	sw, ok := r.med(peerName("typical", "spillway", 8), "ns/op")
	if ok {
		var parts []string
		for _, s := range peerSinks[1:] {
			if v, ok := r.med(peerName("typical", s, 8), "ns/op"); ok {
				parts = append(parts, fmt.Sprintf("%s %s (%.1f×)", s, fmtNs(v), v/sw))
			}
		}
		r.f("- **Per event, end to end** (typical, 8 producers): spillway %s; %s.\n", fmtNs(sw), strings.Join(parts, ", "))
	}
	if v, ok := r.res.median("BenchmarkClockFloor", r.procs, "p50-ns"); ok {
		r.f("- Every latency sample includes the clock's own overhead: %s at the median (BenchmarkClockFloor). The figures here are as measured, not corrected for it.\n", fmtNs(v))
	}
	r.f("\n")
}

func (r *report) targetsTable(ts []target) {
	r.f("## Targets (issue 5)\n\nMedians at GOMAXPROCS=%d (the machine's processors); comparisons within this run.\n\n", r.procs)
	r.f("| target | bound | measured | verdict |\n|---|---|---|---|\n")
	for _, t := range ts {
		verdict := "not measured"
		switch {
		case t.known && t.met:
			verdict = "met"
		case t.known:
			verdict = "**missed** " + t.miss
		}
		r.f("| %s | %s | %s | %s |\n", t.what, t.bound, t.measured, verdict)
	}
	r.f("\nA ratio is spillway's figure divided by the other's: events per second for the baseline (higher is better), ns per event for the peers (lower is better).\n\n")
}

func (r *report) sendTables() {
	r.f("## Send latency\n\n")
	r.f("Per-call latency of Send on the producer's side (see bench/doc.go). ns/op is the wall time of the whole run divided by the number of Sends (for paced runs, mostly the pacing); the percentiles are of the individual Sends. dropped/op is the share of Sends that returned an error (ErrQueueFull). `procs` is GOMAXPROCS (`-cpu`).\n\n")
	for _, shape := range []string{"burst", "paced", "full"} {
		r.f("### shape=%s\n\n", shape)
		head := "| strategy | producers | procs | p50 | p99 | p999 | max | mean | ns/op | allocs/op | dropped/op |"
		sep := "|---|---|---|---|---|---|---|---|---|---|---|"
		if shape == "paced" {
			head += " delay p50 | delay p99 | delay p999 | delay max |"
			sep += "---|---|---|---|"
		}
		r.f("%s\n%s\n", head, sep)
		for _, s := range strategies {
			for _, p := range []int{1, 8} {
				name := sendName(shape, s, p)
				for _, procs := range []int{1, r.procs} {
					if r.res.count(name, procs) == 0 {
						continue
					}
					r.f("| %s | %d | %d | %s | %s | %s | %s | %s | %s | %s | %s |", s, p, procs,
						r.ns(name, procs, "p50-ns"), r.ns(name, procs, "p99-ns"), r.ns(name, procs, "p999-ns"),
						r.ns(name, procs, "max-ns"), r.ns(name, procs, "mean-ns"), r.ns(name, procs, "ns/op"),
						r.num(name, procs, "allocs/op", "%g"), r.num(name, procs, "dropped/op", "%.3f"))
					if shape == "paced" {
						r.f(" %s | %s | %s | %s |", r.ns(name, procs, "delay-p50-ns"), r.ns(name, procs, "delay-p99-ns"),
							r.ns(name, procs, "delay-p999-ns"), r.ns(name, procs, "delay-max-ns"))
					}
					r.f("\n")
				}
			}
		}
		r.f("\n")
	}
}

func (r *report) sustainedTable() {
	r.f("## Sustained throughput into a file\n\n")
	r.f("b.N events from the producers into a file in a temporary directory under Block, the clock stopped after Close. `× naive` compares events/s with the naive baseline for the same event and producers.\n\n")
	r.f("| event | sink | sync | producers | ns/event | events/s | MB/s | allocs/op | × naive |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, ev := range events {
		for _, c := range [][2]string{{"spillway", "never"}, {"spillway", "batch"}, {"naive", "never"}} {
			for _, p := range []int{1, 8} {
				name := sustainedName(ev, c[0], c[1], p)
				if r.res.count(name, r.procs) == 0 {
					continue
				}
				ratio := "n/a"
				v, ok1 := r.med(name, "events/s")
				n, ok2 := r.med(sustainedName(ev, "naive", "never", p), "events/s")
				if ok1 && ok2 && n > 0 {
					ratio = fmt.Sprintf("%.1f×", v/n)
				}
				r.f("| %s | %s | %s | %d | %s | %s | %s | %s | %s |\n", ev, c[0], c[1], p,
					r.ns(name, r.procs, "ns/op"), fmtRateOK(v, ok1), r.num(name, r.procs, "MB/s", "%.0f"),
					r.num(name, r.procs, "allocs/op", "%g"), ratio)
			}
		}
	}
	r.f("\n")
}

func fmtRateOK(v float64, ok bool) string {
	if !ok {
		return "n/a"
	}
	return fmtRate(v)
}

func (r *report) encodeTable() {
	r.f("## Encoding one event\n\n")
	r.f("| event | encoder | ns/op | MB/s | B/op | allocs/op | × AppendJSON |\n|---|---|---|---|---|---|---|\n")
	for _, ev := range events {
		base, okB := r.med(encodeName(ev, "append_json"), "ns/op")
		for _, enc := range []string{"append_json", "encoding_json", "json_marshal_method"} {
			name := encodeName(ev, enc)
			v, ok := r.med(name, "ns/op")
			if !ok {
				continue
			}
			ratio := "n/a"
			if okB && base > 0 {
				ratio = fmt.Sprintf("%.1f×", v/base)
			}
			r.f("| %s | %s | %s | %s | %s | %s | %s |\n", ev, enc, fmtNs(v), r.num(name, r.procs, "MB/s", "%.0f"),
				r.num(name, r.procs, "B/op", "%g"), r.num(name, r.procs, "allocs/op", "%g"), ratio)
		}
	}
	r.f("\nencoding_json is json.Marshal of the seed's struct (the naive baseline's encoder); json_marshal_method is json.Marshal of a CallEvent, which calls its MarshalJSON and then re-validates the bytes.\n\n")
}

func (r *report) peersTable() {
	r.f("## Against the peers (bench/peers)\n\n")
	r.f("The same event, written to a file in a temporary directory by each library, the clock stopped once everything is flushed and closed. written/op is the share of events that reached the file (a diode overwrites what its reader has not taken). `÷ spillway` is the peer's ns/event over spillway's for the same event and producers: how many times spillway's cost the peer pays.\n\n")
	r.f("| event | sink | producers | ns/event | B/op | allocs/op | written/op | ÷ spillway |\n|---|---|---|---|---|---|---|---|\n")
	for _, ev := range events {
		for _, s := range peerSinks {
			for _, p := range []int{1, 8} {
				name := peerName(ev, s, p)
				v, ok := r.med(name, "ns/op")
				if !ok {
					continue
				}
				ratio := "n/a"
				if sw, ok := r.med(peerName(ev, "spillway", p), "ns/op"); ok && sw > 0 {
					ratio = fmt.Sprintf("%.2f×", v/sw)
				}
				r.f("| %s | %s | %d | %s | %s | %s | %s | %s |\n", ev, s, p, fmtNs(v),
					r.num(name, r.procs, "B/op", "%g"), r.num(name, r.procs, "allocs/op", "%g"),
					r.num(name, r.procs, "written/op", "%.3f"), ratio)
			}
		}
	}
	r.f("\n")
}

var goShape = regexp.MustCompile(`go\.shape\.[0-9a-f]+`)

// missedProfiles shows, for each profile some missed target points to,
// the top of the profile.
func (r *report) missedProfiles(ts []target) {
	byProfile := map[string][]string{}
	var ids []string
	for _, t := range ts {
		if !t.known || t.met || t.profile == "" {
			continue
		}
		if _, seen := byProfile[t.profile]; !seen {
			ids = append(ids, t.profile)
		}
		byProfile[t.profile] = append(byProfile[t.profile], t.what)
	}
	if len(ids) == 0 {
		return
	}
	r.f("## Where the time goes in the missed targets\n\n")
	r.f("The top of a `-cpuprofile` of one run of the benchmark each missed target is read from (`go tool pprof -top`, flat time).\n\n")
	for _, id := range ids {
		data, err := os.ReadFile(filepath.Join(r.dir, "prof", id+".txt"))
		if err != nil {
			r.f("### %s\n\nno profile: %v\n\n", id, err)
			continue
		}
		// Shorten generic instantiations: go.shape.<hash> says nothing.
		text := goShape.ReplaceAllString(strings.TrimSpace(string(data)), "go.shape")
		lines := strings.Split(text, "\n")
		lines = lines[:min(len(lines), 32)]
		r.f("### %s\n\nFor: %s.\n\n```\n%s\n```\n\n", id, strings.Join(byProfile[id], "; "), strings.Join(lines, "\n"))
	}
}

// analysis includes the hand-written analysis of the run, if there is one.
func (r *report) analysis() {
	if r.notes == "" {
		return
	}
	data, err := os.ReadFile(r.notes)
	if err != nil {
		return
	}
	r.f("%s\n\n", strings.TrimSpace(string(data)))
}

func (r *report) benchstat() {
	paths, _ := filepath.Glob(filepath.Join(r.dir, "stat", "*.txt"))
	if len(paths) == 0 {
		return
	}
	slices.Sort(paths)
	r.f("## benchstat\n\nbenchstat's summary of each suite: median ± the 95%% confidence interval over the runs.\n\n")
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		name := strings.TrimSuffix(filepath.Base(path), ".txt")
		r.f("<details><summary>%s</summary>\n\n```\n%s\n```\n\n</details>\n\n", name, strings.TrimSpace(string(data)))
	}
}
