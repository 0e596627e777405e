//! A credential's values, as Skyvern's `CreateCredentialRequest` nests them under `credential`:
//! a password (with an optional TOTP seed), a credit card, or a secret. The same types read the
//! request, are sealed as JSON, and are handed to a run when it reveals them. Every value that
//! is not shown in responses is a `SecretText`, whose `Debug` prints nothing of it and whose
//! memory is wiped when it is dropped; what responses may show is `Shown`.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroizing;

use super::totp::TotpSeed;

/// The kind of a credential, as Skyvern names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialType {
    Password,
    CreditCard,
    Secret,
}

impl CredentialType {
    const ALL: [CredentialType; 3] = [CredentialType::Password, CredentialType::CreditCard, CredentialType::Secret];

    pub fn as_str(self) -> &'static str {
        match self {
            CredentialType::Password => "password",
            CredentialType::CreditCard => "credit_card",
            CredentialType::Secret => "secret",
        }
    }

    pub fn parse(text: &str) -> Option<CredentialType> {
        CredentialType::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// How a password credential's second factor is had (Skyvern's `TotpType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TotpType {
    /// Codes from a seed, as an authenticator app makes them.
    Authenticator,
    /// Codes sent by mail (pushed with `POST /v1/credentials/totp`).
    Email,
    /// Codes sent by text message (pushed likewise).
    Text,
    Passkey,
    #[default]
    None,
}

impl TotpType {
    pub fn as_str(self) -> &'static str {
        match self {
            TotpType::Authenticator => "authenticator",
            TotpType::Email => "email",
            TotpType::Text => "text",
            TotpType::Passkey => "passkey",
            TotpType::None => "none",
        }
    }

    pub fn parse(text: &str) -> Option<TotpType> {
        [TotpType::Authenticator, TotpType::Email, TotpType::Text, TotpType::Passkey, TotpType::None]
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }
}

/// A text that must never be printed: `Debug` shows that it is there, not what it is, and its
/// memory is wiped when it is dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretText(Zeroizing<String>);

impl SecretText {
    pub fn new(value: impl Into<String>) -> SecretText {
        SecretText(Zeroizing::new(value.into()))
    }

    /// The value, for the one place that types it into a page.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Serialize for SecretText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SecretText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(SecretText::new)
    }
}

/// A login (Skyvern's `NonEmptyPasswordCredential`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PasswordValues {
    pub username: String,
    pub password: SecretText,
    /// The seed that codes are made from; an empty text is no seed.
    #[serde(default, deserialize_with = "super::totp::optional_seed")]
    pub totp: Option<TotpSeed>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub totp_type: TotpType,
    /// The mail address or phone number that pushed codes for this login are sent to.
    #[serde(default)]
    pub totp_identifier: Option<String>,
}

/// A payment card (Skyvern's `NonEmptyCreditCardCredential`). Only the brand and the number's
/// last four digits are ever shown.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CardValues {
    pub card_number: SecretText,
    pub card_cvv: SecretText,
    pub card_exp_month: SecretText,
    pub card_exp_year: SecretText,
    pub card_brand: String,
    pub card_holder_name: SecretText,
    #[serde(default)]
    pub billing_address: Option<Box<BillingAddress>>,
    #[serde(default)]
    pub billing_email: Option<SecretText>,
    #[serde(default)]
    pub billing_phone: Option<SecretText>,
    #[serde(default)]
    pub metadata: Option<BTreeMap<String, SecretText>>,
}

/// A card's billing address (Skyvern's `CreditCardBillingAddress`); never shown.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BillingAddress {
    #[serde(default)]
    pub line1: Option<SecretText>,
    #[serde(default)]
    pub line2: Option<SecretText>,
    #[serde(default)]
    pub city: Option<SecretText>,
    #[serde(default)]
    pub state: Option<SecretText>,
    #[serde(default)]
    pub state_code: Option<SecretText>,
    #[serde(default)]
    pub postal_code: Option<SecretText>,
    #[serde(default)]
    pub country: Option<SecretText>,
    #[serde(default)]
    pub country_code: Option<SecretText>,
}

/// A value of any other kind (Skyvern's `SecretCredential`); only its label is shown.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SecretValues {
    pub secret_value: SecretText,
    #[serde(default)]
    pub secret_label: Option<String>,
}

/// The values of one credential.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialValues {
    Password(PasswordValues),
    CreditCard(CardValues),
    Secret(SecretValues),
}

/// A required value that is empty, named by its field under `credential`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct InvalidValue {
    pub field: &'static str,
    pub reason: &'static str,
}

/// What responses show of a credential: Skyvern's `PasswordCredentialResponse`,
/// `CreditCardCredentialResponse` or `SecretCredentialResponse`, never a secret value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown {
    Password { username: String, totp_type: TotpType, totp_identifier: Option<String> },
    CreditCard { last_four: String, brand: String },
    Secret { secret_label: Option<String> },
}

impl Shown {
    pub fn credential_type(&self) -> CredentialType {
        match self {
            Shown::Password { .. } => CredentialType::Password,
            Shown::CreditCard { .. } => CredentialType::CreditCard,
            Shown::Secret { .. } => CredentialType::Secret,
        }
    }
}

/// Every field a run may type from a credential, whatever its type.
pub const TYPED_FIELDS: [&str; 8] = [
    "username",
    "password",
    "card_number",
    "card_cvv",
    "card_exp_month",
    "card_exp_year",
    "card_holder_name",
    "secret_value",
];

impl CredentialValues {
    /// The fields of this credential a run may type, with their values.
    pub fn typed_fields(&self) -> Vec<(&'static str, String)> {
        TYPED_FIELDS.iter().filter_map(|field| Some((*field, self.typed_field(field)?))).collect()
    }

    /// The identifier that codes for this login are pushed to, if it has one.
    pub fn totp_identifier(&self) -> Option<&str> {
        match self {
            CredentialValues::Password(login) => login.totp_identifier.as_deref().filter(|id| !id.trim().is_empty()),
            CredentialValues::CreditCard(_) | CredentialValues::Secret(_) => None,
        }
    }

    /// The value a run types where `{{credential.<id>.<field>}}` stands: `username` and
    /// `password` of a login; `card_number`, `card_cvv`, `card_exp_month`, `card_exp_year` and
    /// `card_holder_name` of a card; `secret_value` of a secret. `None` for any other field.
    pub fn typed_field(&self, field: &str) -> Option<String> {
        let value = match (self, field) {
            (CredentialValues::Password(login), "username") => return Some(login.username.clone()),
            (CredentialValues::Password(login), "password") => &login.password,
            (CredentialValues::CreditCard(card), "card_number") => &card.card_number,
            (CredentialValues::CreditCard(card), "card_cvv") => &card.card_cvv,
            (CredentialValues::CreditCard(card), "card_exp_month") => &card.card_exp_month,
            (CredentialValues::CreditCard(card), "card_exp_year") => &card.card_exp_year,
            (CredentialValues::CreditCard(card), "card_holder_name") => &card.card_holder_name,
            (CredentialValues::Secret(secret), "secret_value") => &secret.secret_value,
            _ => return None,
        };
        Some(value.expose().to_owned())
    }

    pub fn credential_type(&self) -> CredentialType {
        match self {
            CredentialValues::Password(_) => CredentialType::Password,
            CredentialValues::CreditCard(_) => CredentialType::CreditCard,
            CredentialValues::Secret(_) => CredentialType::Secret,
        }
    }

    /// Refuses what Skyvern refuses: an empty required value (its `minLength: 1`), and a card
    /// number that is not digits (spaces and dashes between them are allowed).
    pub fn check(&self) -> Result<(), InvalidValue> {
        let required: Vec<(&'static str, &str)> = match self {
            CredentialValues::Password(login) => {
                vec![("username", &login.username), ("password", login.password.expose())]
            }
            CredentialValues::CreditCard(card) => vec![
                ("card_number", card.card_number.expose()),
                ("card_cvv", card.card_cvv.expose()),
                ("card_exp_month", card.card_exp_month.expose()),
                ("card_exp_year", card.card_exp_year.expose()),
                ("card_brand", &card.card_brand),
                ("card_holder_name", card.card_holder_name.expose()),
            ],
            CredentialValues::Secret(secret) => vec![("secret_value", secret.secret_value.expose())],
        };
        if let Some((field, _)) = required.iter().find(|(_, value)| value.is_empty()) {
            return Err(InvalidValue { field, reason: "must not be empty" });
        }
        if let CredentialValues::CreditCard(card) = self {
            let number = card.card_number.expose();
            let digits = number.chars().filter(char::is_ascii_digit).count();
            if digits < 4 || number.chars().any(|c| !(c.is_ascii_digit() || c == ' ' || c == '-')) {
                return Err(InvalidValue { field: "card_number", reason: "must be the card's digits" });
            }
        }
        Ok(())
    }

    /// What responses may show of these values.
    pub fn shown(&self) -> Shown {
        match self {
            CredentialValues::Password(login) => Shown::Password {
                username: login.username.clone(),
                totp_type: login.totp_type,
                totp_identifier: login.totp_identifier.clone(),
            },
            CredentialValues::CreditCard(card) => {
                let digits: Vec<char> = card.card_number.expose().chars().filter(char::is_ascii_digit).collect();
                let last_four = digits[digits.len().saturating_sub(4)..].iter().collect();
                Shown::CreditCard { last_four, brand: card.card_brand.clone() }
            }
            CredentialValues::Secret(secret) => Shown::Secret { secret_label: secret.secret_label.clone() },
        }
    }

    /// The seed of a login's codes, if it has one.
    pub fn totp_seed(&self) -> Option<&TotpSeed> {
        match self {
            CredentialValues::Password(login) => login.totp.as_ref(),
            CredentialValues::CreditCard(_) | CredentialValues::Secret(_) => None,
        }
    }
}

/// Reads `null` as the type's default, as pydantic reads a field with a default.
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn card(number: &str) -> CredentialValues {
        CredentialValues::CreditCard(
            serde_json::from_value(json!({
                "card_number": number, "card_cvv": "424", "card_exp_month": "12", "card_exp_year": "2028",
                "card_brand": "visa", "card_holder_name": "Ada Lovelace",
                "billing_address": {"line1": "12 Analytical Row", "city": "London"}
            }))
            .unwrap(),
        )
    }

    #[test]
    fn debug_output_shows_no_secret_value_of_any_kind() {
        let login: PasswordValues = serde_json::from_value(json!({
            "username": "ada@example.org", "password": "correct horse", "totp": "JBSWY3DPEHPK3PXP"
        }))
        .unwrap();
        let secret: SecretValues =
            serde_json::from_value(json!({"secret_value": "sk-live-123", "secret_label": "stripe"})).unwrap();
        let printed = format!(
            "{:?} {:?} {:?}",
            CredentialValues::Password(login),
            card("4242 4242 4242 4242"),
            CredentialValues::Secret(secret)
        );
        for value in ["correct horse", "JBSWY3DPEHPK3PXP", "4242", "2028", "Lovelace", "Analytical", "sk-live"] {
            assert!(!printed.contains(value), "{value} was printed: {printed}");
        }
        assert!(printed.contains("ada@example.org") && printed.contains("stripe"), "shown parts stay readable");
    }

    #[test]
    fn a_card_shows_its_brand_and_the_last_four_digits_only() {
        let shown = card("4242-4242-4242-1234").shown();
        assert_eq!(shown, Shown::CreditCard { last_four: "1234".into(), brand: "visa".into() });
    }

    #[test]
    fn empty_required_values_and_cards_without_digits_are_refused_by_field() {
        let login: PasswordValues = serde_json::from_value(json!({"username": "ada", "password": ""})).unwrap();
        let refused = CredentialValues::Password(login).check().unwrap_err();
        assert_eq!(refused.field, "password");
        assert_eq!(card("4242 4242 4242 4242").check(), Ok(()));
        assert_eq!(card("4242 abcd").check().unwrap_err().field, "card_number");
        assert_eq!(card("12").check().unwrap_err().field, "card_number");
    }

    #[test]
    fn a_login_without_totp_fields_has_no_seed_and_totp_type_none() {
        let login: PasswordValues =
            serde_json::from_value(json!({"username": "ada", "password": "pw", "totp": "", "totp_type": null}))
                .unwrap();
        assert!(login.totp.is_none());
        assert_eq!(login.totp_type, TotpType::None);
    }

    #[test]
    fn values_survive_sealing_as_json_unchanged() {
        let values = card("4242 4242 4242 4242");
        let text = serde_json::to_string(&values).unwrap();
        let back: CredentialValues = serde_json::from_str(&text).unwrap();
        assert_eq!(back.shown(), values.shown());
        let CredentialValues::CreditCard(card) = back else { panic!("a card comes back as a card") };
        assert_eq!(card.card_cvv.expose(), "424");
        assert_eq!(card.billing_address.unwrap().city.unwrap().expose(), "London");
    }
}
