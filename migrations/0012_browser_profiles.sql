-- Browser profiles: the cookies and local storage a session or a finished run left, kept to start
-- later sessions and runs from. The storage is sealed with the vault key (XChaCha20-Poly1305, the
-- profile's id as associated data), like a credential's values: never in clear in the database.
CREATE TABLE browser_profiles (
    id              TEXT PRIMARY KEY,          -- bp_…
    name            TEXT NOT NULL,
    description     TEXT,
    source_id       TEXT,                      -- the session (pbs_…) or run (tsk_…, wr_…) it was made from
    sealed_nonce    BLOB,                      -- 24 random bytes; NULL once deleted
    sealed_storage  BLOB,                      -- the storage as JSON, sealed; NULL once deleted
    created_at      TEXT NOT NULL,
    modified_at     TEXT NOT NULL,
    deleted_at      TEXT
);
CREATE INDEX browser_profiles_by_created ON browser_profiles (created_at DESC, id DESC);

-- The storage a run (or a session that was asked to keep it) had when it ended, sealed with its
-- owner's id as associated data: for `include=storage` and for profiles made after the end.
CREATE TABLE final_storage (
    owner_id        TEXT PRIMARY KEY,          -- tsk_…, wr_… or pbs_…
    sealed_nonce    BLOB NOT NULL,
    sealed_storage  BLOB NOT NULL,
    created_at      TEXT NOT NULL
);

-- Whether a session keeps its storage when it ends (PATCH generate_browser_profile).
ALTER TABLE browser_sessions ADD COLUMN generate_browser_profile INTEGER NOT NULL DEFAULT 0;
