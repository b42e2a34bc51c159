// Command report turns the output of bench/run.sh into bench/RESULTS.md
// and the chart it shows.
//
// It reads the run's directory: meta.txt (the machine, as "key: value"
// lines), raw/*.txt (the `go test -bench` output of each suite),
// stat/*.txt (benchstat's summary of each) and prof/*.txt (`go tool pprof
// -top` of the profiled benchmarks). It writes the medians as tables, the
// ratios against the naive baseline and the peers, each target of issue 5
// with its verdict, the profiles of the missed ones, a hand-written
// analysis (-analysis, when the file exists), benchstat's tables, and an
// SVG chart.
//
// Usage:
//
//	go run ./bench/internal/report -dir DIR -out bench/RESULTS.md -chart bench/chart.svg
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

func main() {
	dir := flag.String("dir", "", "directory written by bench/run.sh")
	out := flag.String("out", "bench/RESULTS.md", "results file to write")
	chart := flag.String("chart", "bench/chart.svg", "chart file to write")
	notes := flag.String("analysis", "", "hand-written analysis to include in the results, if the file exists")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "report: -dir is required")
		os.Exit(2)
	}
	if err := run(*dir, *out, *chart, *notes); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

func run(dir, out, chart, notes string) error {
	meta, err := readMeta(filepath.Join(dir, "meta.txt"))
	if err != nil {
		return err
	}
	res := results{}
	raws, err := filepath.Glob(filepath.Join(dir, "raw", "*.txt"))
	if err != nil {
		return err
	}
	for _, path := range raws {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		err = res.parse(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	procs, _ := strconv.Atoi(meta["nproc"])
	if procs == 0 {
		procs = 2
	}
	r := &report{res: res, meta: meta, procs: procs, dir: dir, chart: filepath.Base(chart), notes: notes}
	if err := os.WriteFile(out, []byte(r.markdown()), 0o644); err != nil {
		return err
	}
	return os.WriteFile(chart, []byte(drawChart(res, procs)), 0o644)
}

// readMeta reads "key: value" lines.
func readMeta(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m := make(map[string]string)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok {
			m[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return m, sc.Err()
}
