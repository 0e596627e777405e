-- The credential vault: each credential's values sealed with the vault key (XChaCha20-Poly1305,
-- the credential's id as associated data), beside the parts responses show. The key itself is
-- never in the database: it lives in its own file (vault.key), so a copy of the database alone
-- opens nothing.
CREATE TABLE credentials (
    id               TEXT PRIMARY KEY,         -- cred_…
    name             TEXT NOT NULL,
    credential_type  TEXT NOT NULL,            -- password | credit_card | secret
    username         TEXT,                     -- password: shown
    totp_type        TEXT,                     -- password: authenticator | email | text | passkey | none
    totp_identifier  TEXT,                     -- password: where pushed codes are sent
    card_last_four   TEXT,                     -- credit_card: shown
    card_brand       TEXT,                     -- credit_card: shown
    secret_label     TEXT,                     -- secret: shown
    sealed_nonce     BLOB,                     -- 24 random bytes; NULL once deleted
    sealed_values    BLOB,                     -- the values as JSON, sealed; NULL once deleted
    created_at       TEXT NOT NULL,
    modified_at      TEXT NOT NULL,
    deleted_at       TEXT
);
CREATE INDEX credentials_by_created ON credentials (created_at DESC, id DESC);

-- One-time codes pushed by a person or a mail relay, each taken once by the run waiting for it.
-- The message they came in is not kept, only the code found in it.
CREATE TABLE totp_codes (
    id               TEXT PRIMARY KEY,         -- totp_…
    totp_identifier  TEXT NOT NULL COLLATE NOCASE,
    code             TEXT NOT NULL,
    task_id          TEXT,                     -- the run it is meant for, if the sender said
    workflow_id      TEXT,
    workflow_run_id  TEXT,
    source           TEXT,
    expired_at       TEXT,                     -- as the sender said; NULL: 10 minutes after created_at
    used_at          TEXT,                     -- when a run took it
    created_at       TEXT NOT NULL,
    modified_at      TEXT NOT NULL
);
CREATE INDEX totp_codes_by_identifier ON totp_codes (totp_identifier, created_at DESC);
