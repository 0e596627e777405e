//! When a schedule fires: its cron expression, read with croner, in its IANA time zone (chrono-tz).
//!
//! Occurrences are found on the zone's wall clock and given back as UTC instants, so `0 9 * * *`
//! in `Europe/Paris` is 07:00 UTC in summer and 08:00 UTC in winter; croner resolves the hour
//! that a change to summer time skips and the hour that a change back repeats.
//!
//! A new timing is checked as Skyvern checks it, in its order: the expression, the shortest gap
//! between its firings, the zone.

use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};

use super::InvalidSchedule;

/// The span of firings the gap check samples, as Skyvern: a day and an hour covers every cycle of
/// the minute and hour fields, the wrap of the hour included.
const GAP_SAMPLE_SPAN: TimeDelta = TimeDelta::hours(25);
/// The most firings the gap check samples, bounding dense expressions such as `* * * * *`.
const GAP_MAX_SAMPLES: usize = 2000;

/// Whether an expression may start with a seconds field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SecondsField {
    Allowed,
    Refused,
}

/// A cron expression in a time zone.
#[derive(Debug, Clone)]
pub struct Timing {
    expression: String,
    zone: Tz,
    cron: Cron,
}

impl Timing {
    /// A new timing, checked: the expression has five fields (six, seconds first, when
    /// `min_interval_seconds` is under a minute), its firings after `from` are never closer than
    /// `min_interval_seconds`, and the zone is an IANA name.
    pub fn checked(
        expression: &str,
        timezone: &str,
        min_interval_seconds: u64,
        from: DateTime<Utc>,
    ) -> Result<Timing, InvalidSchedule> {
        let seconds = if min_interval_seconds < 60 { SecondsField::Allowed } else { SecondsField::Refused };
        let cron = read_cron(expression, seconds)?;
        check_gap(&cron, min_interval_seconds, from)?;
        let zone = read_zone(timezone)?;
        Ok(Timing { expression: expression.to_owned(), zone, cron })
    }

    /// A timing saved earlier, read back as it was checked then, whatever the gap allowed now.
    pub fn saved(expression: &str, timezone: &str) -> Result<Timing, InvalidSchedule> {
        let cron = read_cron(expression, SecondsField::Allowed)?;
        Ok(Timing { expression: expression.to_owned(), zone: read_zone(timezone)?, cron })
    }

    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// The zone's IANA name.
    pub fn timezone(&self) -> &str {
        self.zone.name()
    }

    /// The first occurrence strictly after `at`.
    pub fn next_after(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = at.with_timezone(&self.zone);
        self.cron.find_next_occurrence(&local, false).ok().map(|found| found.with_timezone(&Utc))
    }

    /// The latest occurrence at or before `at`.
    pub fn latest_until(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = at.with_timezone(&self.zone);
        self.cron.find_previous_occurrence(&local, true).ok().map(|found| found.with_timezone(&Utc))
    }

    /// The next `count` occurrences after `at`.
    pub fn upcoming(&self, at: DateTime<Utc>, count: usize) -> Vec<DateTime<Utc>> {
        std::iter::successors(self.next_after(at), |previous| self.next_after(*previous)).take(count).collect()
    }
}

/// An instant as the store keeps it: RFC 3339 in UTC with six fractional digits, like every
/// stored timestamp, so text order is time order.
pub fn stored_instant(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// A stored timestamp as an instant; `None` for anything else.
pub fn instant_of(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text).ok().map(|at| at.with_timezone(&Utc))
}

/// An occurrence as responses show it: UTC, whole seconds (`2025-06-02T07:00:00Z`).
pub fn shown_instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn read_cron(expression: &str, seconds: SecondsField) -> Result<Cron, InvalidSchedule> {
    let fields = expression.split_whitespace().count();
    let nickname = fields == 1 && expression.trim_start().starts_with('@');
    let counted = fields == 5 || (fields == 6 && seconds == SecondsField::Allowed);
    if !nickname && !counted {
        let expected = match seconds {
            SecondsField::Allowed => "5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first",
            SecondsField::Refused => "5 fields (minute hour day-of-month month day-of-week)",
        };
        return Err(InvalidSchedule::Cron(format!("expected {expected}, found {fields}")));
    }
    CronParser::builder()
        .seconds(Seconds::Optional)
        .year(Year::Disallowed)
        .sloppy_ranges(true)
        .build()
        .parse(expression)
        .map_err(|error| InvalidSchedule::Cron(error.to_string()))
}

/// Refuses an expression two of whose firings in the sampled span are closer than the minimum.
fn check_gap(cron: &Cron, min_interval_seconds: u64, from: DateTime<Utc>) -> Result<(), InvalidSchedule> {
    let next = |at: &DateTime<Utc>| cron.find_next_occurrence(at, false).ok();
    let first = next(&from).ok_or_else(|| InvalidSchedule::Cron("it never fires".into()))?;
    let minimum = TimeDelta::seconds(i64::try_from(min_interval_seconds).unwrap_or(i64::MAX));
    let mut previous = first;
    for _ in 1..GAP_MAX_SAMPLES {
        let Some(firing) = next(&previous) else { break };
        if firing - previous < minimum {
            return Err(InvalidSchedule::TooFrequent { min_interval_seconds });
        }
        if firing - first >= GAP_SAMPLE_SPAN {
            break;
        }
        previous = firing;
    }
    Ok(())
}

fn read_zone(timezone: &str) -> Result<Tz, InvalidSchedule> {
    Tz::from_str(timezone).map_err(|_| InvalidSchedule::Timezone(timezone.chars().take(64).collect()))
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Timelike};

    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        instant_of(text).unwrap()
    }

    #[test]
    fn a_daily_time_in_paris_is_seven_utc_in_summer_and_eight_in_winter() {
        let timing = Timing::checked("0 9 * * *", "Europe/Paris", 300, Utc::now()).unwrap();
        assert_eq!(timing.next_after(at("2025-07-01T10:00:00Z")), Some(at("2025-07-02T07:00:00Z")));
        assert_eq!(timing.next_after(at("2025-12-01T10:00:00Z")), Some(at("2025-12-02T08:00:00Z")));
        // Summer time starts on 2025-03-30: the 29th is in winter, the 30th in summer.
        let around_the_change = timing.upcoming(at("2025-03-28T12:00:00Z"), 3);
        assert_eq!(
            around_the_change,
            [at("2025-03-29T08:00:00Z"), at("2025-03-30T07:00:00Z"), at("2025-03-31T07:00:00Z")]
        );
    }

    #[test]
    fn the_latest_occurrence_counts_the_instant_itself() {
        let timing = Timing::saved("*/5 * * * *", "UTC").unwrap();
        assert_eq!(timing.latest_until(at("2025-01-01T10:07:30Z")), Some(at("2025-01-01T10:05:00Z")));
        assert_eq!(timing.latest_until(at("2025-01-01T10:10:00Z")), Some(at("2025-01-01T10:10:00Z")));
    }

    #[test]
    fn a_gap_shorter_than_the_minimum_anywhere_in_a_day_is_refused() {
        let now = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
        let refused = |expression: &str| Timing::checked(expression, "UTC", 300, now).unwrap_err();
        assert_eq!(refused("* * * * *").to_string(), "Cron interval must be at least 5 minutes");
        // Five-minute steps, then a minute from :55 to :59: only a sample of the whole hour sees it.
        assert!(matches!(refused("0,5,10,15,20,25,30,35,40,45,50,55,59 * * * *"), InvalidSchedule::TooFrequent { .. }));
        assert!(Timing::checked("*/5 * * * *", "UTC", 300, now).is_ok());
        assert!(Timing::checked("30 23 * * *", "UTC", 300, now).is_ok());
    }

    #[test]
    fn a_seconds_field_is_accepted_only_when_the_minimum_gap_is_under_a_minute() {
        let now = Utc::now();
        let refused = Timing::checked("*/10 * * * * *", "UTC", 300, now).unwrap_err();
        assert!(refused.to_string().starts_with("Invalid cron expression"), "{refused}");
        let timing = Timing::checked("*/10 * * * * *", "UTC", 1, now).unwrap();
        let [first, second] = timing.upcoming(now, 2)[..] else { panic!("two firings") };
        assert_eq!((second - first).num_seconds(), 10);
        assert_eq!(first.second() % 10, 0);
        let too_often = Timing::checked("* * * * * *", "UTC", 5, now).unwrap_err();
        assert_eq!(too_often.to_string(), "Cron interval must be at least 5 seconds");
    }

    #[test]
    fn damaged_expressions_and_unknown_zones_are_refused_with_skyverns_messages() {
        let now = Utc::now();
        for bad in ["", "every day", "61 * * * *", "* * * *", "0 9 * * * 2030"] {
            let error = Timing::checked(bad, "UTC", 300, now).unwrap_err();
            assert!(error.to_string().starts_with("Invalid cron expression"), "{bad}: {error}");
        }
        let error = Timing::checked("0 9 * * *", "Mars/Olympus_Mons", 300, now).unwrap_err();
        assert_eq!(error.to_string(), "Invalid timezone 'Mars/Olympus_Mons'");
        assert!(Timing::checked("@daily", "America/New_York", 300, now).is_ok());
    }

    #[test]
    fn an_expression_that_never_fires_is_refused() {
        let error = Timing::checked("0 0 31 2 *", "UTC", 300, Utc::now()).unwrap_err();
        assert_eq!(error.to_string(), "Invalid cron expression: it never fires");
    }

    #[test]
    fn stored_instants_read_back_and_sort_as_text() {
        let early = at("2025-01-01T10:00:00Z");
        let late = at("2025-01-01T10:00:00.5Z");
        assert_eq!(stored_instant(early), "2025-01-01T10:00:00.000000Z");
        assert!(stored_instant(early) < stored_instant(late));
        assert_eq!(instant_of(&stored_instant(late)), Some(late));
        assert_eq!(shown_instant(early), "2025-01-01T10:00:00Z");
    }
}
