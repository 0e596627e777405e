//! Plan schedules and their firings. A firing is recorded before its run is started, keyed by
//! the occurrence it fires, and only while the schedule is still as the ticker read it, so a
//! restart never fires an occurrence twice and a change made meanwhile is never overridden.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::Value;

use super::{Store, StoreError, rows};
use crate::clock;
use crate::ids::{PlanId, RunId, ScheduleId};
use crate::schedules::{
    ArmedSchedule, FireOutcome, ListedSchedule, Schedule, ScheduleSpec, instant_of, stored_instant,
};

const COLUMNS: &str = "s.id, s.plan_id, s.cron_expression, s.timezone, s.enabled, s.parameters_json, s.name,
    s.description, s.allow_overlap, s.created_at, s.modified_at, s.deleted_at";

/// Why a firing left in `starting` by a stopped appliance is counted as failed.
const INTERRUPTED: &str = "the appliance stopped while this firing's run was being started";

fn schedule_from_row(row: &Row<'_>) -> rusqlite::Result<Schedule> {
    let parameters = match rows::optional_json(row, "parameters_json")? {
        Some(Value::Object(values)) => Some(values),
        _ => None,
    };
    Ok(Schedule {
        id: rows::parsed(row, "id", ScheduleId::parse)?,
        plan_id: rows::parsed(row, "plan_id", PlanId::parse)?,
        cron_expression: row.get("cron_expression")?,
        timezone: row.get("timezone")?,
        enabled: row.get("enabled")?,
        parameters,
        name: row.get("name")?,
        description: row.get("description")?,
        allow_overlap: row.get("allow_overlap")?,
        created_at: row.get("created_at")?,
        modified_at: row.get("modified_at")?,
        deleted_at: row.get("deleted_at")?,
    })
}

/// Which schedules the organisation-wide listing returns.
#[derive(Debug, Clone, Default)]
pub struct ScheduleFilter {
    /// `Some(true)`: enabled ones only (Skyvern's `active`); `Some(false)`: paused ones only.
    pub enabled: Option<bool>,
    /// Case-insensitive substring of the plan's title or the schedule's name.
    pub search: Option<String>,
    /// 1-based.
    pub page: u32,
    pub page_size: u32,
}

/// One page of schedules, newest first, and how many match in all.
#[derive(Debug, Clone)]
pub struct SchedulePage {
    pub schedules: Vec<ListedSchedule>,
    pub total_count: u64,
}

fn parameters_text(spec: &ScheduleSpec) -> Option<String> {
    spec.parameters.as_ref().map(|values| Value::Object(values.clone()).to_string())
}

/// A live schedule of a live plan.
fn load(connection: &Connection, plan_id: &PlanId, schedule_id: &ScheduleId) -> Result<Schedule, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM schedules s WHERE s.id = ?1 AND s.plan_id = ?2 AND s.deleted_at IS NULL");
    let found =
        connection.query_row(&sql, params![schedule_id.as_str(), plan_id.as_str()], schedule_from_row).optional()?;
    found.ok_or_else(|| StoreError::NotFound(format!("schedule {schedule_id}")))
}

/// Fails with `NotFound` unless one row was changed.
fn changed_one(changed: usize, schedule_id: &ScheduleId) -> Result<(), StoreError> {
    if changed == 0 { Err(StoreError::NotFound(format!("schedule {schedule_id}"))) } else { Ok(()) }
}

impl Store {
    /// Saves a new schedule of a plan: enabled unless asked otherwise, not overlapping unless
    /// asked.
    pub async fn create_schedule(&self, plan_id: &PlanId, spec: ScheduleSpec) -> Result<Schedule, StoreError> {
        let plan_id = plan_id.clone();
        self.write(move |tx| {
            let (schedule_id, now) = (ScheduleId::generate(), clock::now());
            tx.execute(
                "INSERT INTO schedules (id, plan_id, cron_expression, timezone, enabled, parameters_json, name,
                    description, allow_overlap, created_at, modified_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
                params![
                    schedule_id.as_str(),
                    plan_id.as_str(),
                    spec.timing.expression(),
                    spec.timing.timezone(),
                    spec.enabled.unwrap_or(true),
                    parameters_text(&spec),
                    spec.name,
                    spec.description,
                    spec.allow_overlap.unwrap_or(false),
                    now,
                ],
            )?;
            load(tx, &plan_id, &schedule_id)
        })
        .await
    }

    /// Replaces a schedule's timing, parameters, name and description; `enabled` and
    /// `allow_overlap` change only when given.
    pub async fn update_schedule(
        &self,
        plan_id: &PlanId,
        schedule_id: &ScheduleId,
        spec: ScheduleSpec,
    ) -> Result<Schedule, StoreError> {
        let (plan_id, schedule_id) = (plan_id.clone(), schedule_id.clone());
        self.write(move |tx| {
            let changed = tx.execute(
                "UPDATE schedules SET cron_expression = ?3, timezone = ?4, enabled = COALESCE(?5, enabled),
                    parameters_json = ?6, name = ?7, description = ?8, allow_overlap = COALESCE(?9, allow_overlap),
                    modified_at = ?10
                 WHERE id = ?1 AND plan_id = ?2 AND deleted_at IS NULL",
                params![
                    schedule_id.as_str(),
                    plan_id.as_str(),
                    spec.timing.expression(),
                    spec.timing.timezone(),
                    spec.enabled,
                    parameters_text(&spec),
                    spec.name,
                    spec.description,
                    spec.allow_overlap,
                    clock::now(),
                ],
            )?;
            changed_one(changed, &schedule_id)?;
            load(tx, &plan_id, &schedule_id)
        })
        .await
    }

    /// Enables or pauses a schedule.
    pub async fn set_schedule_enabled(
        &self,
        plan_id: &PlanId,
        schedule_id: &ScheduleId,
        enabled: bool,
    ) -> Result<Schedule, StoreError> {
        let (plan_id, schedule_id) = (plan_id.clone(), schedule_id.clone());
        self.write(move |tx| {
            let changed = tx.execute(
                "UPDATE schedules SET enabled = ?3, modified_at = ?4 WHERE id = ?1 AND plan_id = ?2 AND deleted_at IS NULL",
                params![schedule_id.as_str(), plan_id.as_str(), enabled, clock::now()],
            )?;
            changed_one(changed, &schedule_id)?;
            load(tx, &plan_id, &schedule_id)
        })
        .await
    }

    /// Deletes a schedule: it never fires again and leaves every listing; its firings stay.
    pub async fn delete_schedule(&self, plan_id: &PlanId, schedule_id: &ScheduleId) -> Result<(), StoreError> {
        let (plan_id, schedule_id) = (plan_id.clone(), schedule_id.clone());
        self.write(move |tx| {
            let now = clock::now();
            let changed = tx.execute(
                "UPDATE schedules SET deleted_at = ?3, modified_at = ?3
                 WHERE id = ?1 AND plan_id = ?2 AND deleted_at IS NULL",
                params![schedule_id.as_str(), plan_id.as_str(), now],
            )?;
            changed_one(changed, &schedule_id)
        })
        .await
    }

    /// A live schedule of a plan.
    pub async fn schedule(&self, plan_id: &PlanId, schedule_id: &ScheduleId) -> Result<Schedule, StoreError> {
        let (plan_id, schedule_id) = (plan_id.clone(), schedule_id.clone());
        self.read(move |connection| load(connection, &plan_id, &schedule_id)).await
    }

    /// A plan's live schedules, newest first.
    pub async fn plan_schedules(&self, plan_id: &PlanId) -> Result<Vec<Schedule>, StoreError> {
        let plan_id = plan_id.clone();
        self.read(move |connection| {
            let sql = format!(
                "SELECT {COLUMNS} FROM schedules s WHERE s.plan_id = ?1 AND s.deleted_at IS NULL
                 ORDER BY s.created_at DESC, s.id DESC"
            );
            let mut statement = connection.prepare(&sql)?;
            let schedules = statement.query_map([plan_id.as_str()], schedule_from_row)?.collect::<Result<_, _>>()?;
            Ok(schedules)
        })
        .await
    }

    /// A page of the live schedules of live plans, newest first, with their plans' titles.
    pub async fn list_schedules(&self, filter: ScheduleFilter) -> Result<SchedulePage, StoreError> {
        self.read(move |connection| {
            let pattern = filter.search.map(|text| format!("%{}%", rows::escape_like(&text)));
            let matching = "FROM schedules s JOIN plans p ON p.id = s.plan_id
                 WHERE s.deleted_at IS NULL AND p.deleted_at IS NULL AND (?1 IS NULL OR s.enabled = ?1)
                   AND (?2 IS NULL OR p.title LIKE ?2 ESCAPE '\\' OR s.name LIKE ?2 ESCAPE '\\')";
            let total_count: u64 = connection.query_row(
                &format!("SELECT COUNT(*) {matching}"),
                params![filter.enabled, pattern],
                |row| row.get(0),
            )?;
            let offset = u64::from(filter.page.saturating_sub(1)) * u64::from(filter.page_size);
            let sql = format!(
                "SELECT {COLUMNS}, p.title AS plan_title {matching}
                 ORDER BY s.created_at DESC, s.id DESC LIMIT {} OFFSET {offset}",
                filter.page_size
            );
            let mut statement = connection.prepare(&sql)?;
            let schedules = statement
                .query_map(params![filter.enabled, pattern], |row| {
                    Ok(ListedSchedule { schedule: schedule_from_row(row)?, plan_title: row.get("plan_title")? })
                })?
                .collect::<Result<_, _>>()?;
            Ok(SchedulePage { schedules, total_count })
        })
        .await
    }

    /// The enabled schedules of live plans, each with its latest firing and latest run.
    pub async fn armed_schedules(&self) -> Result<Vec<ArmedSchedule>, StoreError> {
        self.read(|connection| {
            let sql = format!(
                "SELECT {COLUMNS},
                    (SELECT MAX(f.fire_at) FROM schedule_fires f WHERE f.schedule_id = s.id) AS last_fire_at,
                    (SELECT f.run_id FROM schedule_fires f WHERE f.schedule_id = s.id AND f.run_id IS NOT NULL
                     ORDER BY f.fire_at DESC LIMIT 1) AS last_run_id
                 FROM schedules s JOIN plans p ON p.id = s.plan_id
                 WHERE s.enabled = 1 AND s.deleted_at IS NULL AND p.deleted_at IS NULL"
            );
            let mut statement = connection.prepare(&sql)?;
            let armed = statement
                .query_map([], |row| {
                    Ok(ArmedSchedule {
                        schedule: schedule_from_row(row)?,
                        last_fire_at: rows::optional_parsed(row, "last_fire_at", |text| {
                            instant_of(text).ok_or("not a timestamp")
                        })?,
                        last_run_id: rows::optional_parsed(row, "last_run_id", RunId::parse)?,
                    })
                })?
                .collect::<Result<_, _>>()?;
            Ok(armed)
        })
        .await
    }

    /// Records a firing of `schedule` at the occurrence `fire_at`, if that occurrence was not
    /// recorded yet and the schedule is still enabled and unchanged since it was read. Returns
    /// whether it was recorded: only then may the firing go on.
    pub async fn record_schedule_fire(
        &self,
        schedule: &Schedule,
        fire_at: chrono::DateTime<chrono::Utc>,
        outcome: FireOutcome,
    ) -> Result<bool, StoreError> {
        let (schedule_id, read_as_of) = (schedule.id.clone(), schedule.modified_at.clone());
        self.write(move |tx| {
            let recorded = tx.execute(
                "INSERT OR IGNORE INTO schedule_fires (schedule_id, fire_at, outcome, run_id, reason, recorded_at)
                 SELECT id, ?3, ?4, ?5, ?6, ?7 FROM schedules
                 WHERE id = ?1 AND modified_at = ?2 AND enabled = 1 AND deleted_at IS NULL",
                params![
                    schedule_id.as_str(),
                    read_as_of,
                    stored_instant(fire_at),
                    outcome.as_str(),
                    outcome.run_id().map(RunId::as_str),
                    outcome.reason(),
                    clock::now(),
                ],
            )?;
            Ok(recorded == 1)
        })
        .await
    }

    /// Records what came of a firing recorded as `starting`.
    pub async fn settle_schedule_fire(
        &self,
        schedule_id: &ScheduleId,
        fire_at: chrono::DateTime<chrono::Utc>,
        outcome: FireOutcome,
    ) -> Result<(), StoreError> {
        let schedule_id = schedule_id.clone();
        self.write(move |tx| {
            let changed = tx.execute(
                "UPDATE schedule_fires SET outcome = ?3, run_id = ?4, reason = ?5, recorded_at = ?6
                 WHERE schedule_id = ?1 AND fire_at = ?2 AND outcome = 'starting'",
                params![
                    schedule_id.as_str(),
                    stored_instant(fire_at),
                    outcome.as_str(),
                    outcome.run_id().map(RunId::as_str),
                    outcome.reason(),
                    clock::now(),
                ],
            )?;
            if changed == 0 {
                return Err(StoreError::NotFound(format!("firing of schedule {schedule_id} being started")));
            }
            Ok(())
        })
        .await
    }

    /// Counts the firings a stopped appliance left `starting` as failed; returns how many.
    pub async fn settle_interrupted_schedule_fires(&self) -> Result<usize, StoreError> {
        self.write(|tx| {
            let changed = tx.execute(
                "UPDATE schedule_fires SET outcome = 'failed', reason = ?1, recorded_at = ?2 WHERE outcome = 'starting'",
                params![INTERRUPTED, clock::now()],
            )?;
            Ok(changed)
        })
        .await
    }
}
