package airesclickhouseexporter

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/google/uuid"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/aires-dev/aires/exporter/airesclickhouseexporter/internal/metadata"
	"github.com/aires-dev/aires/internal/chendpoint"
	"github.com/aires-dev/aires/internal/row"
	"github.com/aires-dev/aires/internal/schema"
	"github.com/aires-dev/aires/internal/schema/migrate"
)

type logsExporter struct {
	cfg       *Config
	logger    *zap.Logger
	telemetry *metadata.TelemetryBuilder
	builder   *row.Builder
	table     schema.Table
	// compression is the native protocol's, as start resolved the setting
	// (compressionFor).
	compression clickhouse.CompressionMethod

	// inserters keeps the column blocks and reusable batches of the
	// inserts between groups (see inserter), one per insert in flight and
	// one for the group being built.
	inserters *inserterPool
	// batcher merges pushes into inserts (see insertBatcher).
	batcher *insertBatcher
	// attempt makes one attempt at storing a group (insertGroup; tests
	// replace it).
	attempt func(*group) error
	// doubts are the inserts whose outcome is unknown (see doubt.go).
	doubts *doubts
	// defaults tell the columns an INSERT may leave out (see
	// columnDefaults).
	defaults columnDefaults
	id       component.ID
	// stopping is closed when the exporter begins to shut down: inserts
	// stop retrying (see store).
	stopping chan struct{}
	stopOnce sync.Once

	// now and janitorInterval drive the retention janitor; tests replace
	// them before start.
	now             func() time.Time
	janitorInterval time.Duration

	mu      sync.Mutex
	conn    driver.Conn   // set once connected and the schema is ready
	schema  schema.Schema // table, cluster mode and, once connected, the server's capabilities
	janitor *janitor
	// While ClickHouse is unreachable at start: the connection being
	// retried and the loop retrying it.
	pending     driver.Conn
	stopConnect context.CancelFunc
	connectDone chan struct{}
}

var (
	permanentAttrs = metric.WithAttributeSet(attribute.NewSet(attribute.Bool("permanent", true)))
	retryableAttrs = metric.WithAttributeSet(attribute.NewSet(attribute.Bool("permanent", false)))
)

func newLogsExporter(set exporter.Settings, cfg *Config) (*logsExporter, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, fmt.Errorf("create telemetry instruments: %w", err)
	}
	table := schema.Table{Database: cfg.Database, Name: cfg.Table}
	e := &logsExporter{
		cfg:       cfg,
		logger:    set.Logger,
		telemetry: tb,
		builder:   row.NewBuilder(row.Limits{}),
		table:     table,

		now:             time.Now,
		janitorInterval: defaultJanitorInterval,
		doubts:          newDoubts(schema.Schema{Table: table, Cluster: cfg.clusterSchema()}, set.Logger),
		id:              set.ID,
		stopping:        make(chan struct{}),
	}
	e.inserters = newInserterPool(cfg.InsertBatch.MaxInserts + 1)
	e.batcher = newInsertBatcher(cfg.InsertBatch, e.newGroup, e.storeGroup)
	e.attempt = e.insertGroup
	return e, nil
}

// options turns the config into clickhouse-go options. No I/O.
func (e *logsExporter) options(ctx context.Context) (*clickhouse.Options, error) {
	addrs, err := chendpoint.Parse(e.cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	tlsCfg, err := e.cfg.TLS.LoadTLSConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	method := compressionFor(e.cfg.Compression, addrs)
	return &clickhouse.Options{
		Protocol: clickhouse.Native,
		Addr:     addrs,
		Auth: clickhouse.Auth{
			Database: e.cfg.Database,
			Username: e.cfg.Username,
			Password: string(e.cfg.Password),
		},
		TLS:         tlsCfg,
		DialContext: dialer(e.cfg.DialTimeout, e.cfg.TimeoutConfig.Timeout, tlsCfg),
		Compression: &clickhouse.Compression{Method: method},
		DialTimeout: e.cfg.DialTimeout,
		// One connection per insert in flight, plus one for Start's DDL
		// and the doubt checks.
		MaxOpenConns: e.cfg.InsertBatch.MaxInserts + 1,
		MaxIdleConns: e.cfg.InsertBatch.MaxInserts + 1,
	}, nil
}

// start connects and sets up the schema. A ClickHouse that cannot be reached
// (down, restarting, not yet up) does not fail the collector: the exporter
// starts, its queue takes data, and a background loop keeps trying until it
// connects. Anything else (bad credentials, a failing migration) fails start.
func (e *logsExporter) start(ctx context.Context, host component.Host) error {
	opts, err := e.options(ctx)
	if err != nil {
		return err
	}
	e.compression = opts.Compression.Method
	if err := e.openJournal(ctx, host); err != nil {
		return err
	}
	// The database may not exist yet: connect without it, the statements
	// name it explicitly.
	opts.Auth.Database = ""
	conn, err := clickhouse.Open(opts)
	if err != nil {
		return fmt.Errorf("cannot open ClickHouse connection to %s: %w; check endpoint and tls", e.cfg.Endpoint, err)
	}
	err = e.setup(ctx, conn)
	if err == nil {
		return nil
	}
	if !unreachable(err) {
		_ = conn.Close()
		return err
	}
	e.logger.Warn("ClickHouse is not reachable yet; the exporter starts anyway, queues data and keeps trying to connect",
		zap.String("endpoint", e.cfg.Endpoint), zap.Error(err))
	componentstatus.ReportStatus(host, componentstatus.NewRecoverableErrorEvent(err))
	loopCtx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	e.mu.Lock()
	e.pending, e.stopConnect, e.connectDone = conn, cancel, done
	e.mu.Unlock()
	go e.connectLoop(loopCtx, conn, host, done)
	return nil
}

// connectLoop retries setup with backoff (1 s doubling to 30 s) until it
// succeeds or the exporter shuts down.
func (e *logsExporter) connectLoop(ctx context.Context, conn driver.Conn, host component.Host, done chan struct{}) {
	defer close(done)
	delay := time.Second
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		attempt, cancel := context.WithTimeout(ctx, e.cfg.DialTimeout+time.Minute)
		err := e.setup(attempt, conn)
		cancel()
		if err == nil {
			componentstatus.ReportStatus(host, componentstatus.NewEvent(componentstatus.StatusOK))
			return
		}
		if ctx.Err() != nil {
			return
		}
		delay = min(2*delay, 30*time.Second)
		e.logger.Warn("ClickHouse still not ready; retrying", zap.String("endpoint", e.cfg.Endpoint),
			zap.Duration("retry_in", delay), zap.Error(err))
	}
}

// setup checks the server, creates or migrates the schema when asked, starts
// the retention janitor and makes conn the exporter's connection.
func (e *logsExporter) setup(ctx context.Context, conn driver.Conn) error {
	if err := conn.Ping(ctx); err != nil {
		return fmt.Errorf("cannot reach ClickHouse at %s: %w; check endpoint, username, password and tls", e.cfg.Endpoint, err)
	}
	db := schemaDB{conn}
	version, err := migrate.ServerVersion(ctx, db)
	if err != nil {
		return fmt.Errorf("cannot read the ClickHouse server version at %s: %w", e.cfg.Endpoint, err)
	}
	v, err := schema.ParseVersion(version)
	if err != nil {
		return err
	}
	sch := schema.Schema{Table: e.table, Caps: schema.CapabilitiesOf(v), Retention: e.cfg.Retention.Duration(), Cluster: e.cfg.clusterSchema()}

	if e.cfg.CreateSchema {
		m := &migrate.Migrator{DB: db, Schema: sch, Server: v, Logger: e.logger}
		if err := m.Run(ctx); err != nil {
			return err
		}
	}
	e.logger.Info("connected to ClickHouse",
		zap.String("endpoint", e.cfg.Endpoint), zap.String("version", version),
		zap.String("table", e.table.String()), zap.Bool("create_schema", e.cfg.CreateSchema),
		zap.Stringer("retention", e.cfg.Retention), zap.Bool("ttl", sch.TTL("timestamp") != "" && e.cfg.CreateSchema),
		zap.String("cluster", e.cfg.Cluster), zap.Stringer("compression", e.compression))

	e.defaults.read(ctx, db, e.table, e.now(), e.logger)

	var jan *janitor
	if e.cfg.Retention > 0 {
		jan = &janitor{db: db, schema: sch, interval: e.janitorInterval, now: e.now, logger: e.logger}
		jan.start()
	}

	e.mu.Lock()
	e.conn, e.pending = conn, nil
	e.schema = sch
	e.janitor = jan
	e.mu.Unlock()
	return nil
}

// stop tells inserts to stop retrying: called when the exporter begins to
// shut down, before exporterhelper drains its queue. Safe to call twice.
func (e *logsExporter) stop() { e.stopOnce.Do(func() { close(e.stopping) }) }

// shutdown stops the janitor and closes the connections. Safe without start
// and when called twice.
func (e *logsExporter) shutdown(context.Context) error {
	e.stop()
	e.mu.Lock()
	stopConnect, connectDone := e.stopConnect, e.connectDone
	e.stopConnect, e.connectDone = nil, nil
	e.mu.Unlock()
	if stopConnect != nil {
		stopConnect()
		<-connectDone
	}

	e.mu.Lock()
	conn, jan := e.conn, e.janitor
	if conn == nil {
		conn = e.pending
	}
	e.conn, e.pending, e.janitor = nil, nil, nil
	e.mu.Unlock()
	if jan != nil {
		jan.stop()
	}
	e.batcher.stop()
	e.inserters.close()
	e.closeJournal()
	if conn == nil {
		return nil
	}
	return conn.Close()
}

func (e *logsExporter) connection() driver.Conn {
	conn, _ := e.connectionSchema()
	return conn
}

func (e *logsExporter) connectionSchema() (driver.Conn, schema.Schema) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.conn, e.schema
}

// omittable are the columns an INSERT over conn may leave out (see
// columnDefaults).
func (e *logsExporter) omittable(ctx context.Context, conn driver.Conn) []bool {
	return e.defaults.get(ctx, schemaDB{conn}, e.table, e.now(), e.logger)
}

var errNotStarted = errors.New("aires_clickhouse exporter is not connected to ClickHouse yet (not started, or the server is unreachable); the batch stays queued and is retried")

// pushLogs builds ld's rows into the batcher's open group and returns once
// that group is stored (see store): nil means ld's rows are stored. Once its
// rows are in the group's block, ld is emptied (see take): the block owns
// its bytes, and a waiting request then holds no more than its rows. The
// rows depend only on ld (row.Builder is deterministic), so a request sent
// again (after a restart, by the persistent queue) has the same rows with
// the same ids. Inserts in doubt are resolved first, and the rows they
// already stored are left out (see doubt.go).
func (e *logsExporter) pushLogs(ctx context.Context, ld plog.Logs) error {
	if taken(ld) {
		return errTaken
	}
	// Once joined, a push waits for its group whatever its context: its rows
	// are sent with the others, and answering early would have them sent
	// again. The insert has its own timeout (see insertContext).
	if err := ctx.Err(); err != nil {
		return err
	}
	if conn := e.connection(); conn == nil {
		return errNotStarted
	} else if e.doubts.open() {
		if err := e.doubts.resolve(ctx, conn); err != nil {
			return err
		}
	}
	push := -1
	g := e.batcher.join(ld.LogRecordCount(), func(g *group) int {
		start := g.ins.blk.Len()
		added := e.fill(g, ld)
		if added > 0 {
			push = len(g.spans)
			g.spans = append(g.spans, span{start, start + added})
		}
		if g.ins.blk.Len() == 0 {
			// Every row was stored already: the doubts it settles are done.
			e.doubts.done(ctx, &g.ins.rows)
			g.ins.rows.reset()
		}
		return added
	})
	take(ld)
	if g == nil {
		return nil
	}
	<-g.done
	return g.result(push)
}

// newGroup opens a group on an inserter of the pool.
func (e *logsExporter) newGroup() *group {
	return &group{ins: e.inserters.get(), done: make(chan struct{})}
}

// insertGroup makes one attempt at inserting g's rows and records the
// outcome.
func (e *logsExporter) insertGroup(g *group) error {
	ins := g.ins
	conn, sch := e.connectionSchema()
	if conn == nil {
		return errNotStarted
	}
	ctx, cancel := e.insertContext()
	defer cancel()
	n := int64(ins.blk.Len())
	start := time.Now()
	err := classify(e.insert(ctx, conn, sch, ins))
	if err != nil {
		if consumererror.IsPermanent(err) {
			e.telemetry.ExporterAiresClickhouseRowsFailed.Add(ctx, n, permanentAttrs)
			e.logger.Error("ClickHouse refused the batch; dropping it (not retried)",
				zap.Int64("rows", n), zap.Int("requests", g.pushes), zap.String("table", e.table.String()), zap.Error(err))
		} else {
			e.telemetry.ExporterAiresClickhouseRowsFailed.Add(ctx, n, retryableAttrs)
		}
		return err
	}
	e.telemetry.ExporterAiresClickhouseInsertDuration.Record(ctx, time.Since(start).Seconds())
	e.telemetry.ExporterAiresClickhouseBatchSize.Record(ctx, n)
	e.telemetry.ExporterAiresClickhouseRowsInserted.Add(ctx, n)
	if g.replaced > 0 {
		e.telemetry.ExporterAiresClickhouseTimestampsReplaced.Add(ctx, g.replaced)
	}
	return nil
}

// insert sends ins's block under its own query id (to find it in
// system.processes if it ends in doubt) and deduplication token, journals
// it while it is in flight, and records its outcome: settled, or in doubt
// when the rows may have reached the server although the insert failed. In
// cluster mode the insert goes through the Distributed table and returns
// once every shard's rows are written on one of its replicas
// (insert_distributed_sync).
func (e *logsExporter) insert(ctx context.Context, conn driver.Conn, sch schema.Schema, ins *inserter) error {
	ins.rows.queryID = uuid.NewString()
	opts := []clickhouse.QueryOption{clickhouse.WithQueryID(ins.rows.queryID)}
	var token string
	if sch.Caps.DedupToken {
		token = schema.DedupToken(ins.rows.ids)
	}
	if settings := sch.InsertSettings(token); len(settings) > 0 {
		opts = append(opts, clickhouse.WithSettings(settings))
	}
	if j := e.doubts.journal; j != nil {
		slot, err := j.put(ctx, &ins.rows)
		if err != nil {
			return err
		}
		ins.rows.journalSlot = slot
	}
	sent, err := ins.insert(clickhouse.Context(ctx, opts...), conn, e.table, e.omittable(ctx, conn))
	if err != nil && sent && inDoubt(err, sch) {
		e.logger.Warn("the insert failed after its rows were sent: they may be stored; the batch is checked against the table before it is sent again",
			zap.Int("rows", ins.blk.Len()), zap.String("query_id", ins.rows.queryID), zap.Error(err))
		e.doubts.add(&ins.rows)
		return err
	}
	if j := e.doubts.journal; j != nil && ins.rows.journalSlot >= 0 {
		if err == nil {
			j.settle(ctx, ins.rows.journalSlot)
		} else {
			j.remove(ctx, ins.rows.journalSlot)
		}
	}
	if err == nil || consumererror.IsPermanent(classify(err)) {
		e.doubts.done(ctx, &ins.rows)
	}
	return err
}

// inDoubt tells whether an insert that failed after its rows were sent may
// have stored some of them. On one server a ClickHouse exception means the
// insert was rolled back; anything else (a broken connection) leaves it
// unknown. Through a Distributed table (cluster mode) an exception can come
// after some shards stored their part ("Wrote 199 rows on shard 0" and then
// the other shard's replica died), so there only a permanent refusal is
// known to have stored nothing.
func inDoubt(err error, sch schema.Schema) bool {
	var ex *clickhouse.Exception
	if !errors.As(err, &ex) {
		return true
	}
	return sch.Cluster.Name != "" && !consumererror.IsPermanent(classify(err))
}

// fill builds one row per log record of ld into g's block, leaving out the
// rows that inserts in doubt stored already, and returns how many rows it
// added. Rows with another time than their record's (out of bounds) are
// counted in g.replaced, counted once the insert succeeded so that retries
// do not count twice.
func (e *logsExporter) fill(g *group, ld plog.Logs) (added int) {
	ins := g.ins
	filter := e.doubts.open()
	if filter {
		e.doubts.lock()
		defer e.doubts.unlock()
	}
	skipped := ins.rows.skippedStored
	r := &ins.row
	var res row.Resource // read once per resource, not per record
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		e.builder.Resource(rl.Resource(), &res)
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			sl := sls.At(j)
			lrs := sl.LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				replaced := e.builder.BuildFrom(&res, lrs.At(k), r).TimestampReplaced
				if filter && e.doubts.skip(r.ID, &ins.rows) {
					continue
				}
				if replaced {
					g.replaced++
				}
				ins.rows.add(r.ID, r.TimestampNs, r.Service)
				ins.blk.Add(r)
				added++
			}
		}
	}
	if n := ins.rows.skippedStored - skipped; n > 0 {
		e.logger.Info("left out rows an insert in doubt had stored already",
			zap.Int("rows", n), zap.String("table", e.table.String()))
	}
	return added
}
