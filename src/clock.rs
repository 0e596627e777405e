//! Timestamps as stored and served: RFC 3339 in UTC with microseconds, which sort as text.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

/// The current time, formatted for storage and responses.
pub fn now() -> String {
    format(OffsetDateTime::now_utc())
}

/// Formats a time the way every stored timestamp is written.
/// Always six fractional digits and a `Z`, so that text order is time order.
pub fn format(at: OffsetDateTime) -> String {
    let layout = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
    let at = at.to_offset(UtcOffset::UTC);
    at.format(layout).unwrap_or_else(|_| at.unix_timestamp().to_string())
}

/// Parses a stored timestamp; `None` for anything else.
pub fn parse(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn timestamps_round_trip_and_sort_as_text() {
        let a = super::now();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = super::now();
        assert!(b > a);
        assert!(super::parse(&a).is_some());
        assert!(a.ends_with('Z'));
    }
}
