-- The run store. Forward-only: a later change adds a new numbered file, never edits this one.
-- Timestamps are RFC 3339 UTC strings with microseconds, so they sort as text.

-- API keys: only a SHA-256 hash of each key is kept; the key itself is shown once.
CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,              -- key_…
    name        TEXT NOT NULL,
    key_hash    BLOB NOT NULL UNIQUE,          -- SHA-256 of the key
    key_prefix  TEXT NOT NULL,                 -- first characters, to recognise a key in lists
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);

-- Runs: one execution of a task (task_v1) or of a plan (workflow_run).
CREATE TABLE runs (
    id              TEXT PRIMARY KEY,          -- tsk_… or wr_…
    run_type        TEXT NOT NULL,             -- task_v1 | workflow_run
    engine          TEXT NOT NULL,             -- agent | code
    status          TEXT NOT NULL,
    title           TEXT,
    prompt          TEXT,
    url             TEXT,
    request_json    TEXT NOT NULL,             -- the request kept whole, to re-run or reproduce it
    output_json     TEXT,
    failure_reason  TEXT,
    errors_json     TEXT NOT NULL DEFAULT '[]',
    step_count      INTEGER NOT NULL DEFAULT 0,
    action_count    INTEGER NOT NULL DEFAULT 0,
    browser_opened  INTEGER NOT NULL DEFAULT 0, -- 1 once a browser context was opened for it
    browser_session_id TEXT,
    webhook_url     TEXT,
    input_tokens    INTEGER NOT NULL DEFAULT 0,
    cached_tokens   INTEGER NOT NULL DEFAULT 0,
    output_tokens   INTEGER NOT NULL DEFAULT 0,
    cost_usd        REAL NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    modified_at     TEXT NOT NULL,
    queued_at       TEXT,
    started_at      TEXT,
    finished_at     TEXT
);
CREATE INDEX runs_by_created ON runs (created_at DESC, id DESC);
CREATE INDEX runs_by_status ON runs (status, created_at DESC);

-- Steps: the blocks of a run (a task run has one; a plan has many), each with its runs.
CREATE TABLE steps (
    id              TEXT PRIMARY KEY,          -- stp_…
    run_id          TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    parent_step_id  TEXT REFERENCES steps (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    label           TEXT NOT NULL,
    kind            TEXT NOT NULL,             -- task | loop | branch | approval | …
    created_at      TEXT NOT NULL
);
CREATE INDEX steps_by_run ON steps (run_id, position);

-- Step runs: one attempt of a step (a transient error may retry it).
CREATE TABLE step_runs (
    id              TEXT PRIMARY KEY,          -- sr_…
    step_id         TEXT NOT NULL REFERENCES steps (id) ON DELETE CASCADE,
    run_id          TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    attempt         INTEGER NOT NULL,
    status          TEXT NOT NULL,
    output_json     TEXT,
    failure_reason  TEXT,
    input_tokens    INTEGER NOT NULL DEFAULT 0,
    cached_tokens   INTEGER NOT NULL DEFAULT 0,
    output_tokens   INTEGER NOT NULL DEFAULT 0,
    cost_usd        REAL NOT NULL DEFAULT 0,
    started_at      TEXT NOT NULL,
    finished_at     TEXT
);
CREATE INDEX step_runs_by_run ON step_runs (run_id, started_at);

-- Artifacts: files written for a run (screenshots, recordings, downloads, scripts, …).
CREATE TABLE artifacts (
    id              TEXT PRIMARY KEY,          -- a_…
    run_id          TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    step_run_id     TEXT REFERENCES step_runs (id) ON DELETE SET NULL,
    artifact_type   TEXT NOT NULL,
    relative_path   TEXT NOT NULL,             -- below the data directory's artifacts/
    content_type    TEXT NOT NULL,
    size_bytes      INTEGER NOT NULL,
    sha256          TEXT NOT NULL,
    created_at      TEXT NOT NULL
);
CREATE INDEX artifacts_by_run ON artifacts (run_id, created_at);

-- Timeline: what the run did, in order: thoughts, blocks, numbered actions.
CREATE TABLE timeline_items (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id          TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    step_run_id     TEXT REFERENCES step_runs (id) ON DELETE SET NULL,
    kind            TEXT NOT NULL,             -- thought | block | action
    action_number   INTEGER,                   -- 1, 2, … per run, for actions
    label           TEXT NOT NULL,
    status          TEXT NOT NULL,
    detail_json     TEXT NOT NULL DEFAULT '{}',
    screenshot_artifact_id TEXT REFERENCES artifacts (id) ON DELETE SET NULL,
    started_at      TEXT NOT NULL,
    finished_at     TEXT
);
CREATE INDEX timeline_by_run ON timeline_items (run_id, id);

-- Events: every status change and timeline item, in the same transaction as the change.
-- The id only grows, so a reader resumes after the last id it saw (live updates, webhooks).
CREATE TABLE events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id          TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    event_type      TEXT NOT NULL,             -- run.status_changed | run.timeline_item
    payload_json    TEXT NOT NULL,
    created_at      TEXT NOT NULL
);
CREATE INDEX events_by_run ON events (run_id, id);
