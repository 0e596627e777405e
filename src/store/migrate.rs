//! Forward-only migrations: the SQL files of `migrations/`, embedded, applied in name order, each
//! recorded in `schema_migrations` in the same transaction as its statements.

use rusqlite::Connection;
use rust_embed::RustEmbed;

use super::StoreError;

#[derive(RustEmbed)]
#[folder = "migrations/"]
struct Migrations;

/// Applies every migration not yet recorded. Returns how many were applied.
pub(super) fn apply(connection: &mut Connection) -> Result<usize, StoreError> {
    connection.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)",
    )?;
    let mut names: Vec<String> =
        Migrations::iter().map(|name| name.into_owned()).filter(|name| name.ends_with(".sql")).collect();
    names.sort();
    let mut applied = 0;
    for name in names {
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
    }
}
