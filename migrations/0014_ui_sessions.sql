-- Sign-ins to the UI. The session id lives only in the browser's cookie; the table keeps its
-- SHA-256, so a copy of the database opens no session.
CREATE TABLE ui_sessions (
    id_hash             BLOB PRIMARY KEY,          -- SHA-256 of the session id
    api_key_id          TEXT REFERENCES api_keys (id), -- the stored key signed in with; NULL: auth.api_key
    key_name            TEXT NOT NULL,             -- that key's name, as shown to the person
    configured_key_check BLOB,                     -- with auth.api_key: SHA-256 of the session id and that key,
                                                   -- so changing auth.api_key ends the session
    csrf_token          TEXT NOT NULL,             -- sent back in x-csrf-token with every change
    created_at          TEXT NOT NULL,
    last_seen_at        TEXT NOT NULL,
    expires_at          TEXT NOT NULL,
    ended_at            TEXT                       -- signed out, or its key revoked
);
CREATE INDEX ui_sessions_by_key ON ui_sessions (api_key_id);
