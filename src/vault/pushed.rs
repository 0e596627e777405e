//! One-time codes pushed to the appliance (Skyvern's `POST /v1/credentials/totp`): by a person, or
//! by a mail or SMS relay that forwards the whole message. The code is found in the message, kept
//! with the identifier it was sent to (a mail address, a phone number) and the run it is meant
//! for, and taken once by the run that waits for it. The message itself is not kept.

use std::fmt;

use serde::Deserialize;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

use super::values::SecretText;
use crate::clock;
use crate::ids::{RunId, TotpCodeId};

/// How long a code pushed without `expired_at` may be taken.
pub const PUSHED_CODE_LIFESPAN: time::Duration = time::Duration::minutes(10);

/// The shortest and longest codes looked for in a message.
const CODE_DIGITS: std::ops::RangeInclusive<usize> = 4..=8;

/// Words that, near a number in a message, say the number is the code.
const CODE_WORDS: &[&str] = &[
    "code",
    "otp",
    "passcode",
    "pin",
    "verif",
    "one-time",
    "one time",
    "security",
    "2fa",
    "mfa",
    "token",
    "authenticat",
    "sign in",
    "sign-in",
    "log in",
    "login",
];

/// How far before and after a number its code word may be, in bytes.
const WORDS_BEFORE: usize = 60;
const WORDS_AFTER: usize = 40;

/// The body as Skyvern's `TOTPCodeCreate`; the deprecated `type` is ignored, as Skyvern finds
/// the kind of code itself.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = TOTPCodeCreate)]
pub struct PushedCodeRequest {
    pub totp_identifier: String,
    pub content: String,
    pub task_id: Option<String>,
    pub workflow_id: Option<String>,
    pub workflow_run_id: Option<String>,
    pub source: Option<String>,
    pub expired_at: Option<String>,
}

/// A pushed code, as stored. `Debug` does not show the code.
#[derive(Debug, Clone)]
pub struct PushedCode {
    pub id: TotpCodeId,
    pub totp_identifier: String,
    pub code: SecretText,
    pub task_id: Option<String>,
    pub workflow_id: Option<String>,
    pub workflow_run_id: Option<String>,
    pub source: Option<String>,
    /// When the sender said it expires; without it, `PUSHED_CODE_LIFESPAN` after `created_at`.
    pub expired_at: Option<String>,
    /// When a run took it; a code is taken once.
    pub used_at: Option<String>,
    pub created_at: String,
    pub modified_at: String,
}

/// Which pushed code a waiting run takes: one sent to its identifier (meant for no run in
/// particular, or for this one), or, without an identifier, one meant for this run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeWanted {
    pub totp_identifier: Option<String>,
    pub run_id: Option<RunId>,
}

/// A field of a pushed code's request that is not acceptable, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct InvalidPushedCode {
    pub field: &'static str,
    pub reason: &'static str,
}

impl fmt::Debug for PushedCodeRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PushedCodeRequest").field("totp_identifier", &self.totp_identifier).finish_non_exhaustive()
    }
}

impl PushedCodeRequest {
    /// The code to store: found in `content`, with a new id and the time it came.
    pub fn into_pushed_code(self) -> Result<PushedCode, InvalidPushedCode> {
        if self.totp_identifier.trim().is_empty() {
            return Err(InvalidPushedCode { field: "totp_identifier", reason: "must not be empty" });
        }
        let code = find_code(&self.content)
            .ok_or(InvalidPushedCode { field: "content", reason: "no code of 4 to 8 digits was found in it" })?;
        let expired_at = self
            .expired_at
            .map(|text| {
                moment(&text).map(clock::format).ok_or(InvalidPushedCode {
                    field: "expired_at",
                    reason: "must be a date and time such as 2025-01-31T08:00:00Z",
                })
            })
            .transpose()?;
        let now = clock::now();
        Ok(PushedCode {
            id: TotpCodeId::generate(),
            totp_identifier: self.totp_identifier.trim().to_owned(),
            code: SecretText::new(code),
            task_id: self.task_id,
            workflow_id: self.workflow_id,
            workflow_run_id: self.workflow_run_id,
            source: self.source,
            expired_at,
            used_at: None,
            created_at: now.clone(),
            modified_at: now,
        })
    }
}

/// An ISO 8601 moment: with an offset, or without one (taken as UTC, as pydantic reads it).
fn moment(text: &str) -> Option<OffsetDateTime> {
    let naive = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]");
    clock::parse(text).or_else(|| PrimitiveDateTime::parse(text, naive).ok().map(PrimitiveDateTime::assume_utc))
}

/// The code in a pushed message: the message itself when it is only digits, else the number of
/// 4 to 8 digits nearest to a word like "code" (the first of equals), else the only such number
/// that is not a year. `None` when the message holds no code that can be told apart.
fn find_code(content: &str) -> Option<String> {
    let text = visible_text(content);
    let trimmed = text.trim();
    if CODE_DIGITS.contains(&trimmed.len()) && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        return Some(trimmed.to_owned());
    }
    let lowered = text.to_ascii_lowercase();
    let numbers = standalone_numbers(&text);
    let nearest_to_a_code_word = numbers
        .iter()
        .filter_map(|&(start, end)| Some((distance_to_a_code_word(&lowered, start, end)?, start, end)))
        .min();
    if let Some((_, start, end)) = nearest_to_a_code_word {
        return Some(text[start..end].to_owned());
    }
    let not_years: Vec<&(usize, usize)> = numbers.iter().filter(|(start, end)| !is_year(&text[*start..*end])).collect();
    match not_years.as_slice() {
        [(start, end)] => Some(text[*start..*end].to_owned()),
        _ => None,
    }
}

/// The text of a message, without the tags, styles and scripts of an HTML mail.
fn visible_text(content: &str) -> String {
    if !(content.contains('<') && content.contains('>')) {
        return content.to_owned();
    }
    let mut text = String::with_capacity(content.len());
    let mut rest = content;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        text.push(' ');
        let tag = &rest[open..];
        let lowered = tag.get(..7).unwrap_or(tag).to_ascii_lowercase();
        let closing = ["<style", "<script"]
            .iter()
            .find(|name| lowered.starts_with(*name))
            .map(|name| format!("</{}", &name[1..]));
        let skip = match closing.and_then(|closing| tag.to_ascii_lowercase().find(&closing)) {
            Some(block_end) => block_end + tag[block_end..].find('>').map_or(tag.len() - block_end, |end| end + 1),
            None => tag.find('>').map_or(tag.len(), |end| end + 1),
        };
        rest = &tag[skip..];
    }
    text.push_str(rest);
    text.replace("&nbsp;", " ")
}

/// The byte ranges of runs of 4 to 8 digits that stand alone: not part of a word, a longer
/// number, a decimal, a date, a time, an amount or a colour.
fn standalone_numbers(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut numbers = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        if !bytes[at].is_ascii_digit() {
            at += 1;
            continue;
        }
        let start = at;
        while at < bytes.len() && bytes[at].is_ascii_digit() {
            at += 1;
        }
        let before = start.checked_sub(1).map(|i| bytes[i]);
        let before_that = start.checked_sub(2).map(|i| bytes[i]);
        let after = bytes.get(at).copied();
        let after_that = bytes.get(at + 1).copied();
        let joins = |mark: Option<u8>, digit: Option<u8>| {
            mark.is_some_and(|m| b".,:/-".contains(&m)) && digit.is_some_and(|d| d.is_ascii_digit())
        };
        let glued = before.is_some_and(|b| b.is_ascii_alphabetic() || b"#$_".contains(&b))
            || after.is_some_and(|a| a.is_ascii_alphabetic() || b"%_".contains(&a))
            || joins(before, before_that)
            || joins(after, after_that);
        if CODE_DIGITS.contains(&(at - start)) && !glued {
            numbers.push((start, at));
        }
    }
    numbers
}

fn is_year(digits: &str) -> bool {
    digits.len() == 4 && (digits.starts_with("19") || digits.starts_with("20"))
}

/// How many bytes lie between the number at `start..end` of `lowered` and the nearest code word
/// before it (at most `WORDS_BEFORE`) or after it (at most `WORDS_AFTER`), if one is that near.
fn distance_to_a_code_word(lowered: &str, start: usize, end: usize) -> Option<usize> {
    let before = &lowered[lowered.floor_char_boundary(start.saturating_sub(WORDS_BEFORE))..start];
    let after = &lowered[end..lowered.ceil_char_boundary(end + WORDS_AFTER).min(lowered.len())];
    CODE_WORDS
        .iter()
        .flat_map(|word| {
            let behind = before.rfind(word).map(|at| before.len() - at - word.len());
            let ahead = after.find(word);
            behind.into_iter().chain(ahead)
        })
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_of_digits_alone_is_the_code() {
        assert_eq!(find_code(" 123456\n").as_deref(), Some("123456"));
        assert_eq!(find_code("0042").as_deref(), Some("0042"));
        assert_eq!(find_code("123"), None, "too short");
    }

    #[test]
    fn the_code_is_found_in_mail_and_sms_texts() {
        for (message, code) in [
            ("Your code is 123456", "123456"),
            ("Hello, your verification code is 654321. It expires in 10 minutes.", "654321"),
            ("G-482913 is your Google verification code.", "482913"),
            ("Order 20250131-77 shipped. Your one-time passcode: 90817263. Call 555-0100 for help.", "90817263"),
            ("© 2025 Example Inc.\n\nUse 7734 to sign in.", "7734"),
            ("Reply STOP to opt out. 2FA: 551 is not it, 845120 is.", "845120"),
        ] {
            assert_eq!(find_code(message).as_deref(), Some(code), "{message}");
        }
    }

    #[test]
    fn the_code_is_found_in_an_html_mail_and_not_in_its_styles() {
        let mail = "<html><head><style>p { color: #333333; width: 600px }</style></head><body>\
                    <p>Total 1234.50 on 2025-01-31</p><p>Your code:</p><p><b>246810</b></p></body></html>";
        assert_eq!(find_code(mail).as_deref(), Some("246810"));
    }

    #[test]
    fn a_message_with_no_code_or_several_unexplained_numbers_gives_none() {
        assert_eq!(find_code("Click the link to sign in: https://example.org/magic"), None);
        assert_eq!(find_code("Rooms 4411 and 5522 are free"), None);
        assert_eq!(find_code("Since 2019 we have served you"), None);
    }

    #[test]
    fn a_pushed_code_is_read_with_its_expiry_in_the_stored_form() {
        let request = PushedCodeRequest {
            totp_identifier: " ada@example.org ".into(),
            content: "Your code is 123456".into(),
            task_id: Some("tsk_1".into()),
            workflow_id: None,
            workflow_run_id: None,
            source: Some("email".into()),
            expired_at: Some("2030-01-31T09:00:00+01:00".into()),
        };
        let pushed = request.into_pushed_code().unwrap();
        assert_eq!(pushed.code.expose(), "123456");
        assert_eq!(pushed.totp_identifier, "ada@example.org");
        assert_eq!(pushed.expired_at.as_deref(), Some("2030-01-31T08:00:00.000000Z"));
        assert!(pushed.id.as_str().starts_with("totp_"));
        assert!(!format!("{pushed:?}").contains("123456"), "Debug hides the code");
    }

    #[test]
    fn a_pushed_code_without_a_code_or_with_a_bad_expiry_is_refused_by_field() {
        let request = |content: &str, expired_at: Option<&str>| PushedCodeRequest {
            totp_identifier: "ada@example.org".into(),
            content: content.into(),
            task_id: None,
            workflow_id: None,
            workflow_run_id: None,
            source: None,
            expired_at: expired_at.map(str::to_owned),
        };
        assert_eq!(request("no digits here", None).into_pushed_code().unwrap_err().field, "content");
        assert_eq!(request("123456", Some("tomorrow")).into_pushed_code().unwrap_err().field, "expired_at");
        let naive = request("123456", Some("2030-01-31T08:00:00")).into_pushed_code().unwrap();
        assert_eq!(naive.expired_at.as_deref(), Some("2030-01-31T08:00:00.000000Z"), "no offset: UTC");
    }
}
