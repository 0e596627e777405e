//! Steps and their attempts (step runs): opened when they start, closed with their outcome; each
//! write also appends a `run.step_run` event in the same transaction.

use rusqlite::{Connection, Row, params};
use serde_json::{Value, json};

use super::{Store, StoreError, events, rows};
use crate::clock;
use crate::events::EventKind;
use crate::ids::{RunId, StepId, StepRunId};
use crate::runs::{StepPlace, StepRecord, StepRunRecord, StepStatus};

fn step_run_from_row(row: &Row<'_>) -> rusqlite::Result<(StepId, StepRunRecord)> {
    let record = StepRunRecord {
        step_run_id: rows::parsed(row, "id", StepRunId::parse)?,
        attempt: row.get("attempt")?,
        status: rows::parsed(row, "status", |t| StepStatus::parse(t).ok_or("unknown step status"))?,
        output: rows::optional_json(row, "output_json")?,
        failure_reason: row.get("failure_reason")?,
        usage: rows::usage(row)?,
        started_at: row.get("started_at")?,
        finished_at: row.get("finished_at")?,
    };
    Ok((rows::parsed(row, "step_id", StepId::parse)?, record))
}

fn step_from_row(row: &Row<'_>) -> rusqlite::Result<StepRecord> {
    Ok(StepRecord {
        step_id: rows::parsed(row, "id", StepId::parse)?,
        parent_step_id: rows::optional_parsed(row, "parent_step_id", StepId::parse)?,
        position: row.get("position")?,
        label: row.get("label")?,
        kind: row.get("kind")?,
        loop_index: row.get("loop_index")?,
        loop_value: rows::optional_json(row, "loop_value_json")?,
        visit: row.get("visit")?,
        created_at: row.get("created_at")?,
        runs: Vec::new(),
    })
}

/// Inserts a step; counts it in its run's `step_count`.
fn insert_step(connection: &Connection, run_id: &RunId, place: &StepPlace, now: &str) -> Result<StepId, StoreError> {
    let step_id = StepId::generate();
    let position: i64 =
        connection.query_row("SELECT COUNT(*) FROM steps WHERE run_id = ?1", [run_id.as_str()], |row| row.get(0))?;
    connection.execute(
        "INSERT INTO steps (id, run_id, parent_step_id, position, label, kind, loop_index, loop_value_json, visit,
            created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            step_id.as_str(),
            run_id.as_str(),
            place.parent.as_ref().map(StepId::as_str),
            position,
            place.label,
            place.kind,
            place.loop_index,
            place.loop_value.as_ref().map(Value::to_string),
            place.visit.max(1),
            now,
        ],
    )?;
    connection.execute(
        "UPDATE runs SET step_count = step_count + 1, modified_at = ?2 WHERE id = ?1",
        params![run_id.as_str(), now],
    )?;
    Ok(step_id)
}

/// Inserts an attempt of a step and announces it.
fn insert_attempt(
    connection: &Connection,
    run_id: &RunId,
    step_id: &StepId,
    attempt: i64,
    status: StepStatus,
    now: &str,
) -> Result<StepRunId, StoreError> {
    let step_run_id = StepRunId::generate();
    let finished_at = status.is_final().then_some(now);
    connection.execute(
        "INSERT INTO step_runs (id, step_id, run_id, attempt, status, started_at, finished_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![step_run_id.as_str(), step_id.as_str(), run_id.as_str(), attempt, status.as_str(), now, finished_at],
    )?;
    let (label, kind): (String, String) =
        connection.query_row("SELECT label, kind FROM steps WHERE id = ?1", [step_id.as_str()], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })?;
    let started = json!({
        "run_id": run_id, "step_run_id": step_run_id, "step_id": step_id, "label": label, "kind": kind,
        "attempt": attempt, "status": status, "started_at": now, "finished_at": finished_at,
    });
    events::append(connection, run_id, EventKind::StepRun, &started)?;
    Ok(step_run_id)
}

/// Closes an attempt and announces it.
fn close_attempt(
    connection: &Connection,
    step_run_id: &StepRunId,
    status: StepStatus,
    output: Option<&Value>,
    failure_reason: Option<&str>,
) -> Result<(), StoreError> {
    let now = clock::now();
    connection.execute(
        "UPDATE step_runs SET status = ?2, output_json = COALESCE(?3, output_json), failure_reason = ?4,
            finished_at = ?5
         WHERE id = ?1",
        params![step_run_id.as_str(), status.as_str(), output.map(Value::to_string), failure_reason, now],
    )?;
    let run_id: String =
        connection.query_row("SELECT run_id FROM step_runs WHERE id = ?1", [step_run_id.as_str()], |row| row.get(0))?;
    let run_id = RunId::parse(&run_id).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let finished = json!({
        "run_id": run_id, "step_run_id": step_run_id, "status": status, "output": output,
        "failure_reason": failure_reason, "finished_at": now,
    });
    events::append(connection, &run_id, EventKind::StepRun, &finished)?;
    Ok(())
}

impl Store {
    /// Opens a step of the run with its first attempt, `running`.
    pub async fn begin_step(&self, run_id: &RunId, place: StepPlace) -> Result<(StepId, StepRunId), StoreError> {
        let run_id = run_id.clone();
        self.write(move |tx| {
            let now = clock::now();
            let step_id = insert_step(tx, &run_id, &place, &now)?;
            let step_run_id = insert_attempt(tx, &run_id, &step_id, 1, StepStatus::Running, &now)?;
            Ok((step_id, step_run_id))
        })
        .await
    }

    /// Opens another attempt of a step, `running`.
    pub async fn begin_attempt(&self, run_id: &RunId, step_id: &StepId, attempt: i64) -> Result<StepRunId, StoreError> {
        let (run_id, step_id) = (run_id.clone(), step_id.clone());
        self.write(move |tx| insert_attempt(tx, &run_id, &step_id, attempt, StepStatus::Running, &clock::now())).await
    }

    /// Records a step that did not run (`skipped` on a branch not taken, `canceled` when the run
    /// stopped before it), with its reason.
    pub async fn record_step(
        &self,
        run_id: &RunId,
        place: StepPlace,
        status: StepStatus,
        reason: Option<String>,
    ) -> Result<StepId, StoreError> {
        let run_id = run_id.clone();
        self.write(move |tx| {
            let now = clock::now();
            let step_id = insert_step(tx, &run_id, &place, &now)?;
            let step_run_id = insert_attempt(tx, &run_id, &step_id, 1, status, &now)?;
            close_attempt(tx, &step_run_id, status, None, reason.as_deref())?;
            Ok(step_id)
        })
        .await
    }

    /// Closes a step attempt with its status, output and failure reason.
    pub async fn finish_step_run(
        &self,
        step_run_id: &StepRunId,
        status: StepStatus,
        output: Option<Value>,
        failure_reason: Option<String>,
    ) -> Result<(), StoreError> {
        let step_run_id = step_run_id.clone();
        self.write(move |tx| close_attempt(tx, &step_run_id, status, output.as_ref(), failure_reason.as_deref())).await
    }

    /// Closes every attempt of the run still open (the run stopped mid-step); returns how many.
    pub async fn close_open_step_runs(
        &self,
        run_id: &RunId,
        status: StepStatus,
        reason: &str,
    ) -> Result<usize, StoreError> {
        let (run_id, reason) = (run_id.clone(), reason.to_owned());
        self.write(move |tx| {
            let open: Vec<String> = tx
                .prepare("SELECT id FROM step_runs WHERE run_id = ?1 AND status IN ('queued', 'running') ORDER BY id")?
                .query_map([run_id.as_str()], |row| row.get(0))?
                .collect::<Result<_, _>>()?;
            for id in &open {
                let step_run_id = StepRunId::parse(id).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                close_attempt(tx, &step_run_id, status, None, Some(&reason))?;
            }
            Ok(open.len())
        })
        .await
    }

    /// Every step of the run with its attempts, in the order they were opened.
    pub async fn run_steps(&self, run_id: &RunId) -> Result<Vec<StepRecord>, StoreError> {
        let run_id = run_id.clone();
        self.read(move |connection| {
            let mut steps: Vec<StepRecord> = connection
                .prepare_cached(
                    "SELECT id, parent_step_id, position, label, kind, loop_index, loop_value_json, visit, created_at
                     FROM steps WHERE run_id = ?1 ORDER BY position",
                )?
                .query_map([run_id.as_str()], step_from_row)?
                .collect::<Result<_, _>>()?;
            let attempts: Vec<(StepId, StepRunRecord)> = connection
                .prepare_cached(
                    "SELECT id, step_id, attempt, status, output_json, failure_reason, input_tokens, cached_tokens,
                        output_tokens, cost_usd, started_at, finished_at
                     FROM step_runs WHERE run_id = ?1 ORDER BY step_id, attempt",
                )?
                .query_map([run_id.as_str()], step_run_from_row)?
                .collect::<Result<_, _>>()?;
            let index: std::collections::HashMap<StepId, usize> =
                steps.iter().enumerate().map(|(at, step)| (step.step_id.clone(), at)).collect();
            for (step_id, attempt) in attempts {
                if let Some(&at) = index.get(&step_id) {
                    steps[at].runs.push(attempt);
                }
            }
            Ok(steps)
        })
        .await
    }
}
