//! Secret values of a run (passwords, codes): the model and the stored records only ever see
//! placeholders like `{{secret.password}}` (a secret given with the run) or
//! `{{credential.cred_1.password}}` (a value of a stored credential); the value is put in at the
//! moment an action types it, and taken out again wherever page text could carry it back.

use std::collections::BTreeMap;
use std::fmt;

/// A run's secrets by the name inside their placeholder (`secret.password`,
/// `credential.cred_1.password`), and the values typed the same way that are not secret (a
/// credential's user name: it is shown in responses, and redacting a short common word
/// everywhere would garble page text). `Debug` shows the names only.
#[derive(Clone, Default)]
pub struct Secrets(BTreeMap<String, String>, BTreeMap<String, String>);

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.keys().chain(self.1.keys())).finish()
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
        Secrets(values.into_iter().map(|(name, value)| (format!("secret.{name}"), value)).collect(), BTreeMap::new())
    }

    /// Adds a value of a stored credential, typed where `{{credential.<id>.<field>}}` stands;
    /// a secret one is also redacted wherever it comes back.
    pub fn add_credential_value(&mut self, credential: &str, field: &str, value: String, secret: bool) {
        let key = format!("credential.{credential}.{field}");
        if secret {
            self.0.insert(key, value);
        } else {
            self.1.insert(key, value);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty() && self.1.is_empty()
    }

    /// Puts the values in place of their placeholders, at the moment of typing.
    pub fn fill_in(&self, text: &str) -> String {
        self.0.iter().chain(&self.1).fold(text.to_owned(), |text, (key, value)| text.replace(&in_braces(key), value))
    }

    /// `text` as the model wrote it when it holds a placeholder of one of these secrets: the
    /// field it goes into is then one that holds a secret.
    pub fn shown<'a>(&self, text: &'a str) -> Option<&'a str> {
        self.0.keys().any(|key| text.contains(&in_braces(key))).then_some(text)
    }

    /// Replaces every secret value in `text` by its placeholder (longest values first), however
    /// its whitespace was laid out again (a page or an observation may fold lines and spaces).
    pub fn redact(&self, text: &str) -> String {
        let mut secrets: Vec<(&String, &String)> =
            self.0.iter().filter(|(_, value)| !value.trim().is_empty()).collect();
        secrets.sort_by_key(|(_, value)| std::cmp::Reverse(value.len()));
        secrets.into_iter().fold(text.to_owned(), |text, (key, value)| replace_spaced(&text, value, &in_braces(key)))
    }
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
    fn a_secret_is_redacted_however_its_lines_and_spaces_were_folded() {
        let secrets = Secrets::new(BTreeMap::from([("phrase".into(), "alpha beta\n  gamma\tdelta".into())]));
        assert_eq!(secrets.redact("value=\"alpha beta gamma delta\" end"), "value=\"{{secret.phrase}}\" end");
        assert_eq!(secrets.redact("alpha\n\nbeta gamma   delta"), "{{secret.phrase}}");
        assert_eq!(secrets.redact("alpha beta gamma"), "alpha beta gamma", "a part alone is not the secret");
        assert_eq!(secrets.shown("{{secret.phrase}}!"), Some("{{secret.phrase}}!"));
        assert_eq!(secrets.shown("nothing secret"), None);
    }
}
