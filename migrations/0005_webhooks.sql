-- Webhooks: the secrets that sign deliveries, the durable outbox of deliveries, and every attempt.

-- Signing secrets the appliance made itself (used only while `webhooks.signing_secret` is empty).
-- The newest signs; one replaced by a rotation keeps signing until its overlap ends.
CREATE TABLE webhook_secrets (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    secret          TEXT NOT NULL,             -- whsec_ + base64 of 32 random bytes
    created_at      TEXT NOT NULL,
    retired_at      TEXT                       -- when a rotation replaced it; it signs for
                                               -- `webhooks.rotation_overlap_hours` more
);

-- Deliveries: one run milestone (or one replay asked through the API) to one URL. A delivery is
-- written in the same transaction as the webhook cursor's move past its event, so none is lost
-- or made twice; it is tried until delivered or given up.
CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,          -- msg_…: Standard Webhooks' webhook-id, the same on every attempt
    run_id          TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    event_id        INTEGER,                   -- the milestone event delivered; NULL for a replay
    event_type      TEXT NOT NULL,             -- task_run.completed | workflow_run.failed | …
    url             TEXT NOT NULL,             -- where it is posted
    receiver        TEXT NOT NULL,             -- the URL's origin (scheme://host:port): one receiver
                                               -- holds at most `webhooks.max_per_receiver` attempts at once
    body            TEXT NOT NULL,             -- the exact bytes posted (and signed) on every attempt
    state           TEXT NOT NULL,             -- pending | delivered | failed
    attempt_count   INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,                      -- when a pending delivery is due; NULL once it is not pending
    created_at      TEXT NOT NULL,             -- retries end `webhooks.retry_horizon_hours` after this
    finished_at     TEXT                       -- when it was delivered or given up
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
CREATE INDEX webhook_deliveries_by_run ON webhook_deliveries (run_id, created_at);

-- Attempts: every try of a delivery, kept for audit (`GET /v1/runs/{id}/webhooks`).
CREATE TABLE webhook_attempts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id     TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempted_at    TEXT NOT NULL,
    url             TEXT NOT NULL,
    status_code     INTEGER,                   -- the receiver's answer; NULL when none came
    latency_ms      INTEGER NOT NULL,          -- from sending to the answer (or the error)
    error           TEXT,                      -- why no answer came, or why it was refused
    response_excerpt TEXT,                     -- the first 2 KB of the receiver's answer
    outcome         TEXT NOT NULL              -- delivered | retrying | failed | refused
);
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (delivery_id, id);

-- Milestones from before webhooks existed are not delivered now: the dispatcher starts at the
-- end of the log as it stands.
INSERT INTO event_cursors (name, last_event_id)
    SELECT 'webhooks', COALESCE(MAX(id), 0) FROM events WHERE true
    ON CONFLICT (name) DO NOTHING;
