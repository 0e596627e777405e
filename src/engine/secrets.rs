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

    /// Replaces every secret value in `text` by its placeholder (longest values first).
    pub fn redact(&self, text: &str) -> String {
        let mut secrets: Vec<(&String, &String)> = self.0.iter().filter(|(_, value)| !value.is_empty()).collect();
        secrets.sort_by_key(|(_, value)| std::cmp::Reverse(value.len()));
        secrets
            .into_iter()
            .fold(text.to_owned(), |text, (name, value)| text.replace(value.as_str(), &placeholder(name)))
    }
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
}
