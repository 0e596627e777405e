-- The recordings of a browser session's time between runs, while a person drove it; the files are
-- below the artifacts folder, in `sessions/<session_id>/`.
CREATE TABLE session_recordings (
    id              TEXT PRIMARY KEY,          -- a_…
    session_id      TEXT NOT NULL REFERENCES browser_sessions (id) ON DELETE CASCADE,
    relative_path   TEXT NOT NULL,             -- below the data directory's artifacts/
    size_bytes      INTEGER NOT NULL,
    sha256          TEXT NOT NULL,
    created_at      TEXT NOT NULL
);
CREATE INDEX session_recordings_by_session ON session_recordings (session_id, created_at);
