-- LLM traces: one row per model call of the agent, for audit and cost.
CREATE TABLE llm_traces (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id          TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    step_run_id     TEXT REFERENCES step_runs (id) ON DELETE SET NULL,
    provider        TEXT NOT NULL,
    model           TEXT NOT NULL,
    request_json    TEXT NOT NULL,             -- system prompt and messages; screenshots as artifact ids
    response_text   TEXT,                      -- the model's raw answer
    response_json   TEXT,                      -- the provider's whole response body
    parsed_json     TEXT,                      -- the actions understood from the answer
    error           TEXT,
    input_tokens    INTEGER NOT NULL DEFAULT 0,
    cached_tokens   INTEGER NOT NULL DEFAULT 0,
    output_tokens   INTEGER NOT NULL DEFAULT 0,
    cost_usd        REAL NOT NULL DEFAULT 0,
    latency_ms      INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL
);
CREATE INDEX llm_traces_by_run ON llm_traces (run_id, id);
