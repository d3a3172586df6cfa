package chaos

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"time"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

const otlpExportMethod = "/opentelemetry.proto.collector.logs.v1.LogsService/Export"

// Sizes of the malformed inputs (those the issue's first fault-injection
// run used).
const (
	hugeBatchEvents = 100_000
	manyAttributes  = 100_000
	nestingDepth    = 10_000
	oversizeBytes   = 64 << 20
)

// input is one malformed request: its name and its encoded body.
type input struct {
	name string
	body func() []byte
}

// port is one of the collector's gRPC receivers as the malformed scenarios
// see it: the method to call, its malformed inputs, and how to send one good
// event and learn whether it was acknowledged.
type port struct {
	method string
	inputs []input
	probe  func(service string, seq int64) []byte
	// accepted reads the answer to a probe: was the event acknowledged?
	accepted func(reply []byte) bool
}

// malformedAires sends the malformed inputs to the aires receiver.
func malformedAires(e *env, mode Mode) Result {
	return e.malformed("malformed-aires", mode, airesPort(), func(c *collector) string { return c.airesAddr() })
}

// malformedOTLP sends the malformed inputs to the OTLP gRPC receiver.
func malformedOTLP(e *env, mode Mode) Result {
	return e.malformed("malformed-otlp", mode, otlpPort(), func(c *collector) string { return c.otlpAddr() })
}

// malformed sends each input, then one good event (a probe with its own
// seq), and checks the collector is still alive; at the end every
// acknowledged probe must be stored. The note lists each input's answer.
func (e *env) malformed(name string, mode Mode, p port, addr func(*collector) string) Result {
	dir, err := e.scratch(name, mode)
	if err != nil {
		return Result{Err: err}
	}
	cfg := collectorConfig{Mode: mode, ClickHouse: e.ch.Endpoint(), Database: database(name, mode)}
	col, err := newCollector(e.opts.Collector, dir, cfg)
	if err != nil {
		return Result{Err: err}
	}
	defer col.stop()
	conn, err := grpc.NewClient(addr(col), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{}), grpc.MaxCallRecvMsgSize(64<<20)))
	if err != nil {
		return Result{Err: err}
	}
	defer conn.Close()

	service := "chaos-" + e.run
	led := newLedger()
	var answers []string
	var r Result
	for _, in := range p.inputs {
		body := in.body()
		start := time.Now()
		_, err := call(conn, p.method, body)
		answers = append(answers, fmt.Sprintf("%s: %s", in.name, status.Code(err)))
		fmt.Fprintf(e.log, "chaos:   %s %s: %s (%.1fs)\n", name, in.name, status.Code(err), time.Since(start).Seconds())
		if col.proc.Exited() != nil {
			r.Err = fmt.Errorf("the collector died on input %q", in.name)
			break
		}
		seq := led.issue()
		reply, err := call(conn, p.method, p.probe(service, seq))
		if err == nil && p.accepted(reply) {
			led.ack(seq)
		}
	}
	fmt.Fprintf(e.log, "chaos:   %s: inputs sent, waiting for the good events\n", name)
	acked := led.acknowledged()
	s, err := settle(e.ch.db, cfg.Database, service, acked, e.timing.Settle)
	if err != nil && r.Err == nil {
		r.Err = err
	}
	r.Counts, r.Alive = count(led.sent(), acked, s), col.alive()
	if r.Err == nil && r.Acknowledged < r.Sent {
		r.Err = fmt.Errorf("%d of %d good events after a malformed input were refused", r.Sent-r.Acknowledged, r.Sent)
	}
	r.Note = "sent = good events, one after each malformed input; answers: " + strings.Join(answers, ", ")
	if !r.Alive || r.Err != nil {
		r.Note += "; collector log: " + col.out.path
	}
	r.Promise = Promise{NoLoss: true}
	return r
}

func call(conn *grpc.ClientConn, method string, body []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var reply []byte
	err := conn.Invoke(ctx, method, body, &reply)
	return reply, err
}

// rawCodec sends request bytes as they are, whatever they hold, and keeps
// the answer's bytes. Its name is "proto" so that the server decodes them
// as it would any client's.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return v.([]byte), nil }

func (rawCodec) Unmarshal(data []byte, v any) error {
	*(v.(*[]byte)) = append([]byte(nil), data...)
	return nil
}

func (rawCodec) Name() string { return "proto" }

// garbage are the inputs that are not a valid message of either protocol.
func garbage(valid func() []byte) []input {
	return []input{
		{"random-bytes", func() []byte {
			b := make([]byte, 64<<10)
			_, _ = rand.Read(b)
			return b
		}},
		{"wrong-wire-types", func() []byte { // field 1 as a varint, field 2 as fixed32
			b := protowire.AppendTag(nil, 1, protowire.VarintType)
			b = protowire.AppendVarint(b, 1<<62)
			b = protowire.AppendTag(b, 2, protowire.Fixed32Type)
			return protowire.AppendFixed32(b, 0xdeadbeef)
		}},
		{"truncated", func() []byte { v := valid(); return v[:len(v)*2/3] }},
		{"length-past-end", func() []byte { // field 2 claims 1 GiB
			b := protowire.AppendTag(nil, 2, protowire.BytesType)
			return protowire.AppendVarint(b, 1<<30)
		}},
	}
}

func airesPort() port {
	event := func(seq int64, service string) *airesv1.Event {
		id := make([]byte, 16)
		_, _ = rand.Read(id)
		ev := &airesv1.Event{Id: id, TimestampUnixNano: uint64(time.Now().UnixNano()), Message: "probe", Service: service}
		if seq >= 0 {
			ev.Attributes = []*airesv1.KeyValue{{Key: SeqKey, Value: &airesv1.AnyValue{Value: &airesv1.AnyValue_IntValue{IntValue: seq}}}}
		}
		return ev
	}
	batch := func(evs ...*airesv1.Event) []byte {
		b, err := proto.Marshal(&airesv1.EventBatch{Resource: &airesv1.Resource{Service: "chaos-junk"}, Events: evs})
		if err != nil {
			panic(err)
		}
		return b
	}
	one := func() []byte { return batch(event(-1, "chaos-junk")) }
	inputs := append(garbage(one),
		input{"invalid-utf8", func() []byte { // Event.message (field 4) is a string
			ev := protowire.AppendTag(nil, 4, protowire.BytesType)
			ev = protowire.AppendBytes(ev, []byte{0xff, 0xfe, 'x'})
			b := protowire.AppendTag(nil, 2, protowire.BytesType)
			return protowire.AppendBytes(b, ev)
		}},
		input{"huge-batch", func() []byte {
			evs := make([]*airesv1.Event, hugeBatchEvents)
			for i := range evs {
				evs[i] = event(-1, "chaos-junk")
			}
			return batch(evs...)
		}},
		input{"many-attributes", func() []byte {
			ev := event(-1, "chaos-junk")
			for i := range manyAttributes {
				ev.Attributes = append(ev.Attributes, &airesv1.KeyValue{Key: fmt.Sprintf("k%d", i),
					Value: &airesv1.AnyValue{Value: &airesv1.AnyValue_IntValue{IntValue: int64(i)}}})
			}
			return batch(ev)
		}},
		input{"deep-nesting", func() []byte {
			v := &airesv1.AnyValue{Value: &airesv1.AnyValue_StringValue{StringValue: "bottom"}}
			for range nestingDepth {
				v = &airesv1.AnyValue{Value: &airesv1.AnyValue_KvlistValue{KvlistValue: &airesv1.KeyValueList{
					Values: []*airesv1.KeyValue{{Key: "n", Value: v}}}}}
			}
			ev := event(-1, "chaos-junk")
			ev.Attributes = []*airesv1.KeyValue{{Key: "deep", Value: v}}
			return batch(ev)
		}},
		input{"oversize-64MiB", func() []byte {
			ev := event(-1, "chaos-junk")
			ev.Message = strings.Repeat("x", oversizeBytes)
			return batch(ev)
		}},
	)
	return port{
		method: ingestMethod,
		inputs: inputs,
		probe:  func(service string, seq int64) []byte { return batch(event(seq, service)) },
		accepted: func(reply []byte) bool {
			var resp airesv1.IngestResponse
			return proto.Unmarshal(reply, &resp) == nil && resp.GetRejected() == 0 && resp.GetAccepted() == 1
		},
	}
}

func otlpPort() port {
	logs := func(service string, n int, fill func(lr plog.LogRecord)) []byte {
		ld := plog.NewLogs()
		rl := ld.ResourceLogs().AppendEmpty()
		rl.Resource().Attributes().PutStr("service.name", service)
		recs := rl.ScopeLogs().AppendEmpty().LogRecords()
		recs.EnsureCapacity(n)
		now := pcommon.NewTimestampFromTime(time.Now())
		for range n {
			lr := recs.AppendEmpty()
			lr.SetTimestamp(now)
			lr.Body().SetStr("probe")
			if fill != nil {
				fill(lr)
			}
		}
		b, err := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
		if err != nil {
			panic(err)
		}
		return b
	}
	one := func() []byte { return logs("chaos-junk", 1, nil) }
	inputs := append(garbage(one),
		input{"invalid-utf8", func() []byte {
			return logs("chaos-junk", 1, func(lr plog.LogRecord) { lr.Body().SetStr(string([]byte{0xff, 0xfe, 'x'})) })
		}},
		input{"huge-batch", func() []byte { return logs("chaos-junk", hugeBatchEvents, nil) }},
		input{"many-attributes", func() []byte {
			return logs("chaos-junk", 1, func(lr plog.LogRecord) {
				// FromRaw, not PutInt: PutInt looks for the key first,
				// which makes 100,000 of them take half a minute.
				raw := make(map[string]any, manyAttributes)
				for i := range manyAttributes {
					raw[fmt.Sprintf("k%d", i)] = int64(i)
				}
				if err := lr.Attributes().FromRaw(raw); err != nil {
					panic(err)
				}
			})
		}},
		input{"deep-nesting", func() []byte {
			return logs("chaos-junk", 1, func(lr plog.LogRecord) {
				m := lr.Attributes().PutEmptyMap("deep")
				for range nestingDepth {
					m = m.PutEmptyMap("n")
				}
				m.PutStr("bottom", "x")
			})
		}},
		input{"oversize-64MiB", func() []byte {
			return logs("chaos-junk", 1, func(lr plog.LogRecord) { lr.Body().SetStr(strings.Repeat("x", oversizeBytes)) })
		}},
	)
	return port{
		method: otlpExportMethod,
		inputs: inputs,
		probe: func(service string, seq int64) []byte {
			return logs(service, 1, func(lr plog.LogRecord) { lr.Attributes().PutInt(SeqKey, seq) })
		},
		accepted: func(reply []byte) bool {
			resp := plogotlp.NewExportResponse()
			return resp.UnmarshalProto(reply) == nil && resp.PartialSuccess().RejectedLogRecords() == 0
		},
	}
}
