-- Events say which run type they belong to and the run's status when they happened, so a
-- follower can filter them without reading the run (`GET /v1/events?status=…&run_type=…`).
ALTER TABLE events ADD COLUMN run_type TEXT NOT NULL DEFAULT 'task_v1';
ALTER TABLE events ADD COLUMN run_status TEXT NOT NULL DEFAULT 'created';
UPDATE events SET
    run_type = (SELECT runs.run_type FROM runs WHERE runs.id = events.run_id),
    run_status = COALESCE(json_extract(payload_json, '$.status'),
                          (SELECT runs.status FROM runs WHERE runs.id = events.run_id));
CREATE INDEX events_by_type ON events (event_type, id);

-- Where each durable follower of the event log (the webhook dispatcher) has read to; it moves
-- in the same transaction as what the follower made of the events.
CREATE TABLE event_cursors (
    name            TEXT PRIMARY KEY,
    last_event_id   INTEGER NOT NULL
);
