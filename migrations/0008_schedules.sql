-- Plan schedules (Skyvern's workflow schedules): a cron expression in a time zone that starts a
-- run of a plan, and every firing of it, so a firing survives a restart and is never repeated.
CREATE TABLE schedules (
    id               TEXT PRIMARY KEY,         -- wfs_…
    plan_id          TEXT NOT NULL REFERENCES plans (id),
    cron_expression  TEXT NOT NULL,
    timezone         TEXT NOT NULL,            -- IANA name, e.g. Europe/Paris
    enabled          INTEGER NOT NULL,
    parameters_json  TEXT,                     -- the run's parameter values; NULL: none given
    name             TEXT,
    description      TEXT,
    allow_overlap    INTEGER NOT NULL DEFAULT 0, -- fire even while the previous firing's run goes on
    created_at       TEXT NOT NULL,
    modified_at      TEXT NOT NULL,            -- also where firing starts again: nothing due before it fires
    deleted_at       TEXT
);
CREATE INDEX schedules_by_plan ON schedules (plan_id, created_at DESC, id DESC);
CREATE INDEX schedules_by_created ON schedules (created_at DESC, id DESC);

CREATE TABLE schedule_fires (
    schedule_id  TEXT NOT NULL REFERENCES schedules (id),
    fire_at      TEXT NOT NULL,                -- the occurrence fired, in UTC
    outcome      TEXT NOT NULL,                -- starting | started | skipped | failed
    run_id       TEXT,                         -- the run it started
    reason       TEXT,                         -- why it was skipped or failed
    recorded_at  TEXT NOT NULL,
    PRIMARY KEY (schedule_id, fire_at)
);
