-- Plans (Skyvern's workflows, now "agents"): a permanent id with numbered versions. Updating a
-- plan adds a version; a run keeps the version it was started with.
CREATE TABLE plans (
    id              TEXT PRIMARY KEY,          -- wpid_…: the plan, whatever its version
    title           TEXT NOT NULL,             -- the newest version's title, for lists and search
    latest_version  INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    modified_at     TEXT NOT NULL,             -- when the newest version was saved
    deleted_at      TEXT                       -- deleted plans are kept for the runs that used them
);
CREATE INDEX plans_by_modified ON plans (modified_at DESC, id DESC);

CREATE TABLE plan_versions (
    id              TEXT PRIMARY KEY,          -- w_…: one version of a plan
    plan_id         TEXT NOT NULL REFERENCES plans (id),
    version         INTEGER NOT NULL,          -- 1, 2, … per plan
    title           TEXT NOT NULL,
    request_json    TEXT NOT NULL,             -- the validated definition request, in its canonical JSON form
    created_at      TEXT NOT NULL,
    UNIQUE (plan_id, version)
);
