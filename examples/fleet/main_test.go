package main

import (
	"bytes"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestRun(t *testing.T) {
	tests := []struct {
		name string
		give config
	}{
		{"steady", config{servers: 3, n: 400}},
		{"outage", config{servers: 3, n: 2000, outage: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.give.dir = t.TempDir()
			var out bytes.Buffer
			sum, err := run(t.Context(), tt.give, &out)
			t.Logf("output:\n%s", out.String())
			if err != nil {
				t.Fatalf("run(%+v) = %v; want nil", tt.give, err)
			}
			sent := tt.give.servers * tt.give.n
			if sum.Sent != sent || sum.Lost != 0 {
				t.Errorf("run(%+v) = %+v; want %d sent, none lost", tt.give, sum, sent)
			}
			if !tt.give.outage && (sum.InStream != sent || sum.InFallback != 0) {
				t.Errorf("run(%+v) = %+v; want all %d in the stream, none in the fallback", tt.give, sum, sent)
			}
			if tt.give.outage && sum.InFallback == 0 {
				t.Errorf("run(%+v) = %+v; want some events in the fallback files", tt.give, sum)
			}
			if want := "events lost"; !strings.Contains(out.String(), want) {
				t.Errorf("output does not say %q", want)
			}
		})
	}
}

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name    string
		give    []string
		want    config
		wantErr string
	}{
		{"defaults", nil, config{servers: 4, n: 5000}, ""},
		{"all", []string{"-servers", "2", "-n", "10", "-outage", "-dir", "d"}, config{servers: 2, n: 10, outage: true, dir: "d"}, ""},
		{"no servers", []string{"-servers", "0"}, config{}, "-servers 0"},
		{"no events", []string{"-n", "-1"}, config{}, "-n -1"},
		{"argument", []string{"extra"}, config{}, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseFlags(tt.give)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("parseFlags(%q) = %v; want an error containing %q", tt.give, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("parseFlags(%q) = %+v, %v; want %+v, nil", tt.give, got, err, tt.want)
			}
		})
	}
}
