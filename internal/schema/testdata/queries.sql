-- SelectVersion
SELECT version();

-- DatabaseExists
SELECT name FROM system.databases WHERE name = 'aires';

-- TableExists
SELECT name FROM system.tables WHERE database = 'aires' AND name = 'events';

-- ColumnNames
SELECT name FROM system.columns WHERE database = 'aires' AND table = 'events';

-- AppliedVersions
SELECT DISTINCT toString(version) FROM `aires`.`schema_migrations` WHERE table_name = 'events';

-- RecordVersion
INSERT INTO `aires`.`schema_migrations` (table_name, version, description, applied_at) SELECT 'events', toUInt32(2), 'is_error alias column; per-minute views', toDateTime(1773144000);

-- TableEngine
SELECT engine_full FROM system.tables WHERE database = 'aires' AND name = 'events_errors_1m';

-- ModifyTTL
ALTER TABLE `aires`.`events` MODIFY TTL timestamp + toIntervalDay(30);

-- CutoffDay
SELECT toString(toDate(toDateTime(1770552000)));

-- ActivePartitions
SELECT DISTINCT table, partition_id, partition FROM system.parts WHERE database = 'aires' AND table IN ('events', 'events_errors_1m', 'events_http_1m', 'events_traces') AND active ORDER BY table, partition_id;

-- DropPartition
ALTER TABLE `aires`.`events_http_1m` DROP PARTITION ID '20260208';

-- QueryRunning
SELECT count() FROM system.processes WHERE query_id = '0b7c1a4e-1f2d-4c3b-9a8e-5d6f7a8b9c0d';

-- StoredIDs
SELECT id FROM `aires`.`events` WHERE timestamp >= toDateTime(1764504000) AND timestamp <= toDateTime(1764504060) AND service IN ('checkout', 'o\'brien') AND id IN aires_doubtful_ids;

