package main

import (
	"cmp"
	"fmt"
	"html"
	"math"
	"slices"
	"strings"
)

// The chart has two panels: the cost of one event end to end against the
// peers and the naive baseline, and the Send latency percentiles of each
// strategy and load shape, on a logarithmic axis.

const (
	chartWidth = 1060
	labelWidth = 250                           // left margin for row labels
	plotWidth  = chartWidth - labelWidth - 230 // and a right margin for values
	rowHeight  = 22
)

type svg struct{ strings.Builder }

func (s *svg) f(format string, args ...any) { fmt.Fprintf(&s.Builder, format, args...) }

func (s *svg) text(x, y float64, anchor, style, text string) {
	s.f(`<text x="%.1f" y="%.1f" text-anchor="%s" %s>%s</text>`+"\n", x, y, anchor, style, html.EscapeString(text))
}

type bar struct {
	label string
	v     float64
	color string
}

// drawChart returns the SVG chart of res at procs.
func drawChart(res results, procs int) string {
	var bars []bar
	for _, s := range peerSinks {
		if v, ok := res.median(peerName("typical", s, 8), procs, "ns/op"); ok {
			label, color := s, "#9aa5b1"
			if s == "spillway" {
				label, color = "spillway (jsonl.Open)", "#1f6feb"
			}
			if w, ok := res.median(peerName("typical", s, 8), procs, "written/op"); ok && w < 0.999 {
				label = fmt.Sprintf("%s (wrote %.0f%%)", s, 100*w)
			}
			bars = append(bars, bar{label, v, color})
		}
	}
	if v, ok := res.median(sustainedName("typical", "naive", "never", 8), procs, "ns/op"); ok {
		bars = append(bars, bar{"naive baseline (seed as is)", v, "#d9822b"})
	}
	slices.SortFunc(bars, func(a, b bar) int { return cmp.Compare(a.v, b.v) })

	type row struct {
		label          string
		p50, p99, p999 float64
	}
	var rows []row
	for _, shape := range []string{"burst", "paced", "full"} {
		for _, st := range strategies {
			name := sendName(shape, st, 8)
			p50, ok1 := res.median(name, procs, "p50-ns")
			p99, ok2 := res.median(name, procs, "p99-ns")
			p999, ok3 := res.median(name, procs, "p999-ns")
			if ok1 && ok2 && ok3 {
				rows = append(rows, row{shape + " · " + st, p50, p99, p999})
			}
		}
	}

	top1 := 40.0
	h1 := float64(len(bars)) * rowHeight
	top2 := top1 + h1 + 90
	h2 := float64(len(rows)) * rowHeight
	height := top2 + h2 + 60

	var s svg
	s.f(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%.0f" viewBox="0 0 %d %.0f" font-family="Helvetica, Arial, sans-serif" font-size="13">`+"\n",
		chartWidth, height, chartWidth, height)
	s.f(`<rect width="100%%" height="100%%" fill="white"/>` + "\n")

	// Panel 1: per event, end to end.
	s.text(12, top1-16, "start", `font-weight="bold" font-size="15"`,
		fmt.Sprintf("Per event, end to end into a file (typical event, 8 producers, GOMAXPROCS=%d), ns: lower is better", procs))
	maxV := 1.0
	for _, b := range bars {
		maxV = max(maxV, b.v)
	}
	for i, b := range bars {
		y := top1 + float64(i)*rowHeight
		w := b.v / maxV * plotWidth
		s.text(labelWidth-8, y+14, "end", "", b.label)
		s.f(`<rect x="%d" y="%.1f" width="%.1f" height="%d" fill="%s"/>`+"\n", labelWidth, y+3, max(w, 1), rowHeight-6, b.color)
		s.text(labelWidth+w+6, y+14, "start", "", fmtNs(b.v))
	}

	// Panel 2: Send latency, log scale.
	s.text(12, top2-40, "start", `font-weight="bold" font-size="15"`,
		fmt.Sprintf("Send latency on the producer's side (8 producers, GOMAXPROCS=%d): p50, p99, p999", procs))
	lo, hi := 10.0, 1000.0
	for _, r := range rows {
		hi = max(hi, r.p999)
	}
	hi = math.Pow(10, math.Ceil(math.Log10(hi)))
	x := func(v float64) float64 {
		v = min(max(v, lo), hi)
		return labelWidth + math.Log10(v/lo)/math.Log10(hi/lo)*plotWidth
	}
	for d := lo; d <= hi; d *= 10 {
		s.f(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e1e4e8"/>`+"\n", x(d), top2-4, x(d), top2+h2)
		s.text(x(d), top2+h2+16, "middle", `fill="#57606a"`, fmtTick(d))
	}
	// Legend.
	lx := float64(labelWidth)
	for _, m := range []struct{ name, color string }{{"p50", "#1f6feb"}, {"p99", "#d9822b"}, {"p999", "#cf222e"}} {
		s.f(`<circle cx="%.1f" cy="%.1f" r="5" fill="%s"/>`+"\n", lx, top2-20, m.color)
		s.text(lx+9, top2-16, "start", "", m.name)
		lx += 70
	}
	for i, r := range rows {
		y := top2 + float64(i)*rowHeight + rowHeight/2
		if i%2 == 0 {
			s.f(`<rect x="0" y="%.1f" width="%d" height="%d" fill="#f6f8fa"/>`+"\n", y-rowHeight/2, chartWidth, rowHeight)
		}
		s.text(labelWidth-8, y+4, "end", "", r.label)
		s.f(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#8c959f" stroke-width="2"/>`+"\n", x(r.p50), y, x(r.p999), y)
		s.f(`<circle cx="%.1f" cy="%.1f" r="5" fill="#1f6feb"/>`+"\n", x(r.p50), y)
		s.f(`<circle cx="%.1f" cy="%.1f" r="5" fill="#d9822b"/>`+"\n", x(r.p99), y)
		s.f(`<circle cx="%.1f" cy="%.1f" r="5" fill="#cf222e"/>`+"\n", x(r.p999), y)
		s.text(labelWidth+plotWidth+20, y+4, "start", `fill="#57606a" font-size="11"`,
			fmt.Sprintf("%s / %s / %s", fmtNs(r.p50), fmtNs(r.p99), fmtNs(r.p999)))
	}
	s.f("</svg>\n")
	return s.String()
}

// fmtTick formats a power of ten of nanoseconds for an axis.
func fmtTick(v float64) string {
	for _, u := range []struct {
		scale float64
		name  string
	}{{1e9, "s"}, {1e6, "ms"}, {1e3, "µs"}} {
		if v >= u.scale {
			return fmt.Sprintf("%g %s", v/u.scale, u.name)
		}
	}
	return fmt.Sprintf("%g ns", v)
}
