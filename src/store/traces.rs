//! LLM traces: every model call of a run, with its tokens and cost, added to the step's and the
//! run's totals in the same transaction.

use rusqlite::{Row, params};
use serde::Serialize;
use serde_json::Value;

use super::{Store, StoreError, rows};
use crate::clock;
use crate::ids::{RunId, StepRunId};

/// One model call as stored: the call, with its id and time.
#[derive(Debug, Clone, Serialize)]
pub struct Trace {
    pub id: i64,
    #[serde(flatten)]
    pub call: NewTrace,
    pub created_at: String,
}

/// A model call about to be stored.
#[derive(Debug, Clone, Serialize)]
pub struct NewTrace {
    pub run_id: RunId,
    pub step_run_id: Option<StepRunId>,
    pub provider: String,
    pub model: String,
    pub request: Value,
    pub response_text: Option<String>,
    pub response: Option<Value>,
    pub parsed: Option<Value>,
    pub error: Option<String>,
    pub input_tokens: i64,
    pub cached_tokens: i64,
    pub output_tokens: i64,
    pub cost_usd: f64,
    pub latency_ms: i64,
}

fn trace_from_row(row: &Row<'_>) -> rusqlite::Result<Trace> {
    let call = NewTrace {
        run_id: rows::parsed(row, "run_id", RunId::parse)?,
        step_run_id: rows::optional_parsed(row, "step_run_id", StepRunId::parse)?,
        provider: row.get("provider")?,
        model: row.get("model")?,
        request: rows::json(row, "request_json")?,
        response_text: row.get("response_text")?,
        response: rows::optional_json(row, "response_json")?,
        parsed: rows::optional_json(row, "parsed_json")?,
        error: row.get("error")?,
        input_tokens: row.get("input_tokens")?,
        cached_tokens: row.get("cached_tokens")?,
        output_tokens: row.get("output_tokens")?,
        cost_usd: row.get("cost_usd")?,
        latency_ms: row.get("latency_ms")?,
    };
    Ok(Trace { id: row.get("id")?, call, created_at: row.get("created_at")? })
}

impl Store {
    /// Stores a call and adds its tokens and cost to its step run and its run.
    pub async fn insert_trace(&self, trace: NewTrace) -> Result<i64, StoreError> {
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO llm_traces (run_id, step_run_id, provider, model, request_json, response_text,
                    response_json, parsed_json, error, input_tokens, cached_tokens, output_tokens, cost_usd,
                    latency_ms, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                params![
                    trace.run_id.as_str(),
                    trace.step_run_id.as_ref().map(StepRunId::as_str),
                    trace.provider,
                    trace.model,
                    trace.request.to_string(),
                    trace.response_text,
                    trace.response.as_ref().map(Value::to_string),
                    trace.parsed.as_ref().map(Value::to_string),
                    trace.error,
                    trace.input_tokens,
                    trace.cached_tokens,
                    trace.output_tokens,
                    trace.cost_usd,
                    trace.latency_ms,
                    clock::now(),
                ],
            )?;
            let id = tx.last_insert_rowid();
            let totals = "input_tokens = input_tokens + ?2, cached_tokens = cached_tokens + ?3,
                output_tokens = output_tokens + ?4, cost_usd = cost_usd + ?5";
            let values = params![
                trace.run_id.as_str(),
                trace.input_tokens,
                trace.cached_tokens,
                trace.output_tokens,
                trace.cost_usd
            ];
            tx.execute(&format!("UPDATE runs SET {totals} WHERE id = ?1"), values)?;
            if let Some(step_run_id) = &trace.step_run_id {
                let values = params![
                    step_run_id.as_str(),
                    trace.input_tokens,
                    trace.cached_tokens,
                    trace.output_tokens,
                    trace.cost_usd
                ];
                tx.execute(&format!("UPDATE step_runs SET {totals} WHERE id = ?1"), values)?;
            }
            Ok(id)
        })
        .await
    }

    /// Every model call of a run, in order.
    pub async fn traces(&self, run_id: &RunId) -> Result<Vec<Trace>, StoreError> {
        let run_id = run_id.clone();
        self.read(move |connection| {
            let mut statement = connection.prepare_cached(
                "SELECT id, run_id, step_run_id, provider, model, request_json, response_text, response_json,
                    parsed_json, error, input_tokens, cached_tokens, output_tokens, cost_usd, latency_ms, created_at
                 FROM llm_traces WHERE run_id = ?1 ORDER BY id",
            )?;
            let traces = statement.query_map([run_id.as_str()], trace_from_row)?.collect::<Result<_, _>>()?;
            Ok(traces)
        })
        .await
    }
}
