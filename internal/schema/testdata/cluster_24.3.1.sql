CREATE DATABASE IF NOT EXISTS `aires` ON CLUSTER `aires`;

CREATE TABLE IF NOT EXISTS `aires`.`schema_migrations` ON CLUSTER `aires`
(
    `table_name` String,
    `version` UInt32,
    `description` String,
    `applied_at` DateTime
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/all/aires/schema_migrations', '{shard}-{replica}')
ORDER BY (table_name, version);

CREATE TABLE IF NOT EXISTS `aires`.`events_local` ON CLUSTER `aires`
(
    `id` UUID,
    `timestamp` DateTime CODEC(Delta, ZSTD(1)),
    `timestamp_ns` UInt64 CODEC(Delta, ZSTD(1)),
    `service` LowCardinality(String),
    `environment` LowCardinality(String),
    `release` LowCardinality(String),
    `host` LowCardinality(String),
    `severity` Enum8('trace' = 1, 'debug' = 2, 'info' = 3, 'warn' = 4, 'error' = 5, 'fatal' = 6),
    `message` String CODEC(ZSTD(1)),
    `trace_id` String CODEC(ZSTD(1)),
    `span_id` String CODEC(ZSTD(1)),
    `session_id` String CODEC(ZSTD(1)),
    `user_id` String CODEC(ZSTD(1)),
    `tags` Array(String) CODEC(ZSTD(1)),
    `attr_str_keys` Array(String) CODEC(ZSTD(1)),
    `attr_str_values` Array(String) CODEC(ZSTD(1)),
    `attr_int_keys` Array(String) CODEC(ZSTD(1)),
    `attr_int_values` Array(Int64) CODEC(ZSTD(1)),
    `attr_float_keys` Array(String) CODEC(ZSTD(1)),
    `attr_float_values` Array(Float64) CODEC(ZSTD(1)),
    `attr_bool_keys` Array(String) CODEC(ZSTD(1)),
    `attr_bool_values` Array(UInt8) CODEC(ZSTD(1)),
    `resource_keys` Array(String) CODEC(ZSTD(1)),
    `resource_values` Array(String) CODEC(ZSTD(1)),
    `http_method` LowCardinality(String),
    `http_route` LowCardinality(String),
    `http_path` String CODEC(ZSTD(1)),
    `http_url` String CODEC(ZSTD(1)),
    `http_status` UInt16,
    `http_duration_ms` Float64 CODEC(ZSTD(1)),
    `http_request_size` Int64 CODEC(ZSTD(1)),
    `http_response_size` Int64 CODEC(ZSTD(1)),
    `http_user_agent` String CODEC(ZSTD(1)),
    `http_client_ip` String CODEC(ZSTD(1)),
    `error_type` LowCardinality(String),
    `error_message` String CODEC(ZSTD(1)),
    `error_stack` String CODEC(ZSTD(1)),
    `timestamp64` DateTime64(9) ALIAS fromUnixTimestamp64Nano(toInt64(timestamp_ns)),
    `attr_str` Map(String, String) ALIAS CAST((attr_str_keys, attr_str_values), 'Map(String, String)'),
    `attr_int` Map(String, Int64) ALIAS CAST((attr_int_keys, attr_int_values), 'Map(String, Int64)'),
    `attr_float` Map(String, Float64) ALIAS CAST((attr_float_keys, attr_float_values), 'Map(String, Float64)'),
    `attr_bool` Map(String, UInt8) ALIAS CAST((attr_bool_keys, attr_bool_values), 'Map(String, UInt8)'),
    `resource` Map(String, String) ALIAS CAST((resource_keys, resource_values), 'Map(String, String)'),
    `is_error` UInt8 ALIAS severity IN ('error', 'fatal'),
    INDEX idx_trace_id trace_id TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_id span_id TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_session_id session_id TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_message message TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 1
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/aires/events_local', '{replica}')
PARTITION BY toDate(timestamp)
ORDER BY (service, severity, timestamp)
TTL timestamp + toIntervalDay(30)
SETTINGS replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS `aires`.`events` ON CLUSTER `aires`
(
    `id` UUID,
    `timestamp` DateTime CODEC(Delta, ZSTD(1)),
    `timestamp_ns` UInt64 CODEC(Delta, ZSTD(1)),
    `service` LowCardinality(String),
    `environment` LowCardinality(String),
    `release` LowCardinality(String),
    `host` LowCardinality(String),
    `severity` Enum8('trace' = 1, 'debug' = 2, 'info' = 3, 'warn' = 4, 'error' = 5, 'fatal' = 6),
    `message` String CODEC(ZSTD(1)),
    `trace_id` String CODEC(ZSTD(1)),
    `span_id` String CODEC(ZSTD(1)),
    `session_id` String CODEC(ZSTD(1)),
    `user_id` String CODEC(ZSTD(1)),
    `tags` Array(String) CODEC(ZSTD(1)),
    `attr_str_keys` Array(String) CODEC(ZSTD(1)),
    `attr_str_values` Array(String) CODEC(ZSTD(1)),
    `attr_int_keys` Array(String) CODEC(ZSTD(1)),
    `attr_int_values` Array(Int64) CODEC(ZSTD(1)),
    `attr_float_keys` Array(String) CODEC(ZSTD(1)),
    `attr_float_values` Array(Float64) CODEC(ZSTD(1)),
    `attr_bool_keys` Array(String) CODEC(ZSTD(1)),
    `attr_bool_values` Array(UInt8) CODEC(ZSTD(1)),
    `resource_keys` Array(String) CODEC(ZSTD(1)),
    `resource_values` Array(String) CODEC(ZSTD(1)),
    `http_method` LowCardinality(String),
    `http_route` LowCardinality(String),
    `http_path` String CODEC(ZSTD(1)),
    `http_url` String CODEC(ZSTD(1)),
    `http_status` UInt16,
    `http_duration_ms` Float64 CODEC(ZSTD(1)),
    `http_request_size` Int64 CODEC(ZSTD(1)),
    `http_response_size` Int64 CODEC(ZSTD(1)),
    `http_user_agent` String CODEC(ZSTD(1)),
    `http_client_ip` String CODEC(ZSTD(1)),
    `error_type` LowCardinality(String),
    `error_message` String CODEC(ZSTD(1)),
    `error_stack` String CODEC(ZSTD(1)),
    `timestamp64` DateTime64(9) ALIAS fromUnixTimestamp64Nano(toInt64(timestamp_ns)),
    `attr_str` Map(String, String) ALIAS CAST((attr_str_keys, attr_str_values), 'Map(String, String)'),
    `attr_int` Map(String, Int64) ALIAS CAST((attr_int_keys, attr_int_values), 'Map(String, Int64)'),
    `attr_float` Map(String, Float64) ALIAS CAST((attr_float_keys, attr_float_values), 'Map(String, Float64)'),
    `attr_bool` Map(String, UInt8) ALIAS CAST((attr_bool_keys, attr_bool_values), 'Map(String, UInt8)'),
    `resource` Map(String, String) ALIAS CAST((resource_keys, resource_values), 'Map(String, String)'),
    `is_error` UInt8 ALIAS severity IN ('error', 'fatal')
)
ENGINE = Distributed(`aires`, `aires`, `events_local`, cityHash64(toString(id)));

CREATE TABLE IF NOT EXISTS `aires`.`events_errors_1m_local` ON CLUSTER `aires`
(
    `minute` DateTime,
    `service` LowCardinality(String),
    `environment` LowCardinality(String),
    `events` UInt64,
    `errors` UInt64
)
ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/aires/events_errors_1m_local', '{replica}')
PARTITION BY toDate(minute)
ORDER BY (service, environment, minute)
TTL minute + toIntervalDay(30)
SETTINGS replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS `aires`.`events_errors_1m_mv` ON CLUSTER `aires` TO `aires`.`events_errors_1m_local`
AS SELECT
    toStartOfMinute(timestamp) AS minute,
    service,
    environment,
    count() AS events,
    countIf(severity IN ('error', 'fatal')) AS errors
FROM `aires`.`events_local`
GROUP BY minute, service, environment;

CREATE TABLE IF NOT EXISTS `aires`.`events_errors_1m` ON CLUSTER `aires`
(
    `minute` DateTime,
    `service` LowCardinality(String),
    `environment` LowCardinality(String),
    `events` UInt64,
    `errors` UInt64
)
ENGINE = Distributed(`aires`, `aires`, `events_errors_1m_local`);

CREATE TABLE IF NOT EXISTS `aires`.`events_http_1m_local` ON CLUSTER `aires`
(
    `minute` DateTime,
    `service` LowCardinality(String),
    `environment` LowCardinality(String),
    `http_method` LowCardinality(String),
    `http_route` LowCardinality(String),
    `requests` UInt64,
    `errors_4xx` UInt64,
    `errors_5xx` UInt64,
    `duration_ms_sum` Float64,
    `duration_ms_quantiles` AggregateFunction(quantilesTDigest(0.5, 0.9, 0.99), Float64)
)
ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/aires/events_http_1m_local', '{replica}')
PARTITION BY toDate(minute)
ORDER BY (service, environment, http_route, http_method, minute)
TTL minute + toIntervalDay(30)
SETTINGS replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS `aires`.`events_http_1m_mv` ON CLUSTER `aires` TO `aires`.`events_http_1m_local`
AS SELECT
    toStartOfMinute(timestamp) AS minute,
    service,
    environment,
    http_method,
    http_route,
    count() AS requests,
    countIf(http_status >= 400 AND http_status < 500) AS errors_4xx,
    countIf(http_status >= 500) AS errors_5xx,
    sum(http_duration_ms) AS duration_ms_sum,
    quantilesTDigestState(0.5, 0.9, 0.99)(http_duration_ms) AS duration_ms_quantiles
FROM `aires`.`events_local`
WHERE http_status > 0
GROUP BY minute, service, environment, http_method, http_route;

CREATE TABLE IF NOT EXISTS `aires`.`events_http_1m` ON CLUSTER `aires`
(
    `minute` DateTime,
    `service` LowCardinality(String),
    `environment` LowCardinality(String),
    `http_method` LowCardinality(String),
    `http_route` LowCardinality(String),
    `requests` UInt64,
    `errors_4xx` UInt64,
    `errors_5xx` UInt64,
    `duration_ms_sum` Float64,
    `duration_ms_quantiles` AggregateFunction(quantilesTDigest(0.5, 0.9, 0.99), Float64)
)
ENGINE = Distributed(`aires`, `aires`, `events_http_1m_local`);

CREATE TABLE IF NOT EXISTS `aires`.`events_traces_local` ON CLUSTER `aires`
(
    `trace_id` String,
    `service` LowCardinality(String),
    `hour` DateTime,
    `events` UInt64
)
ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/aires/events_traces_local', '{replica}')
PARTITION BY toDate(hour)
ORDER BY (trace_id, service, hour)
TTL hour + toIntervalDay(30)
SETTINGS replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS `aires`.`events_traces_mv` ON CLUSTER `aires` TO `aires`.`events_traces_local`
AS SELECT
    trace_id,
    service,
    toStartOfHour(timestamp) AS hour,
    count() AS events
FROM `aires`.`events_local`
WHERE trace_id != ''
GROUP BY trace_id, service, hour;

CREATE TABLE IF NOT EXISTS `aires`.`events_traces` ON CLUSTER `aires`
(
    `trace_id` String,
    `service` LowCardinality(String),
    `hour` DateTime,
    `events` UInt64
)
ENGINE = Distributed(`aires`, `aires`, `events_traces_local`);

