//! Secret values of a run (passwords, codes): the model and the stored records only ever see
//! placeholders like `{{secret.password}}`; the value is put in at the moment an action types it,
//! and taken out again wherever page text could carry it back.

use std::collections::BTreeMap;
use std::fmt;

/// A run's secrets by name. `Debug` shows the names only.
#[derive(Clone, Default)]
pub struct Secrets(BTreeMap<String, String>);

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

/// The placeholder that stands for a secret.
pub fn placeholder(name: &str) -> String {
    format!("{{{{secret.{name}}}}}")
}

impl Secrets {
    pub fn new(values: BTreeMap<String, String>) -> Secrets {
        Secrets(values)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Puts the values in place of their placeholders, at the moment of typing.
    pub fn fill_in(&self, text: &str) -> String {
        self.0.iter().fold(text.to_owned(), |text, (name, value)| text.replace(&placeholder(name), value))
    }

    /// `text` as the model wrote it when it holds a placeholder of one of these secrets: the
    /// field it goes into is then one that holds a secret.
    pub fn shown<'a>(&self, text: &'a str) -> Option<&'a str> {
        self.0.keys().any(|name| text.contains(&placeholder(name))).then_some(text)
    }

    /// Replaces every secret value in `text` by its placeholder (longest values first), however
    /// its whitespace was laid out again (a page or an observation may fold lines and spaces).
    pub fn redact(&self, text: &str) -> String {
        let mut secrets: Vec<(&String, &String)> =
            self.0.iter().filter(|(_, value)| !value.trim().is_empty()).collect();
        secrets.sort_by_key(|(_, value)| std::cmp::Reverse(value.len()));
        secrets
            .into_iter()
            .fold(text.to_owned(), |text, (name, value)| replace_spaced(&text, value, &placeholder(name)))
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
    fn a_secret_is_redacted_however_its_lines_and_spaces_were_folded() {
        let secrets = Secrets::new(BTreeMap::from([("phrase".into(), "alpha beta\n  gamma\tdelta".into())]));
        assert_eq!(secrets.redact("value=\"alpha beta gamma delta\" end"), "value=\"{{secret.phrase}}\" end");
        assert_eq!(secrets.redact("alpha\n\nbeta gamma   delta"), "{{secret.phrase}}");
        assert_eq!(secrets.redact("alpha beta gamma"), "alpha beta gamma", "a part alone is not the secret");
        assert_eq!(secrets.shown("{{secret.phrase}}!"), Some("{{secret.phrase}}!"));
        assert_eq!(secrets.shown("nothing secret"), None);
    }
}
