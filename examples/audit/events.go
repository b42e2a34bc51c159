package main

import (
	crand "crypto/rand"
	"encoding/binary"
	"math/rand/v2"
	"time"

	"github.com/spillway-go/spillway/event"
)

// The traffic of a tool-dispatch server: which tools are called, by whom,
// with which capabilities, and how the calls end.
var (
	tools   = []string{"ref:echo.say", "ref:fs.read", "ref:fs.write", "ref:http.get", "ref:db.query", "ref:search.web", "ref:mail.send"}
	callers = []string{"agent-A", "agent-B", "ingest-worker", "test-client", "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"}
	tiers   = []string{"hot", "warm", "warm", "warm", "cold"}

	// Capability sets, shared by the events that use them: the queue keeps
	// events until they are written, so nothing may modify these.
	capSets = [][]string{
		{},
		{"read"},
		{"read", "write"},
		{"records:read", "records:write", "net:fetch"},
	}
	// Provenance for capSets[2] and capSets[3].
	provenance = [][]event.CapProvenance{
		{
			{Cap: "read", Source: event.StringAllowList()},
			{Cap: "write", Source: event.UCANChain("did:key:zOperatorRoot", 0)},
		},
		{
			{Cap: "records:read", Source: event.StringAllowList()},
			{Cap: "records:write", Source: event.UCANChain("did:key:zClinicA", 1)},
			{Cap: "net:fetch", Source: event.UCANChain("did:key:zClinicA", 2)},
		},
	}
	errorCodes = []string{"FS_NOT_FOUND", "TIMEOUT", "UPSTREAM_5XX", "QUOTA_EXCEEDED"}
	badArgs    = []string{"missing field `path`", "`limit` must be at most 100", "invalid URL: relative path"}
)

// A generator makes one producer's events: a realistic mix, each with a
// unique call ID. It is not safe for concurrent use; each producer has its
// own.
type generator struct {
	rng *rand.Rand
	ids *idSource
}

func newGenerator(producer int, ids *idSource) *generator {
	return &generator{rng: rand.New(rand.NewPCG(uint64(producer), 0x5eed)), ids: ids}
}

// event returns the event of call number seq.
func (g *generator) event(seq uint64) event.CallEvent {
	r := g.rng
	caps := r.IntN(len(capSets))
	ev := event.New(
		event.Now(),
		g.ids.id(seq),
		tools[r.IntN(len(tools))],
		durationMS(r),
		g.outcome(),
		tiers[r.IntN(len(tiers))],
	).WithGrantedCapabilities(capSets[caps])

	if c := r.IntN(len(callers) + 1); c < len(callers) {
		ev = ev.WithCallerID(callers[c]) // else: an anonymous call, no caller_id
	}
	if caps >= 2 && r.IntN(2) == 0 {
		ev = ev.WithCapabilityProvenance(provenance[caps-2])
	}
	if r.IntN(20) == 0 {
		ev = ev.WithCursorPage(uint32(1 + r.IntN(5)))
	}
	if r.IntN(50) == 0 {
		ev = ev.WithDryRun(true)
	}
	if r.IntN(3) == 0 {
		ev = ev.WithSecretsResolved(true)
	}
	return ev
}

// outcome draws how a call ended: mostly successes.
func (g *generator) outcome() event.Outcome {
	r := g.rng
	switch p := r.IntN(100); {
	case p < 80:
		return event.Success()
	case p < 87:
		return event.ExecutionFailed(errorCodes[r.IntN(len(errorCodes))], r.IntN(2) == 0)
	case p < 91:
		return event.InvalidArgs(badArgs[r.IntN(len(badArgs))])
	case p < 95:
		return event.CapabilityDenied([]string{"records:write"})
	case p < 98:
		if r.IntN(2) == 0 {
			return event.RateLimited(0, false) // retry_after_ms: null
		}
		return event.RateLimited(uint64(100*(1+r.IntN(50))), true)
	default:
		return event.ToolNotFound()
	}
}

// durationMS draws a call's duration: most are quick, a few are slow.
func durationMS(r *rand.Rand) uint64 {
	if r.IntN(10) == 0 {
		return uint64(200 + r.IntN(5000))
	}
	return uint64(r.IntN(60))
}

// An idSource makes call IDs that look like the reference's ULIDs: 26
// characters of Crockford base32, 48 bits of the run's start time in
// milliseconds and 80 bits of randomness drawn once per run, plus the
// call's number. IDs are unique within a run, and across runs but for an
// 80-bit collision; they sort by run. It is safe for concurrent use.
type idSource struct {
	hi uint64 // time (48 bits) and the top 16 random bits
	lo uint64 // the low 64 random bits
}

func newIDSource(start time.Time) *idSource {
	var b [10]byte
	crand.Read(b[:]) // never fails
	return &idSource{
		hi: uint64(start.UnixMilli())<<16 | uint64(binary.BigEndian.Uint16(b[:2])),
		lo: binary.BigEndian.Uint64(b[2:]),
	}
}

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// id returns the ID of call number seq: the run's random part plus seq,
// as a monotonic ULID generator would make them within one millisecond.
func (s *idSource) id(seq uint64) string {
	lo := s.lo + seq
	hi := s.hi
	if lo < s.lo {
		hi++ // carry
	}
	var out [26]byte
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:])
}
