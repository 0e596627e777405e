//! Turning rows back into domain values; a value that does not parse is reported as damage.

use rusqlite::Row;
use serde_json::Value;

use super::StoreError;
use crate::runs::Usage;

/// Reads a JSON text column.
pub(super) fn json(row: &Row<'_>, column: &str) -> rusqlite::Result<Value> {
    let text: String = row.get(column)?;
    serde_json::from_str(&text).map_err(|error| conversion(column, error))
}

/// Reads an optional JSON text column.
pub(super) fn optional_json(row: &Row<'_>, column: &str) -> rusqlite::Result<Option<Value>> {
    let text: Option<String> = row.get(column)?;
    text.map(|text| serde_json::from_str(&text).map_err(|error| conversion(column, error))).transpose()
}

/// Reads a text column through a parser of the domain type.
pub(super) fn parsed<T, E>(row: &Row<'_>, column: &str, parse: impl FnOnce(&str) -> Result<T, E>) -> rusqlite::Result<T>
where
    E: std::fmt::Display,
{
    let text: String = row.get(column)?;
    parse(&text).map_err(|error| conversion(column, DisplayError(error.to_string())))
}

/// Reads an optional text column through a parser of the domain type.
pub(super) fn optional_parsed<T, E>(
    row: &Row<'_>,
    column: &str,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> rusqlite::Result<Option<T>>
where
    E: std::fmt::Display,
{
    let text: Option<String> = row.get(column)?;
    text.map(|text| parse(&text).map_err(|error| conversion(column, DisplayError(error.to_string())))).transpose()
}

/// Reads the model usage columns (`input_tokens`, `cached_tokens`, `output_tokens`, `cost_usd`)
/// that runs and step runs share.
pub(super) fn usage(row: &Row<'_>) -> rusqlite::Result<Usage> {
    Ok(Usage {
        input_tokens: row.get("input_tokens")?,
        cached_tokens: row.get("cached_tokens")?,
        output_tokens: row.get("output_tokens")?,
        cost_usd: row.get("cost_usd")?,
    })
}

/// `text` with `\`, `%` and `_` escaped, for a `LIKE … ESCAPE '\'` pattern.
pub(super) fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// Maps "no such row" to `NotFound(what)`.
pub(super) fn found<T>(result: rusqlite::Result<T>, what: impl FnOnce() -> String) -> Result<T, StoreError> {
    match result {
        Err(rusqlite::Error::QueryReturnedNoRows) => Err(StoreError::NotFound(what())),
        other => Ok(other?),
    }
}

fn conversion(column: &str, error: impl std::error::Error + Send + Sync + 'static) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        Box::new(ColumnError { column: column.to_owned(), message: error.to_string() }),
    )
}

#[derive(Debug, thiserror::Error)]
#[error("column {column}: {message}")]
struct ColumnError {
    column: String,
    message: String,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct DisplayError(String);
