// Package chaos is Aires's fault-injection suite (make chaos): it runs the
// ocb-built collector against a real ClickHouse (18.16, scripts/clickhouse.sh)
// with Go SDK clients that number every event (the int attribute chaos.seq),
// injects one fault per scenario, and compares what the collector
// acknowledged with what ClickHouse stored, seq by seq.
//
// Scenarios (each row of the table is one scenario in one acknowledgement
// mode: memory = the default in-memory sending queue, persistent = the
// queue on file_storage, wait_for_result = OK only after the insert):
//
//   - clickhouse-kill: ClickHouse killed with SIGKILL under load, restarted;
//   - collector-kill: the collector killed with SIGKILL under load,
//     restarted on the same ports and queue directory, in every mode;
//   - disk-full: the persistent queue on a 16 MiB tmpfs (needs root) while
//     ClickHouse is down, with the exporter's queue_disk reserve of 8 MiB;
//   - overload: 8 unpaced clients against a 192 MiB memory_limiter;
//   - malformed-aires, malformed-otlp: random bytes, garbage protobuf,
//     100,000 events, 100,000 attributes, 10,000-deep nesting and 64 MiB
//     messages on each gRPC port, each followed by one good event that must
//     be acknowledged and stored.
//
// How acknowledged events are known: the SDK reports only counts
// (Stats().Sent), so a unary client interceptor, given to the SDK through
// Config.DialOptions, reads the batch of every Ingest call that returned OK
// and records its seqs (minus the events the answer rejects). The SDK's
// own transport is used unchanged, and the ledger's total must equal the
// sum of Stats().Sent or the row fails.
//
// A row fails when the collector is not alive at the end, when a row that
// promises no loss (every scenario except collector-kill with the in-memory
// queue) lost an acknowledged event, or, with FailOnDuplicates, when a row
// that promises no duplicates stored one twice. Duplicates are reported
// always; they fail only on request until the deduplication of retried
// inserts lands (ClickHouse 18.16 keeps both copies of a retried block).
package chaos
