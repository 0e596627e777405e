//! Secret values of a run (passwords, codes): the model and the stored records only ever see
//! placeholders like `{{secret.password}}` (a secret given with the run) or
//! `{{credential.cred_1.password}}` (a value of a stored credential); the value is put in at the
//! moment an action types it, and taken out again wherever page text could carry it back.
//!
//! One-time verification codes join while the run goes (`{{verification_code}}`, see
//! `codes`): each code obtained is typed where that placeholder stands and redacted for the
//! rest of the run, in every recorder of the run, as they share the list.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::{Arc, Mutex};

use super::codes::VERIFICATION_CODE;

/// A run's secrets by the name inside their placeholder (`secret.password`,
/// `credential.cred_1.password`), the values typed the same way that are not secret (a
/// credential's user name: it is shown in responses, and redacting a short common word
/// everywhere would garble page text), and the verification codes obtained so far, newest last.
/// `Debug` shows the names only.
#[derive(Clone, Default)]
pub struct Secrets {
    secret: BTreeMap<String, String>,
    plain: BTreeMap<String, String>,
    codes: Arc<Mutex<Vec<String>>>,
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.secret.keys().chain(self.plain.keys())).finish()
    }
}

/// The placeholder that stands for a secret given with the run.
pub fn placeholder(name: &str) -> String {
    in_braces(&format!("secret.{name}"))
}

fn in_braces(key: &str) -> String {
    format!("{{{{{key}}}}}")
}

impl Secrets {
    /// The secrets given with a run, by name.
    pub fn new(values: BTreeMap<String, String>) -> Secrets {
        Secrets {
            secret: values.into_iter().map(|(name, value)| (format!("secret.{name}"), value)).collect(),
            ..Secrets::default()
        }
    }

    /// Adds a value of a stored credential, typed where `{{credential.<id>.<field>}}` stands;
    /// a secret one is also redacted wherever it comes back.
    pub fn add_credential_value(&mut self, credential: &str, field: &str, value: String, secret: bool) {
        let key = format!("credential.{credential}.{field}");
        if secret {
            self.secret.insert(key, value);
        } else {
            self.plain.insert(key, value);
        }
    }

    /// Adds a verification code just obtained: `{{verification_code}}` types it from now on, and
    /// it is redacted wherever it comes back, for the rest of the run.
    pub fn add_code(&self, code: String) {
        self.codes.lock().unwrap_or_else(|p| p.into_inner()).push(code);
    }

    pub fn is_empty(&self) -> bool {
        self.secret.is_empty() && self.plain.is_empty() && self.codes().is_empty()
    }

    fn codes(&self) -> Vec<String> {
        self.codes.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Puts the values in place of their placeholders, at the moment of typing.
    pub fn fill_in(&self, text: &str) -> String {
        let text = self
            .secret
            .iter()
            .chain(&self.plain)
            .fold(text.to_owned(), |text, (key, value)| text.replace(&in_braces(key), value));
        match self.codes().last() {
            Some(code) => text.replace(VERIFICATION_CODE, code),
            None => text,
        }
    }

    /// `text` as the model wrote it when it holds a placeholder of one of these secrets: the
    /// field it goes into is then one that holds a secret.
    pub fn shown<'a>(&self, text: &'a str) -> Option<&'a str> {
        let secret = self.secret.keys().any(|key| text.contains(&in_braces(key))) || text.contains(VERIFICATION_CODE);
        secret.then_some(text)
    }

    /// Replaces every secret value in `text` by its placeholder (longest values first), however
    /// its whitespace was laid out again (a page or an observation may fold lines and spaces).
    pub fn redact(&self, text: &str) -> String {
        let codes = self.codes();
        let mut secrets: Vec<(String, &str)> = self
            .secret
            .iter()
            .map(|(key, value)| (in_braces(key), value.as_str()))
            .chain(codes.iter().map(|code| (VERIFICATION_CODE.to_owned(), code.as_str())))
            .filter(|(_, value)| !value.trim().is_empty())
            .collect();
        secrets.sort_by_key(|(_, value)| std::cmp::Reverse(value.len()));
        secrets
            .into_iter()
            .fold(text.to_owned(), |text, (placeholder, value)| replace_spaced(&text, value, &placeholder))
    }
}

/// The `(credential id, field)` pairs of the placeholders in `text`.
pub fn credential_references(text: &str) -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        rest = &rest[start + 2..];
        let Some(end) = rest.find("}}") else { break };
        let inside = rest[..end].trim();
        let mut parts = inside.splitn(3, '.');
        if let (Some("credential"), Some(id), Some(field)) = (parts.next(), parts.next(), parts.next()) {
            found.insert((id.to_owned(), field.to_owned()));
        }
        rest = &rest[end + 2..];
    }
    found
}

/// `text` with every occurrence of `value` replaced by `by`, where any run of whitespace in
/// `value` matches any run of whitespace in `text`.
fn replace_spaced(text: &str, value: &str, by: &str) -> String {
    let words: Vec<&str> = value.split_whitespace().collect();
    let mut out = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(length) = spaced_match(rest, &words) {
            out.push_str(by);
            rest = &rest[length..];
            continue;
        }
        let next = rest.chars().next().map_or(1, char::len_utf8);
        out.push_str(&rest[..next]);
        rest = &rest[next..];
    }
    out
}

/// The length of the start of `text` that is `words` separated by whitespace, if it is.
fn spaced_match(text: &str, words: &[&str]) -> Option<usize> {
    let mut at = 0;
    for (index, word) in words.iter().enumerate() {
        if index > 0 {
            let spaces = text[at..].len() - text[at..].trim_start().len();
            if spaces == 0 {
                return None;
            }
            at += spaces;
        }
        if !text[at..].starts_with(word) {
            return None;
        }
        at += word.len();
    }
    Some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets() -> Secrets {
        Secrets::new(BTreeMap::from([("password".into(), "hunter2".into()), ("pin".into(), "hunter".into())]))
    }

    #[test]
    fn placeholders_are_filled_in_and_values_redacted_back() {
        let secrets = secrets();
        assert_eq!(secrets.fill_in("{{secret.password}}!"), "hunter2!");
        assert_eq!(secrets.redact("value=\"hunter2\" and hunter"), "value=\"{{secret.password}}\" and {{secret.pin}}");
        assert!(!format!("{secrets:?}").contains("hunter"));
    }

    #[test]
    fn a_credential_value_is_filled_in_and_redacted_under_its_own_placeholder() {
        let mut secrets = secrets();
        secrets.add_credential_value("cred_7", "password", "correct horse".into(), true);
        secrets.add_credential_value("cred_7", "username", "ada".into(), false);
        assert_eq!(
            secrets.fill_in("{{credential.cred_7.username}}: {{credential.cred_7.password}}"),
            "ada: correct horse"
        );
        assert_eq!(secrets.redact("ada typed correct horse"), "ada typed {{credential.cred_7.password}}");
        assert!(secrets.shown("{{credential.cred_7.password}}").is_some());
        assert!(secrets.shown("{{credential.cred_7.username}}").is_none(), "a user name is no secret");
    }

    #[test]
    fn a_verification_code_obtained_later_is_typed_and_redacted_in_every_copy() {
        let secrets = secrets();
        let copy = secrets.clone();
        assert_eq!(secrets.fill_in("{{verification_code}}"), "{{verification_code}}", "no code yet");
        assert!(secrets.shown("{{verification_code}}").is_some(), "the field will hold a secret");
        copy.add_code("481516".into());
        assert_eq!(secrets.fill_in("{{verification_code}}"), "481516");
        assert_eq!(secrets.redact("code 481516 sent"), "code {{verification_code}} sent");
        copy.add_code("234234".into());
        assert_eq!(secrets.fill_in("{{verification_code}}"), "234234", "the newest code is typed");
        assert_eq!(secrets.redact("481516 / 234234"), "{{verification_code}} / {{verification_code}}");
    }

    #[test]
    fn placeholders_of_credentials_are_found_and_other_templates_left_alone() {
        let text = r#"{"prompt": "sign in as {{ credential.cred_12.username }}", "v": "{{credential.cred_12.password}}{{secret.pin}}{{x}}"}"#;
        let found: Vec<(String, String)> = credential_references(text).into_iter().collect();
        assert_eq!(found, [("cred_12".into(), "password".into()), ("cred_12".into(), "username".into())]);
    }

    #[test]
    fn a_secret_is_redacted_however_its_lines_and_spaces_were_folded() {
        let secrets = Secrets::new(BTreeMap::from([("phrase".into(), "alpha beta\n  gamma\tdelta".into())]));
        assert_eq!(secrets.redact("value=\"alpha beta gamma delta\" end"), "value=\"{{secret.phrase}}\" end");
        assert_eq!(secrets.redact("alpha\n\nbeta gamma   delta"), "{{secret.phrase}}");
        assert_eq!(secrets.redact("alpha beta gamma"), "alpha beta gamma", "a part alone is not the secret");
        assert_eq!(secrets.shown("{{secret.phrase}}!"), Some("{{secret.phrase}}!"));
        assert_eq!(secrets.shown("nothing secret"), None);
    }
}
