CREATE DATABASE IF NOT EXISTS `aires` ON CLUSTER `aires`;

CREATE TABLE IF NOT EXISTS `aires`.`schema_migrations` ON CLUSTER `aires`
(
    `table_name` String,
    `version` UInt32,
    `description` String,
    `applied_at` DateTime
)
ENGINE = ReplacingMergeTree()
ORDER BY (table_name, version);

CREATE TABLE IF NOT EXISTS `aires`.`events_local` ON CLUSTER `aires`
(
    `id` UUID,
    `timestamp` DateTime,
    `timestamp_ns` UInt64,
    `service` String,
    `environment` String,
    `release` String,
    `host` String,
    `severity` Enum8('trace' = 1, 'debug' = 2, 'info' = 3, 'warn' = 4, 'error' = 5, 'fatal' = 6),
    `message` String,
    `trace_id` String,
    `span_id` String,
    `session_id` String,
    `user_id` String,
    `tags` Array(String),
    `attr_str_keys` Array(String),
    `attr_str_values` Array(String),
    `attr_int_keys` Array(String),
    `attr_int_values` Array(Int64),
    `attr_float_keys` Array(String),
    `attr_float_values` Array(Float64),
    `attr_bool_keys` Array(String),
    `attr_bool_values` Array(UInt8),
    `resource_keys` Array(String),
    `resource_values` Array(String),
    `http_method` String,
    `http_route` String,
    `http_path` String,
    `http_url` String,
    `http_status` UInt16,
    `http_duration_ms` Float64,
    `http_request_size` Int64,
    `http_response_size` Int64,
    `http_user_agent` String,
    `http_client_ip` String,
    `error_type` String,
    `error_message` String,
    `error_stack` String,
    `is_error` UInt8 ALIAS severity IN ('error', 'fatal')
)
ENGINE = MergeTree()
PARTITION BY toDate(timestamp)
ORDER BY (service, severity, timestamp);

CREATE TABLE IF NOT EXISTS `aires`.`events` ON CLUSTER `aires`
(
    `id` UUID,
    `timestamp` DateTime,
    `timestamp_ns` UInt64,
    `service` String,
    `environment` String,
    `release` String,
    `host` String,
    `severity` Enum8('trace' = 1, 'debug' = 2, 'info' = 3, 'warn' = 4, 'error' = 5, 'fatal' = 6),
    `message` String,
    `trace_id` String,
    `span_id` String,
    `session_id` String,
    `user_id` String,
    `tags` Array(String),
    `attr_str_keys` Array(String),
    `attr_str_values` Array(String),
    `attr_int_keys` Array(String),
    `attr_int_values` Array(Int64),
    `attr_float_keys` Array(String),
    `attr_float_values` Array(Float64),
    `attr_bool_keys` Array(String),
    `attr_bool_values` Array(UInt8),
    `resource_keys` Array(String),
    `resource_values` Array(String),
    `http_method` String,
    `http_route` String,
    `http_path` String,
    `http_url` String,
    `http_status` UInt16,
    `http_duration_ms` Float64,
    `http_request_size` Int64,
    `http_response_size` Int64,
    `http_user_agent` String,
    `http_client_ip` String,
    `error_type` String,
    `error_message` String,
    `error_stack` String,
    `is_error` UInt8 ALIAS severity IN ('error', 'fatal')
)
ENGINE = Distributed(`aires`, `aires`, `events_local`, cityHash64(toString(id)));

CREATE TABLE IF NOT EXISTS `aires`.`events_errors_1m_local` ON CLUSTER `aires`
(
    `minute` DateTime,
    `service` String,
    `environment` String,
    `events` UInt64,
    `errors` UInt64
)
ENGINE = SummingMergeTree()
PARTITION BY toDate(minute)
ORDER BY (service, environment, minute);

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
    `service` String,
    `environment` String,
    `events` UInt64,
    `errors` UInt64
)
ENGINE = Distributed(`aires`, `aires`, `events_errors_1m_local`);

CREATE TABLE IF NOT EXISTS `aires`.`events_http_1m_local` ON CLUSTER `aires`
(
    `minute` DateTime,
    `service` String,
    `environment` String,
    `http_method` String,
    `http_route` String,
    `requests` UInt64,
    `errors_4xx` UInt64,
    `errors_5xx` UInt64,
    `duration_ms_sum` Float64,
    `duration_ms_quantiles` AggregateFunction(quantilesTDigest(0.5, 0.9, 0.99), Float64)
)
ENGINE = SummingMergeTree()
PARTITION BY toDate(minute)
ORDER BY (service, environment, http_route, http_method, minute);

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
    `service` String,
    `environment` String,
    `http_method` String,
    `http_route` String,
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
    `service` String,
    `hour` DateTime,
    `events` UInt64
)
ENGINE = SummingMergeTree()
PARTITION BY toDate(hour)
ORDER BY (trace_id, service, hour);

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
    `service` String,
    `hour` DateTime,
    `events` UInt64
)
ENGINE = Distributed(`aires`, `aires`, `events_traces_local`);

