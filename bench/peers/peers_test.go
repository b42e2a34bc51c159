package peers_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/spillway-go/spillway/event"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// BenchmarkPeers writes b.N copies of one event from the producers into a
// file with each peer, and stops the clock once the peer has flushed and
// closed the file: ns/op is the cost of one event end to end. written/op
// is the share of the events that reached the file.
func BenchmarkPeers(b *testing.B) {
	for _, fx := range fixtures() {
		b.Run("event="+fx.name, func(b *testing.B) {
			for _, p := range peers {
				b.Run("sink="+p.name, func(b *testing.B) {
					for _, producers := range []int{1, 8} {
						b.Run(fmt.Sprintf("producers=%d", producers), func(b *testing.B) {
							runPeer(b, p, fx.ev, producers)
						})
					}
				})
			}
		})
	}
}

func runPeer(b *testing.B, p peer, ev event.CallEvent, producers int) {
	path := filepath.Join(b.TempDir(), "audit.jsonl")
	log, closeFn, err := p.open(path)
	if err != nil {
		b.Fatal(err)
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range producers {
		n := b.N / producers
		if i < b.N%producers {
			n++
		}
		wg.Go(func() {
			e := ev
			<-start
			for range n {
				log(&e)
			}
		})
	}
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
	close(start)
	wg.Wait()
	if err := closeFn(); err != nil {
		b.Fatalf("close: %v", err)
	}
	b.StopTimer()
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	written := bytes.Count(data, []byte{'\n'})
	b.ReportMetric(float64(written)/float64(b.N), "written/op")
	if written > b.N || written < b.N && p.name != "zerolog_diode" {
		b.Fatalf("%s wrote %d lines; want %d", p.name, written, b.N)
	}
}

// TestPeersWriteSameFields checks that every peer writes the same data as
// spillway's wire format: the same keys with the same values, so that the
// benchmark compares equal work.
func TestPeersWriteSameFields(t *testing.T) {
	for _, fx := range fixtures() {
		want := decode(t, fx.ev.AppendJSON(nil))
		for _, p := range peers {
			t.Run(fx.name+"/"+p.name, func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "audit.jsonl")
				log, closeFn, err := p.open(path)
				if err != nil {
					t.Fatal(err)
				}
				e := fx.ev
				log(&e)
				if err := closeFn(); err != nil {
					t.Fatalf("close: %v", err)
				}
				data, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if n := bytes.Count(data, []byte{'\n'}); n != 1 {
					t.Fatalf("%s wrote %d lines; want 1:\n%s", p.name, n, data)
				}
				if diff := cmp.Diff(want, decode(t, data)); diff != "" {
					t.Errorf("%s line mismatch (-want +got):\n%s", p.name, diff)
				}
			})
		}
	}
}

func decode(t *testing.T, line []byte) map[string]any {
	t.Helper()
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(line))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		t.Fatalf("decode %s: %v", line, err)
	}
	return m
}
