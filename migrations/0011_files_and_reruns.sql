-- Files uploaded with POST /v1/upload_file, which later runs name (a task run's `files`, a plan's
-- `file_url` parameters); they never change once kept.
CREATE TABLE uploaded_files (
    id             TEXT PRIMARY KEY,           -- file_…
    filename       TEXT NOT NULL,              -- as the uploader named it, made safe
    relative_path  TEXT NOT NULL,              -- below the data directory's uploads/
    content_type   TEXT NOT NULL,              -- from the file name
    size_bytes     INTEGER NOT NULL,
    sha256         TEXT NOT NULL,
    created_at     TEXT NOT NULL
);

-- The run a rerun repeats. No foreign key: the rerun keeps the id even if that run is removed.
ALTER TABLE runs ADD COLUMN rerun_of TEXT;
