//! Forward-only migrations: the SQL files of `migrations/`, embedded, applied in name order, each
//! recorded in `schema_migrations` in the same transaction as its statements.

use rusqlite::Connection;
use rust_embed::RustEmbed;

use super::StoreError;

#[derive(RustEmbed)]
#[folder = "migrations/"]
struct Migrations;

/// Which of this binary's migrations a database has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    /// This binary's migrations the database has.
    pub applied: usize,
    /// This binary's migrations the database lacks: `skyvern serve` applies them at its start.
    pub pending: Vec<String>,
    /// Migrations the database has that this binary does not know: a newer binary made them.
    pub unknown: Vec<String>,
}

/// The names of the embedded migrations, in the order they apply.
fn embedded() -> Vec<String> {
    let mut names: Vec<String> =
        Migrations::iter().map(|name| name.into_owned()).filter(|name| name.ends_with(".sql")).collect();
    names.sort();
    names
}

/// Reads which migrations the database has, changing nothing (a database without the table
/// has none).
pub(super) fn status(connection: &Connection) -> Result<MigrationStatus, StoreError> {
    let has_table: bool = connection.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations')",
        [],
        |row| row.get(0),
    )?;
    let recorded = if has_table {
        let mut statement = connection.prepare("SELECT name FROM schema_migrations")?;
        statement.query_map([], |row| row.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?
    } else {
        Vec::new()
    };
    Ok(compare(&embedded(), &recorded))
}

/// What `recorded` lacks of `embedded`, and has beyond it.
fn compare(embedded: &[String], recorded: &[String]) -> MigrationStatus {
    let pending: Vec<String> = embedded.iter().filter(|name| !recorded.contains(name)).cloned().collect();
    let mut unknown: Vec<String> = recorded.iter().filter(|name| !embedded.contains(name)).cloned().collect();
    unknown.sort();
    MigrationStatus { applied: embedded.len() - pending.len(), pending, unknown }
}

/// Applies every migration not yet recorded. Returns how many were applied.
pub(super) fn apply(connection: &mut Connection) -> Result<usize, StoreError> {
    connection.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)",
    )?;
    let mut applied = 0;
    for name in embedded() {
        let done: bool = connection.query_row(
            "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE name = ?1)",
            [&name],
            |row| row.get(0),
        )?;
        if done {
            continue;
        }
        let file = Migrations::get(&name).ok_or_else(|| StoreError::Corrupt(format!("migration {name} vanished")))?;
        let sql = String::from_utf8_lossy(&file.data).into_owned();
        let fail = |source| StoreError::Migration { name: name.clone(), source };
        let transaction = connection.transaction()?;
        transaction.execute_batch(&sql).map_err(fail)?;
        transaction
            .execute("INSERT INTO schema_migrations (name, applied_at) VALUES (?1, ?2)", (&name, crate::clock::now()))
            .map_err(fail)?;
        transaction.commit()?;
        applied += 1;
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_apply_once_and_are_recorded() {
        let mut connection = rusqlite::Connection::open_in_memory().unwrap();
        let first = super::apply(&mut connection).unwrap();
        assert!(first >= 1);
        assert_eq!(super::apply(&mut connection).unwrap(), 0);
        let recorded: i64 = connection.query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0)).unwrap();
        assert_eq!(recorded as usize, first);
        let status = super::status(&connection).unwrap();
        assert_eq!((status.applied, status.pending.len(), status.unknown.len()), (first, 0, 0));
    }

    #[test]
    fn a_database_without_migrations_has_them_all_pending() {
        let connection = rusqlite::Connection::open_in_memory().unwrap();
        let status = super::status(&connection).unwrap();
        assert_eq!(status.applied, 0);
        assert_eq!(status.pending, super::embedded());
    }

    #[test]
    fn migrations_are_pending_or_unknown_by_name() {
        let names = |names: &[&str]| names.iter().map(|name| name.to_string()).collect::<Vec<_>>();
        let status = super::compare(&names(&["0001_a.sql", "0002_b.sql"]), &names(&["0003_c.sql", "0001_a.sql"]));
        assert_eq!(status.applied, 1);
        assert_eq!(status.pending, names(&["0002_b.sql"]));
        assert_eq!(status.unknown, names(&["0003_c.sql"]));
    }
}
