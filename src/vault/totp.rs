//! Time-based one-time passwords (RFC 6238) from a login's stored seed.
//!
//! A seed is given as Skyvern stores it, a base32 secret (`JBSWY3DPEHPK3PXP`; case, spaces and
//! `=` padding do not matter), which makes 6-digit codes with HMAC-SHA1 every 30 seconds, as
//! authenticator apps do; or as the `otpauth://totp/…` URI of a site's QR code, whose
//! `algorithm` (SHA1, SHA256, SHA512), `digits` (6 to 8) and `period` are then used. The codes
//! themselves come from the `totp-rs` crate.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use totp_rs::{Algorithm, Secret, TOTP};
use zeroize::Zeroizing;

use super::values::SecretText;

const DEFAULT_DIGITS: usize = 6;
const DEFAULT_PERIOD_SECONDS: u64 = 30;
/// The longest period accepted; RFC 6238 recommends 30 seconds.
const MAX_PERIOD_SECONDS: u64 = 3600;

/// Why a text is not a seed. Never quotes the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidSeed {
    #[error("is neither a base32 TOTP secret nor an otpauth://totp/ URI")]
    NotASeed,
    #[error("otpauth:// URIs of counter-based codes (hotp) are not supported, only totp")]
    NotTimeBased,
    #[error("the otpauth URI's algorithm must be SHA1, SHA256 or SHA512")]
    Algorithm,
    #[error("the otpauth URI's digits must be 6, 7 or 8")]
    Digits,
    #[error("the otpauth URI's period must be 1 to 3600 seconds")]
    Period,
}

/// A login's seed, checked when it is read: the text as given (which is what is sealed) and
/// how codes are made from it.
#[derive(Clone)]
pub struct TotpSeed {
    text: SecretText,
    key: Zeroizing<Vec<u8>>,
    algorithm: Algorithm,
    digits: usize,
    period_seconds: u64,
}

impl TotpSeed {
    pub fn parse(text: &str) -> Result<TotpSeed, InvalidSeed> {
        let trimmed = text.trim();
        let is_uri = trimmed.get(..10).is_some_and(|scheme| scheme.eq_ignore_ascii_case("otpauth://"));
        let (secret, algorithm, digits, period_seconds) = if is_uri {
            uri_parts(trimmed)?
        } else {
            (Zeroizing::new(trimmed.to_owned()), Algorithm::SHA1, DEFAULT_DIGITS, DEFAULT_PERIOD_SECONDS)
        };
        let key = Zeroizing::new(decode_base32(&secret)?);
        Ok(TotpSeed { text: SecretText::new(trimmed), key, algorithm, digits, period_seconds })
    }

    /// The code valid at `unix_seconds`, and the seconds left until the next one.
    pub fn code_at(&self, unix_seconds: u64) -> (String, u64) {
        let totp = TOTP::new_unchecked(self.algorithm, self.digits, 0, self.period_seconds, self.key.to_vec());
        (totp.generate(unix_seconds), self.period_seconds - unix_seconds % self.period_seconds)
    }

    /// The code valid now, and the seconds left until the next one.
    pub fn current_code(&self) -> (String, u64) {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        self.code_at(now)
    }
}

/// The secret, algorithm, digits and period of an `otpauth://totp/…` URI.
fn uri_parts(text: &str) -> Result<(Zeroizing<String>, Algorithm, usize, u64), InvalidSeed> {
    let uri = url::Url::parse(text).map_err(|_| InvalidSeed::NotASeed)?;
    if !uri.host_str().is_some_and(|kind| kind.eq_ignore_ascii_case("totp")) {
        return Err(InvalidSeed::NotTimeBased);
    }
    let value = |name: &str| uri.query_pairs().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, v)| v);
    let secret = Zeroizing::new(value("secret").ok_or(InvalidSeed::NotASeed)?.into_owned());
    let algorithm = match value("algorithm").map(|name| name.to_ascii_uppercase()).as_deref() {
        None | Some("SHA1") => Algorithm::SHA1,
        Some("SHA256") => Algorithm::SHA256,
        Some("SHA512") => Algorithm::SHA512,
        Some(_) => return Err(InvalidSeed::Algorithm),
    };
    let digits = match value("digits") {
        None => DEFAULT_DIGITS,
        Some(text) => text.parse().ok().filter(|digits| (6..=8).contains(digits)).ok_or(InvalidSeed::Digits)?,
    };
    let period = match value("period") {
        None => DEFAULT_PERIOD_SECONDS,
        Some(text) => {
            text.parse().ok().filter(|period| (1..=MAX_PERIOD_SECONDS).contains(period)).ok_or(InvalidSeed::Period)?
        }
    };
    Ok((secret, algorithm, digits, period))
}

/// The bytes of a base32 secret, read as leniently as authenticator apps read one.
fn decode_base32(text: &str) -> Result<Vec<u8>, InvalidSeed> {
    let canonical: Zeroizing<String> = Zeroizing::new(
        text.chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect::<String>()
            .trim_end_matches('=')
            .to_owned(),
    );
    match Secret::Encoded(canonical.to_string()).to_bytes() {
        Ok(bytes) if !bytes.is_empty() => Ok(bytes),
        _ => Err(InvalidSeed::NotASeed),
    }
}

impl fmt::Debug for TotpSeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TotpSeed")
            .field("algorithm", &self.algorithm)
            .field("digits", &self.digits)
            .field("period_seconds", &self.period_seconds)
            .finish_non_exhaustive()
    }
}

impl Serialize for TotpSeed {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.text.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for TotpSeed {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = SecretText::deserialize(deserializer)?;
        TotpSeed::parse(text.expose()).map_err(serde::de::Error::custom)
    }
}

/// Reads an optional seed: absent, `null` and an empty text are no seed.
pub(super) fn optional_seed<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<TotpSeed>, D::Error> {
    match Option::<SecretText>::deserialize(deserializer)? {
        Some(text) if !text.expose().trim().is_empty() => {
            TotpSeed::parse(text.expose()).map(Some).map_err(serde::de::Error::custom)
        }
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238's seeds ("1234567890" repeated to 20, 32 and 64 bytes), in base32.
    const SHA1_SEED: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    const SHA256_SEED: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA====";
    const SHA512_SEED: &str =
        "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNA=";

    /// RFC 6238 Appendix B: the time, then the 8-digit codes of SHA1, SHA256 and SHA512.
    const VECTORS: [(u64, [&str; 3]); 6] = [
        (59, ["94287082", "46119246", "90693936"]),
        (1111111109, ["07081804", "68084774", "25091201"]),
        (1111111111, ["14050471", "67062674", "99943326"]),
        (1234567890, ["89005924", "91819424", "93441116"]),
        (2000000000, ["69279037", "90698825", "38618901"]),
        (20000000000, ["65353130", "77737706", "47863826"]),
    ];

    fn seed(secret: &str, algorithm: &str) -> TotpSeed {
        TotpSeed::parse(&format!("otpauth://totp/rfc6238?secret={secret}&algorithm={algorithm}&digits=8&period=30"))
            .unwrap()
    }

    #[test]
    fn codes_match_the_rfc_6238_test_vectors_for_sha1_sha256_and_sha512() {
        let seeds = [seed(SHA1_SEED, "SHA1"), seed(SHA256_SEED, "SHA256"), seed(SHA512_SEED, "SHA512")];
        for (time, codes) in VECTORS {
            for (seed, expected) in seeds.iter().zip(codes) {
                assert_eq!(seed.code_at(time).0, expected, "{seed:?} at T = {time}");
            }
        }
    }

    #[test]
    fn a_bare_base32_secret_makes_six_digit_sha1_codes_every_thirty_seconds() {
        let seed = TotpSeed::parse(SHA1_SEED).unwrap();
        // The last six digits of the 8-digit vectors: the same HMAC, truncated to 10^6.
        assert_eq!(seed.code_at(59).0, "287082");
        assert_eq!(seed.code_at(1111111109).0, "081804");
        assert_eq!(seed.code_at(59).1, 1);
        assert_eq!(seed.code_at(60).1, 30);
    }

    #[test]
    fn a_secret_is_read_whatever_its_case_spacing_and_padding() {
        let spaced = TotpSeed::parse("gezd gnbv gy3t qojq gezd gnbv gy3t qojq").unwrap();
        let padded = TotpSeed::parse(SHA256_SEED).unwrap();
        assert_eq!(spaced.code_at(1234567890), TotpSeed::parse(SHA1_SEED).unwrap().code_at(1234567890));
        assert_eq!(padded.code_at(59).0.len(), 6);
    }

    #[test]
    fn texts_that_are_not_seeds_are_refused_without_being_quoted() {
        assert_eq!(TotpSeed::parse("not base32!").unwrap_err(), InvalidSeed::NotASeed);
        assert_eq!(TotpSeed::parse("").unwrap_err(), InvalidSeed::NotASeed);
        assert_eq!(
            TotpSeed::parse("otpauth://hotp/x?secret=GEZDGNBV&counter=1").unwrap_err(),
            InvalidSeed::NotTimeBased
        );
        assert_eq!(TotpSeed::parse("otpauth://totp/x?secret=GEZDGNBV&digits=9").unwrap_err(), InvalidSeed::Digits);
        assert_eq!(
            TotpSeed::parse("otpauth://totp/x?secret=GEZDGNBV&algorithm=MD5").unwrap_err(),
            InvalidSeed::Algorithm
        );
        assert_eq!(TotpSeed::parse("otpauth://totp/x?secret=GEZDGNBV&period=0").unwrap_err(), InvalidSeed::Period);
    }

    #[test]
    fn a_seed_is_sealed_as_given_and_never_printed() {
        let seed = TotpSeed::parse(SHA1_SEED).unwrap();
        assert_eq!(serde_json::to_value(&seed).unwrap(), SHA1_SEED);
        assert!(!format!("{seed:?}").contains("GEZD"));
    }
}
