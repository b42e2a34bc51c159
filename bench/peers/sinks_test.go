package peers_test

import (
	"bufio"
	"context"
	"io"
	"log"
	"log/slog"
	"os"
	"time"

	"github.com/rs/zerolog"
	"github.com/rs/zerolog/diode"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/spillway-go/spillway/event"
	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/sink/jsonl"
	"github.com/spillway-go/spillway/strategy"
)

// A peer is one way of writing events to a file. open starts writing to
// the file at path and returns a function that writes one event (safe for
// concurrent use) and one that flushes everything to the file and closes
// it.
type peer struct {
	name string
	open func(path string) (log func(*event.CallEvent), close func() error, err error)
}

var peers = []peer{
	{"spillway", openSpillway},
	{"zap_fields", openZap(logZapFields)},
	{"zap_marshaler", openZap(logZapMarshaler)},
	{"zerolog_diode", openZerologDiode},
	{"zerolog_bufio", openZerologBufio},
	{"slog_bufio", openSlog},
}

// bufSize is the buffer of the bufio peers: zap's BufferedWriteSyncer's
// default, so that every buffered peer buffers as much.
const bufSize = 256 << 10

func create(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
}

func openSpillway(path string) (func(*event.CallEvent), func() error, error) {
	s, err := jsonl.Open(path, &jsonl.Options[event.CallEvent]{
		Queue: pipeline.QueueOptions[event.CallEvent]{Strategy: strategy.Block},
	})
	if err != nil {
		return nil, nil, err
	}
	ctx := context.Background()
	log := func(e *event.CallEvent) { s.Send(ctx, *e) }
	return log, func() error { return s.Close(ctx) }, nil
}

// zap

func openZap(logEvent func(*zap.Logger, *event.CallEvent)) func(string) (func(*event.CallEvent), func() error, error) {
	return func(path string) (func(*event.CallEvent), func() error, error) {
		f, err := create(path)
		if err != nil {
			return nil, nil, err
		}
		ws := &zapcore.BufferedWriteSyncer{WS: zapcore.AddSync(f)}
		// No time, level, message or caller keys: the event's fields only.
		enc := zapcore.NewJSONEncoder(zapcore.EncoderConfig{})
		l := zap.New(zapcore.NewCore(enc, ws, zapcore.InfoLevel))
		log := func(e *event.CallEvent) { logEvent(l, e) }
		return log, func() error {
			if err := ws.Stop(); err != nil {
				f.Close()
				return err
			}
			return f.Close()
		}, nil
	}
}

// logZapFields logs e field by field, as most zap code does.
func logZapFields(l *zap.Logger, e *event.CallEvent) {
	fs := make([]zap.Field, 0, 13)
	fs = append(fs,
		zap.String("ts", e.TS()),
		zap.String("call_id", e.CallID()),
		zap.String("tool_id", e.ToolID()))
	if id, ok := e.CallerID(); ok {
		fs = append(fs, zap.String("caller_id", id))
	}
	fs = append(fs,
		zap.Strings("granted_capabilities", e.GrantedCapabilities()),
		zap.Uint64("duration_ms", e.DurationMS()),
		zapOutcomeField(e.Outcome()),
		zap.String("tier", e.Tier()),
		zap.Bool("dry_run", e.DryRun()),
		zap.Uint32("schema_version", e.SchemaVersion()),
		zap.Bool("secrets_resolved", e.SecretsResolved()))
	if page, ok := e.CursorPage(); ok {
		fs = append(fs, zap.Uint32("cursor_page", page))
	}
	if prov := e.CapabilityProvenance(); prov != nil {
		fs = append(fs, zap.Array("capability_provenance", zapProvenance(prov)))
	}
	l.Info("", fs...)
}

func zapOutcomeField(o event.Outcome) zap.Field {
	kind := zap.String("kind", o.Kind().String())
	switch o.Kind() {
	case event.OutcomeExecutionFailed:
		return zap.Dict("outcome", kind, zap.String("code", o.Code()), zap.Bool("retryable", o.Retryable()))
	case event.OutcomeInvalidArgs:
		return zap.Dict("outcome", kind, zap.String("message", o.Message()))
	case event.OutcomeCapabilityDenied:
		return zap.Dict("outcome", kind, zap.Strings("missing", o.Missing()))
	case event.OutcomeRateLimited:
		if ms, ok := o.RetryAfterMS(); ok {
			return zap.Dict("outcome", kind, zap.Uint64("retry_after_ms", ms))
		}
		return zap.Dict("outcome", kind, zap.Reflect("retry_after_ms", nil))
	}
	return zap.Dict("outcome", kind)
}

// logZapMarshaler logs e as one ObjectMarshaler, zap's fastest way to log
// a struct.
func logZapMarshaler(l *zap.Logger, e *event.CallEvent) {
	l.Info("", zap.Inline(zapEvent{e}))
}

type zapEvent struct{ e *event.CallEvent }

func (z zapEvent) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	e := z.e
	enc.AddString("ts", e.TS())
	enc.AddString("call_id", e.CallID())
	enc.AddString("tool_id", e.ToolID())
	if id, ok := e.CallerID(); ok {
		enc.AddString("caller_id", id)
	}
	if err := enc.AddArray("granted_capabilities", zapStrings(e.GrantedCapabilities())); err != nil {
		return err
	}
	enc.AddUint64("duration_ms", e.DurationMS())
	if err := enc.AddObject("outcome", zapOutcome{e}); err != nil {
		return err
	}
	enc.AddString("tier", e.Tier())
	enc.AddBool("dry_run", e.DryRun())
	enc.AddUint32("schema_version", e.SchemaVersion())
	enc.AddBool("secrets_resolved", e.SecretsResolved())
	if page, ok := e.CursorPage(); ok {
		enc.AddUint32("cursor_page", page)
	}
	if prov := e.CapabilityProvenance(); prov != nil {
		return enc.AddArray("capability_provenance", zapProvenance(prov))
	}
	return nil
}

type zapStrings []string

func (ss zapStrings) MarshalLogArray(enc zapcore.ArrayEncoder) error {
	for _, s := range ss {
		enc.AppendString(s)
	}
	return nil
}

type zapOutcome struct{ e *event.CallEvent }

func (z zapOutcome) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	o := z.e.Outcome()
	enc.AddString("kind", o.Kind().String())
	switch o.Kind() {
	case event.OutcomeExecutionFailed:
		enc.AddString("code", o.Code())
		enc.AddBool("retryable", o.Retryable())
	case event.OutcomeInvalidArgs:
		enc.AddString("message", o.Message())
	case event.OutcomeCapabilityDenied:
		return enc.AddArray("missing", zapStrings(o.Missing()))
	case event.OutcomeRateLimited:
		if ms, ok := o.RetryAfterMS(); ok {
			enc.AddUint64("retry_after_ms", ms)
		} else {
			return enc.AddReflected("retry_after_ms", nil)
		}
	}
	return nil
}

type zapProvenance []event.CapProvenance

func (ps zapProvenance) MarshalLogArray(enc zapcore.ArrayEncoder) error {
	for i := range ps {
		if err := enc.AppendObject(zapCapProv{&ps[i]}); err != nil {
			return err
		}
	}
	return nil
}

type zapCapProv struct{ p *event.CapProvenance }

func (z zapCapProv) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("cap", z.p.Cap)
	return enc.AddObject("source", zapSource{&z.p.Source})
}

type zapSource struct{ s *event.ProvSource }

func (z zapSource) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	s := z.s
	enc.AddString("kind", s.Kind().String())
	if s.Kind() == event.SourceUCANChain {
		enc.AddString("issuer_did", s.IssuerDID())
		enc.AddUint8("chain_depth", s.ChainDepth())
	}
	return nil
}

// zerolog

func openZerologDiode(path string) (func(*event.CallEvent), func() error, error) {
	f, err := create(path)
	if err != nil {
		return nil, nil, err
	}
	// The diode reports each collision through the standard logger: keep
	// that out of the benchmark's output while it runs.
	prev := log.Writer()
	log.SetOutput(io.Discard)
	// As zerolog's documentation shows it. The alerter is told how many
	// events the diode overwrote; written/op counts them anyway.
	w := diode.NewWriter(f, 1000, 10*time.Millisecond, func(int) {})
	l := zerolog.New(w)
	return func(e *event.CallEvent) { logZerolog(&l, e) }, func() error {
		defer log.SetOutput(prev)
		return w.Close() // closes f
	}, nil
}

func openZerologBufio(path string) (func(*event.CallEvent), func() error, error) {
	f, err := create(path)
	if err != nil {
		return nil, nil, err
	}
	bw := bufio.NewWriterSize(f, bufSize)
	l := zerolog.New(zerolog.SyncWriter(bw))
	return func(e *event.CallEvent) { logZerolog(&l, e) }, func() error {
		if err := bw.Flush(); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}, nil
}

// logZerolog logs e field by field: zerolog's only way.
func logZerolog(l *zerolog.Logger, e *event.CallEvent) {
	ev := l.Log().
		Str("ts", e.TS()).
		Str("call_id", e.CallID()).
		Str("tool_id", e.ToolID())
	if id, ok := e.CallerID(); ok {
		ev = ev.Str("caller_id", id)
	}
	ev = ev.Strs("granted_capabilities", e.GrantedCapabilities()).
		Uint64("duration_ms", e.DurationMS()).
		Dict("outcome", zerologOutcome(e.Outcome())).
		Str("tier", e.Tier()).
		Bool("dry_run", e.DryRun()).
		Uint32("schema_version", e.SchemaVersion()).
		Bool("secrets_resolved", e.SecretsResolved())
	if page, ok := e.CursorPage(); ok {
		ev = ev.Uint32("cursor_page", page)
	}
	if prov := e.CapabilityProvenance(); prov != nil {
		ev = ev.Array("capability_provenance", zerologProvenance(prov))
	}
	ev.Send()
}

func zerologOutcome(o event.Outcome) *zerolog.Event {
	d := zerolog.Dict().Str("kind", o.Kind().String())
	switch o.Kind() {
	case event.OutcomeExecutionFailed:
		d = d.Str("code", o.Code()).Bool("retryable", o.Retryable())
	case event.OutcomeInvalidArgs:
		d = d.Str("message", o.Message())
	case event.OutcomeCapabilityDenied:
		d = d.Strs("missing", o.Missing())
	case event.OutcomeRateLimited:
		if ms, ok := o.RetryAfterMS(); ok {
			d = d.Uint64("retry_after_ms", ms)
		} else {
			d = d.Interface("retry_after_ms", nil)
		}
	}
	return d
}

type zerologProvenance []event.CapProvenance

func (ps zerologProvenance) MarshalZerologArray(a *zerolog.Array) {
	for i := range ps {
		a.Object(zerologCapProv{&ps[i]})
	}
}

type zerologCapProv struct{ p *event.CapProvenance }

func (z zerologCapProv) MarshalZerologObject(e *zerolog.Event) {
	s := z.p.Source
	src := zerolog.Dict().Str("kind", s.Kind().String())
	if s.Kind() == event.SourceUCANChain {
		src = src.Str("issuer_did", s.IssuerDID()).Uint8("chain_depth", s.ChainDepth())
	}
	e.Str("cap", z.p.Cap).Dict("source", src)
}

// log/slog

func openSlog(path string) (func(*event.CallEvent), func() error, error) {
	f, err := create(path)
	if err != nil {
		return nil, nil, err
	}
	bw := bufio.NewWriterSize(f, bufSize)
	// The handler serialises its writes, so bw needs no lock of its own.
	l := slog.New(slog.NewJSONHandler(bw, &slog.HandlerOptions{ReplaceAttr: dropBuiltins}))
	ctx := context.Background()
	return func(e *event.CallEvent) { logSlog(ctx, l, e) }, func() error {
		if err := bw.Flush(); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}, nil
}

// dropBuiltins removes slog's time, level and message: the event's fields
// only.
func dropBuiltins(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 {
		switch a.Key {
		case slog.TimeKey, slog.LevelKey, slog.MessageKey:
			return slog.Attr{}
		}
	}
	return a
}

// logSlog logs e attribute by attribute, with LogAttrs, slog's fastest
// way.
func logSlog(ctx context.Context, l *slog.Logger, e *event.CallEvent) {
	as := make([]slog.Attr, 0, 13)
	as = append(as,
		slog.String("ts", e.TS()),
		slog.String("call_id", e.CallID()),
		slog.String("tool_id", e.ToolID()))
	if id, ok := e.CallerID(); ok {
		as = append(as, slog.String("caller_id", id))
	}
	as = append(as,
		slog.Any("granted_capabilities", e.GrantedCapabilities()),
		slog.Uint64("duration_ms", e.DurationMS()),
		slogOutcome(e.Outcome()),
		slog.String("tier", e.Tier()),
		slog.Bool("dry_run", e.DryRun()),
		slog.Uint64("schema_version", uint64(e.SchemaVersion())),
		slog.Bool("secrets_resolved", e.SecretsResolved()))
	if page, ok := e.CursorPage(); ok {
		as = append(as, slog.Uint64("cursor_page", uint64(page)))
	}
	if prov := e.CapabilityProvenance(); prov != nil {
		as = append(as, slog.Any("capability_provenance", prov))
	}
	l.LogAttrs(ctx, slog.LevelInfo, "", as...)
}

func slogOutcome(o event.Outcome) slog.Attr {
	kind := slog.String("kind", o.Kind().String())
	switch o.Kind() {
	case event.OutcomeExecutionFailed:
		return slog.Group("outcome", kind, slog.String("code", o.Code()), slog.Bool("retryable", o.Retryable()))
	case event.OutcomeInvalidArgs:
		return slog.Group("outcome", kind, slog.String("message", o.Message()))
	case event.OutcomeCapabilityDenied:
		return slog.Group("outcome", kind, slog.Any("missing", o.Missing()))
	case event.OutcomeRateLimited:
		if ms, ok := o.RetryAfterMS(); ok {
			return slog.Group("outcome", kind, slog.Uint64("retry_after_ms", ms))
		}
		return slog.Group("outcome", kind, slog.Any("retry_after_ms", nil))
	}
	return slog.Group("outcome", kind)
}
