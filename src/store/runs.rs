//! Runs: creation, lookup, listing, status transitions and start-up recovery.

use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::{Store, StoreError, events, rows};
use crate::artifacts::Artifact;
use crate::clock;
use crate::events::EventKind;
use crate::ids::{PlanId, PlanVersionId, RunId};
use crate::runs::{Engine, NewRun, PlanVersionRef, Run, RunError, RunStatus, RunType};

/// A status change and what it carries.
#[derive(Debug, Clone)]
pub struct StatusChange {
    pub to: RunStatus,
    pub failure_reason: Option<String>,
    pub errors: Vec<RunError>,
    pub output: Option<Value>,
}

impl StatusChange {
    pub fn to(status: RunStatus) -> StatusChange {
        StatusChange { to: status, failure_reason: None, errors: Vec::new(), output: None }
    }

    /// A change that ends the run with a reason, kept as `failure_reason` and one error.
    pub fn with_error(status: RunStatus, error: RunError) -> StatusChange {
        StatusChange { to: status, failure_reason: Some(error.message.clone()), errors: vec![error], output: None }
    }
}

/// What a transition did.
#[derive(Debug, Clone)]
pub enum Transition {
    /// The run now has the new status.
    Applied(Box<Run>),
    /// The table does not allow the move; the run keeps `current`.
    Refused { current: RunStatus },
}

/// Which runs a listing returns.
#[derive(Debug, Clone, Default)]
pub struct RunFilter {
    pub statuses: Vec<RunStatus>,
    pub run_types: Vec<RunType>,
    /// Only the runs of these plans (any of them); empty: of any plan or none.
    pub plan_ids: Vec<PlanId>,
    /// Only runs whose id or request (parameter values, headers) contains this text, in any case.
    pub request_contains: Option<String>,
    /// Only runs with an error of this code.
    pub error_code: Option<String>,
    /// Created at or after this moment.
    pub created_after: Option<OffsetDateTime>,
    /// Created before this moment.
    pub created_before: Option<OffsetDateTime>,
    /// 1-based.
    pub page: u32,
    pub page_size: u32,
}

/// One page of runs, newest first.
#[derive(Debug, Clone)]
pub struct RunPage {
    pub runs: Vec<Run>,
    pub total: u64,
}

pub(super) const RUN_COLUMNS: &str = "id, run_type, engine, status, title, prompt, url, request_json, output_json,
    failure_reason, errors_json, step_count, action_count, browser_opened, browser_session_id, webhook_url,
    input_tokens, cached_tokens, output_tokens, cost_usd, created_at, modified_at, queued_at, started_at,
    finished_at, plan_id, plan_version_id, rerun_of, artifacts_removed_at";

pub(super) fn run_from_row(row: &Row<'_>) -> rusqlite::Result<Run> {
    let errors = rows::json(row, "errors_json")?;
    Ok(Run {
        id: rows::parsed(row, "id", RunId::parse)?,
        run_type: rows::parsed(row, "run_type", |t| RunType::parse(t).ok_or("unknown run type"))?,
        engine: rows::parsed(row, "engine", |t| Engine::parse(t).ok_or("unknown engine"))?,
        status: rows::parsed(row, "status", str::parse::<RunStatus>)?,
        title: row.get("title")?,
        prompt: row.get("prompt")?,
        url: row.get("url")?,
        request: rows::json(row, "request_json")?,
        output: rows::optional_json(row, "output_json")?,
        failure_reason: row.get("failure_reason")?,
        errors: serde_json::from_value(errors).unwrap_or_default(),
        step_count: row.get("step_count")?,
        action_count: row.get("action_count")?,
        browser_opened: row.get("browser_opened")?,
        browser_session_id: row.get("browser_session_id")?,
        webhook_url: row.get("webhook_url")?,
        plan: match (
            rows::optional_parsed(row, "plan_id", PlanId::parse)?,
            rows::optional_parsed(row, "plan_version_id", PlanVersionId::parse)?,
        ) {
            (Some(plan_id), Some(version_id)) => Some(PlanVersionRef { plan_id, version_id }),
            _ => None,
        },
        rerun_of: rows::optional_parsed(row, "rerun_of", RunId::parse)?,
        usage: rows::usage(row)?,
        created_at: row.get("created_at")?,
        modified_at: row.get("modified_at")?,
        queued_at: row.get("queued_at")?,
        started_at: row.get("started_at")?,
        finished_at: row.get("finished_at")?,
        artifacts_removed_at: row.get("artifacts_removed_at")?,
    })
}

/// The run, or `RunRemoved` with its tombstone when retention removed it.
fn load_run_or_removed(connection: &Connection, run_id: &RunId) -> Result<Run, StoreError> {
    match load_run(connection, run_id) {
        Err(StoreError::NotFound(what)) => match super::retention::removed(connection, run_id)? {
            Some(removed) => Err(StoreError::RunRemoved(Box::new(removed))),
            None => Err(StoreError::NotFound(what)),
        },
        found => found,
    }
}

fn load_run(connection: &Connection, run_id: &RunId) -> Result<Run, StoreError> {
    let sql = format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = ?1");
    rows::found(connection.query_row(&sql, [run_id.as_str()], run_from_row), || format!("run {run_id}"))
}

/// The runs of `run_ids` that exist, on the caller's connection.
pub(super) fn load_runs(connection: &Connection, run_ids: &[RunId]) -> Result<Vec<Run>, StoreError> {
    if run_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!("SELECT {RUN_COLUMNS} FROM runs WHERE id IN ({})", super::placeholders(run_ids.len()));
    let mut statement = connection.prepare(&sql)?;
    let runs = statement.query_map(params_from_iter(run_ids.iter().map(RunId::as_str)), run_from_row)?;
    Ok(runs.collect::<Result<_, _>>()?)
}

/// Moves a run to a new status inside the caller's transaction, or says why not.
fn apply_transition(connection: &Connection, run_id: &RunId, change: StatusChange) -> Result<Transition, StoreError> {
    let run = load_run(connection, run_id)?;
    let from = run.status;
    if !from.can_become(change.to) {
        return Ok(Transition::Refused { current: from });
    }
    let now = clock::now();
    let mut errors = run.errors;
    errors.extend(change.errors);
    let errors_json = serde_json::to_string(&errors).unwrap_or_else(|_| "[]".into());
    let to = change.to;
    // A run queued again (interrupted before it did anything) keeps its place in the queue, and
    // starts afresh: `started_at` is the start of the attempt that runs.
    connection.execute(
        "UPDATE runs SET status = ?2, modified_at = ?3,
            queued_at = CASE WHEN ?2 = 'queued' THEN COALESCE(queued_at, ?3) ELSE queued_at END,
            started_at = CASE WHEN ?2 = 'running' THEN COALESCE(started_at, ?3)
                              WHEN ?2 = 'queued' THEN NULL ELSE started_at END,
            finished_at = CASE WHEN ?4 THEN ?3 ELSE finished_at END,
            failure_reason = COALESCE(?5, failure_reason),
            errors_json = ?6,
            output_json = COALESCE(?7, output_json)
         WHERE id = ?1",
        params![
            run_id.as_str(),
            to.as_str(),
            now,
            to.is_terminal(),
            change.failure_reason.as_deref(),
            errors_json,
            change.output.as_ref().map(Value::to_string),
        ],
    )?;
    let payload = json!({
        "run_id": run_id,
        "from": from,
        "status": to,
        "failure_reason": change.failure_reason,
    });
    events::append(connection, run_id, EventKind::StatusChanged, &payload)?;
    let run = load_run(connection, run_id)?;
    if let Some(milestone) = EventKind::milestone(run.run_type, to) {
        // The run as it was at this moment: a webhook says what the run was when it happened.
        events::append(connection, run_id, milestone, &json!({ "run_id": run_id, "status": to, "run": run }))?;
    }
    Ok(Transition::Applied(Box::new(run)))
}

impl Store {
    /// Stores a new run in `created` with the artifacts it comes with (files given with the
    /// request, already written) and moves it straight to `queued`, as one transaction.
    pub async fn insert_queued_run(&self, run: NewRun, artifacts: Vec<Artifact>) -> Result<Run, StoreError> {
        self.write(move |tx| {
            let now = clock::now();
            tx.execute(
                "INSERT INTO runs (id, run_type, engine, status, title, prompt, url, request_json,
                    browser_session_id, webhook_url, created_at, modified_at, plan_id, plan_version_id, rerun_of)
                 VALUES (?1, ?2, ?3, 'created', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?12, ?13)",
                params![
                    run.id.as_str(),
                    run.run_type.as_str(),
                    run.engine.as_str(),
                    run.title,
                    run.prompt,
                    run.url,
                    run.request.to_string(),
                    run.browser_session_id,
                    run.webhook_url,
                    now,
                    run.plan.as_ref().map(|plan| plan.plan_id.as_str()),
                    run.plan.as_ref().map(|plan| plan.version_id.as_str()),
                    run.rerun_of.as_ref().map(RunId::as_str),
                ],
            )?;
            let created = json!({ "run_id": run.id, "from": null, "status": RunStatus::Created });
            events::append(tx, &run.id, EventKind::StatusChanged, &created)?;
            for artifact in &artifacts {
                super::artifacts::insert(tx, artifact)?;
            }
            match apply_transition(tx, &run.id, StatusChange::to(RunStatus::Queued))? {
                Transition::Applied(run) => Ok(*run),
                Transition::Refused { current } => {
                    Err(StoreError::Corrupt(format!("a new run could not be queued from {current}")))
                }
            }
        })
        .await
    }

    /// The run; for one that retention removed, `RunRemoved` with its tombstone.
    pub async fn run(&self, run_id: &RunId) -> Result<Run, StoreError> {
        let run_id = run_id.clone();
        self.read(move |connection| load_run_or_removed(connection, &run_id)).await
    }

    /// A run with all its artifacts, oldest first, in one trip to the database's thread (what
    /// `GET /v1/runs/{id}` shows, which clients poll).
    pub async fn run_with_artifacts(&self, run_id: &RunId) -> Result<(Run, Vec<Artifact>), StoreError> {
        let run_id = run_id.clone();
        self.read(move |connection| {
            let run = load_run_or_removed(connection, &run_id)?;
            Ok((run, super::artifacts::of_run(connection, &run_id)?))
        })
        .await
    }

    /// The runs of `run_ids` that exist, in no particular order.
    pub async fn runs_by_ids(&self, run_ids: Vec<RunId>) -> Result<Vec<Run>, StoreError> {
        self.read(move |connection| load_runs(connection, &run_ids)).await
    }

    /// Moves a run to `change.to` if the transition table allows it from its current status.
    pub async fn transition(&self, run_id: &RunId, change: StatusChange) -> Result<Transition, StoreError> {
        let run_id = run_id.clone();
        self.write(move |tx| apply_transition(tx, &run_id, change)).await
    }

    /// A page of runs matching `filter`, newest first, with the number of all matches.
    pub async fn list_runs(&self, filter: RunFilter) -> Result<RunPage, StoreError> {
        self.read(move |connection| {
            let mut clauses = Vec::new();
            let mut values: Vec<String> = Vec::new();
            if !filter.statuses.is_empty() {
                clauses.push(format!("status IN ({})", super::placeholders(filter.statuses.len())));
                values.extend(filter.statuses.iter().map(|s| s.as_str().to_owned()));
            }
            if !filter.run_types.is_empty() {
                clauses.push(format!("run_type IN ({})", super::placeholders(filter.run_types.len())));
                values.extend(filter.run_types.iter().map(|t| t.as_str().to_owned()));
            }
            if !filter.plan_ids.is_empty() {
                clauses.push(format!("plan_id IN ({})", super::placeholders(filter.plan_ids.len())));
                values.extend(filter.plan_ids.iter().map(|id| id.as_str().to_owned()));
            }
            if let Some(text) = &filter.request_contains {
                clauses.push("(id LIKE ? ESCAPE '\\' OR request_json LIKE ? ESCAPE '\\')".into());
                let pattern = format!("%{}%", rows::escape_like(text));
                values.extend([pattern.clone(), pattern]);
            }
            if let Some(code) = &filter.error_code {
                clauses.push(
                    "EXISTS (SELECT 1 FROM json_each(errors_json) WHERE json_extract(value, '$.code') = ?)".into(),
                );
                values.push(code.clone());
            }
            // Stored timestamps are all of one format, whose text order is time order.
            if let Some(after) = filter.created_after {
                clauses.push("created_at >= ?".into());
                values.push(clock::format(after));
            }
            if let Some(before) = filter.created_before {
                clauses.push("created_at < ?".into());
                values.push(clock::format(before));
            }
            let condition = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
            let total: i64 = connection.query_row(
                &format!("SELECT COUNT(*) FROM runs {condition}"),
                params_from_iter(values.iter()),
                |row| row.get(0),
            )?;
            let offset = u64::from(filter.page.saturating_sub(1)) * u64::from(filter.page_size);
            let sql = format!(
                "SELECT {RUN_COLUMNS} FROM runs {condition} ORDER BY created_at DESC, id DESC LIMIT {} OFFSET {offset}",
                filter.page_size
            );
            let mut statement = connection.prepare(&sql)?;
            let runs = statement.query_map(params_from_iter(values.iter()), run_from_row)?.collect::<Result<_, _>>()?;
            Ok(RunPage { runs, total: total as u64 })
        })
        .await
    }

    /// How many runs there are of each run type and status (pairs without a run are left out).
    pub async fn count_runs_by_type_and_status(&self) -> Result<Vec<(RunType, RunStatus, u64)>, StoreError> {
        self.read(|connection| {
            let mut statement =
                connection.prepare_cached("SELECT run_type, status, COUNT(*) FROM runs GROUP BY run_type, status")?;
            let rows = statement
                .query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get::<_, i64>(2)?)))?;
            let mut counts = Vec::new();
            for row in rows {
                let (run_type, status, count) = row?;
                let run_type = RunType::parse(&run_type)
                    .ok_or_else(|| StoreError::Corrupt(format!("unknown run type `{run_type}`")))?;
                let status = status
                    .parse::<RunStatus>()
                    .map_err(|_| StoreError::Corrupt(format!("unknown status `{status}`")))?;
                counts.push((run_type, status, count.max(0) as u64));
            }
            Ok(counts)
        })
        .await
    }

    /// Runs in any of `statuses`, oldest queued first (the order the queue serves them).
    pub async fn runs_with_status(&self, statuses: &[RunStatus]) -> Result<Vec<Run>, StoreError> {
        let names: Vec<String> = statuses.iter().map(|s| s.as_str().to_owned()).collect();
        self.read(move |connection| {
            let sql = format!(
                "SELECT {RUN_COLUMNS} FROM runs WHERE status IN ({}) ORDER BY COALESCE(queued_at, created_at), id",
                super::placeholders(names.len())
            );
            let mut statement = connection.prepare(&sql)?;
            let runs = statement.query_map(params_from_iter(names.iter()), run_from_row)?.collect::<Result<_, _>>()?;
            Ok(runs)
        })
        .await
    }

    /// Notes that a browser context was opened for the run.
    pub async fn mark_browser_opened(&self, run_id: &RunId) -> Result<(), StoreError> {
        let run_id = run_id.clone();
        self.write(move |tx| {
            tx.execute(
                "UPDATE runs SET browser_opened = 1, modified_at = ?2 WHERE id = ?1",
                params![run_id.as_str(), clock::now()],
            )?;
            Ok(())
        })
        .await
    }

    /// Keeps a run's output before its end (a plan run's outputs, whatever its outcome).
    pub async fn set_run_output(&self, run_id: &RunId, output: Option<Value>) -> Result<(), StoreError> {
        let run_id = run_id.clone();
        self.write(move |tx| {
            tx.execute(
                "UPDATE runs SET output_json = ?2, modified_at = ?3 WHERE id = ?1",
                params![run_id.as_str(), output.as_ref().map(Value::to_string), clock::now()],
            )?;
            Ok(())
        })
        .await
    }

    /// Whether anything happened in the run yet: a step, an action or a timeline item.
    pub async fn run_has_activity(&self, run_id: &RunId) -> Result<bool, StoreError> {
        let run_id = run_id.clone();
        self.read(move |connection| {
            let any: Option<i64> = connection
                .query_row("SELECT 1 FROM timeline_items WHERE run_id = ?1 LIMIT 1", [run_id.as_str()], |row| {
                    row.get(0)
                })
                .optional()?;
            Ok(any.is_some())
        })
        .await
    }
}
