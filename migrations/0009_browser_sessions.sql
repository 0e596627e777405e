-- Browser sessions: a browser context kept open between runs (cookies, storage, tabs), used by the
-- runs that name it one at a time, until it is closed, times out, or its browser is lost.
CREATE TABLE browser_sessions (
    id              TEXT PRIMARY KEY,          -- pbs_…
    status          TEXT NOT NULL,             -- running | closed | timed_out | failed | interrupted
    timeout_minutes INTEGER NOT NULL,          -- its lifetime, extended by `extend`
    url             TEXT,                      -- the page it opened at
    browser_profile_id TEXT,
    ended_reason    TEXT,                      -- why it ended, in words
    started_at      TEXT,
    expires_at      TEXT,                      -- when it times out unless extended
    completed_at    TEXT,
    created_at      TEXT NOT NULL,
    modified_at     TEXT NOT NULL
);
CREATE INDEX browser_sessions_by_status ON browser_sessions (status, created_at DESC);
