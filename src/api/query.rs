//! Reading query strings: repeated keys and comma lists, bounded numbers, moments, enumerations
//! that may name Skyvern's values this appliance never produces.

use actix_web::HttpRequest;

use super::error::{ApiError, Location, Problem};
use crate::runs::RunStatus;

/// The query's values of `key`; repeated keys (`status=a&status=b`) and comma lists both count.
pub(super) fn query_values(request: &HttpRequest, key: &str) -> Vec<String> {
    url::form_urlencoded::parse(request.query_string().as_bytes())
        .filter(|(name, _)| name == key)
        .flat_map(|(_, value)| value.split(',').map(|part| part.trim().to_owned()).collect::<Vec<_>>())
        .filter(|value| !value.is_empty())
        .collect()
}

/// The statuses the query filters by (`status`, repeated or a comma list).
pub(super) fn statuses(request: &HttpRequest) -> Result<Vec<RunStatus>, ApiError> {
    query_values(request, "status")
        .iter()
        .map(|text| {
            text.parse::<RunStatus>()
                .map_err(|e| ApiError::invalid(Location::query("status"), Problem::Enum, e.to_string()))
        })
        .collect()
}

pub(super) fn single_query_value(request: &HttpRequest, key: &str) -> Option<String> {
    url::form_urlencoded::parse(request.query_string().as_bytes())
        .find(|(name, _)| name == key)
        .map(|(_, value)| value.into_owned())
}

pub(super) fn number_in(
    request: &HttpRequest,
    key: &str,
    default: u32,
    range: std::ops::RangeInclusive<u32>,
) -> Result<u32, ApiError> {
    match single_query_value(request, key) {
        None => Ok(default),
        Some(text) => text.parse::<u32>().ok().filter(|n| range.contains(n)).ok_or_else(|| {
            let reason = format!("must be a whole number from {} to {}", range.start(), range.end());
            ApiError::invalid(Location::query(key), Problem::Value, reason)
        }),
    }
}

/// A moment given as RFC 3339 (`2025-01-31T08:00:00Z`) or as a day (`2025-01-31`, its first
/// moment in UTC), if `key` is in the query.
pub(super) fn moment(request: &HttpRequest, key: &str) -> Result<Option<time::OffsetDateTime>, ApiError> {
    single_query_value(request, key)
        .map(|text| {
            crate::clock::parse(&text).or_else(|| day_start(&text)).ok_or_else(|| {
                let reason =
                    "must be a date and time in RFC 3339, such as 2025-01-31T08:00:00Z, or a day, such as 2025-01-31";
                ApiError::invalid(Location::query(key), Problem::Value, reason)
            })
        })
        .transpose()
}

/// The first moment (UTC) of a day written `YYYY-MM-DD`.
fn day_start(text: &str) -> Option<time::OffsetDateTime> {
    let day = time::Date::parse(text, time::macros::format_description!("[year]-[month]-[day]")).ok()?;
    Some(day.midnight().assume_utc())
}

/// The query's values of `key` that this appliance knows, parsed; values of Skyvern's own
/// vocabulary that it never produces (`skyvern_only`) match nothing, anything else is refused.
/// `None`: only such values were asked for, so nothing matches.
pub(super) fn filter_values<T>(
    request: &HttpRequest,
    key: &str,
    parse: impl Fn(&str) -> Option<T>,
    skyvern_only: &[&str],
) -> Result<Option<Vec<T>>, ApiError> {
    let texts = query_values(request, key);
    let mut known = Vec::new();
    for text in &texts {
        match parse(text) {
            Some(value) => known.push(value),
            None if skyvern_only.contains(&text.as_str()) => {}
            None => {
                let reason = format!("`{}` is not a known value", text.chars().take(64).collect::<String>());
                return Err(ApiError::invalid(Location::query(key), Problem::Enum, reason));
            }
        }
    }
    Ok(if known.is_empty() && !texts.is_empty() { None } else { Some(known) })
}
