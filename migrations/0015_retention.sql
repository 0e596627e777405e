-- Retention: the files of finished runs are removed oldest first when the data directory outgrows
-- `retention.max_disk_gb`, and whole runs when that is not enough or when they are older than
-- `retention.max_age_days`. A run keeps its record when only its files go; a run removed whole
-- leaves a tombstone, so its routes answer 410 Gone and say when.

-- When the run's artifacts (screenshots, recording, downloads, uploads, scripts) were removed;
-- NULL while it keeps them.
ALTER TABLE runs ADD COLUMN artifacts_removed_at TEXT;
CREATE INDEX runs_by_finished ON runs (finished_at, id);

CREATE TABLE removed_runs (
    id              TEXT PRIMARY KEY,          -- tsk_… or wr_…: the run that was removed
    run_type        TEXT NOT NULL,
    status          TEXT NOT NULL,             -- the terminal status it had
    created_at      TEXT NOT NULL,
    finished_at     TEXT,
    removed_at      TEXT NOT NULL,
    reason          TEXT NOT NULL,             -- max_age_days | max_disk_gb
    last_event_id   INTEGER NOT NULL           -- the event log's newest id when it was removed: the
                                               -- search index forgets runs removed after its cursor
);
