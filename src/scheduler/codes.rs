//! Where one run's verification codes come from, in this order:
//!
//! 1. the TOTP secret of a credential the run uses: the code it makes now (or, in the last
//!    seconds of a code's life, the next one, so it does not expire while the form is sent);
//! 2. else, with a `totp_identifier` or a `totp_url`: a code pushed for the run (to its
//!    identifier, or naming the run) and, at the same time, the run's `totp_url` asked every
//!    `vault.totp_poll_seconds` with a signed POST (`{"task_id": …}` as Skyvern sends it,
//!    answered `{"verification_code": "…"}`), whichever comes first, for up to
//!    `vault.totp_wait_minutes`;
//! 3. else nothing of its own: the engine asks a person.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::Scheduler;
use super::credentials::CredentialsUsed;
use super::job::Job;
use crate::engine::{CodeFuture, CodeSource};
use crate::ids::RunId;
use crate::runs::Run;
use crate::vault::{CodeWanted, TotpSeed, Vault};
use crate::webhooks::Webhooks;

/// A code with less life left than this is not typed; the next one is waited for.
const FRESH_ENOUGH_SECONDS: u64 = 5;

/// How often and how long a run waits for a code from outside.
#[derive(Debug, Clone, Copy)]
pub struct CodeTiming {
    pub poll_every: Duration,
    pub wait_at_most: Duration,
}

/// The sources of one run's codes.
struct RunCodes {
    pub run_id: RunId,
    /// The TOTP secrets of the credentials the run uses.
    pub seeds: Vec<TotpSeed>,
    pub totp_identifier: Option<String>,
    pub totp_url: Option<String>,
    /// The plan's permanent id, for a plan run's `totp_url` question.
    pub workflow_permanent_id: Option<String>,
    pub vault: Vault,
    pub webhooks: Webhooks,
    pub timing: CodeTiming,
}

impl Scheduler {
    /// Where the run's verification codes come from.
    pub(super) fn codes_of(&self, run: &Run, job: &Job, credentials: CredentialsUsed) -> Arc<dyn CodeSource> {
        let totp = job.totp();
        Arc::new(RunCodes {
            run_id: run.id.clone(),
            seeds: credentials.seeds,
            totp_identifier: totp.totp_identifier.clone().or(credentials.totp_identifier),
            totp_url: totp.totp_url.clone(),
            workflow_permanent_id: job.plan_id().map(str::to_owned),
            vault: self.shared.vault.clone(),
            webhooks: self.shared.webhooks.clone(),
            timing: self.shared.code_timing,
        })
    }
}

impl RunCodes {
    /// The code of the first seed, fresh enough to be typed and sent.
    async fn from_seed(seed: &TotpSeed) -> String {
        let (code, seconds_remaining) = seed.current_code();
        if seconds_remaining >= FRESH_ENOUGH_SECONDS {
            return code;
        }
        tokio::time::sleep(Duration::from_secs(seconds_remaining)).await;
        seed.current_code().0
    }

    /// Asks the `totp_url` every `poll_every` until it answers a code.
    async fn ask_url(&self, url: &str) -> String {
        let mut body = json!({ "task_id": self.run_id.as_str() });
        if let Some(plan) = &self.workflow_permanent_id {
            body["workflow_run_id"] = json!(self.run_id.as_str());
            body["workflow_permanent_id"] = json!(plan);
        }
        if let Some(identifier) = &self.totp_identifier {
            body["totp_identifier"] = json!(identifier);
        }
        let body = body.to_string();
        let mut asked = 0u32;
        loop {
            asked += 1;
            let (_, sent) = self.webhooks.post_signed(&format!("{}_totp_{asked}", self.run_id), url, &body).await;
            match code_in_answer(sent.status_code, sent.response_excerpt.as_deref()) {
                Some(code) => return code,
                None => tracing::info!(
                    run_id = %self.run_id,
                    status = sent.status_code,
                    error = sent.error.as_deref(),
                    "the totp_url gave no verification code yet"
                ),
            }
            tokio::time::sleep(self.timing.poll_every).await;
        }
    }

    /// A code pushed for the run; `None` if the store cannot be read.
    async fn pushed(&self) -> Option<String> {
        let wanted = CodeWanted { totp_identifier: self.totp_identifier.clone(), run_id: Some(self.run_id.clone()) };
        match self.vault.wait_for_pushed_code(&wanted).await {
            Ok(code) => Some(code.code.expose().to_owned()),
            Err(error) => {
                tracing::warn!(run_id = %self.run_id, %error, "pushed codes could not be read");
                None
            }
        }
    }
}

/// The code in a `totp_url` answer: a 2xx with `{"verification_code": "…"}` (a number is taken
/// too); `None` for anything else.
fn code_in_answer(status: Option<u16>, body: Option<&str>) -> Option<String> {
    if !status.is_some_and(|status| (200..300).contains(&status)) {
        return None;
    }
    let answer: Value = serde_json::from_str(body?).ok()?;
    let code = match &answer["verification_code"] {
        Value::String(code) => code.trim().to_owned(),
        Value::Number(code) => code.to_string(),
        _ => return None,
    };
    (!code.is_empty()).then_some(code)
}

impl CodeSource for RunCodes {
    fn describe(&self) -> Option<String> {
        if !self.seeds.is_empty() {
            return Some("the TOTP secret of the credential".into());
        }
        match (&self.totp_identifier, &self.totp_url) {
            (None, None) => None,
            (Some(identifier), None) => Some(format!("a code pushed for {identifier}")),
            (None, Some(url)) => Some(format!("{url}, asked every {} s", self.timing.poll_every.as_secs())),
            (Some(identifier), Some(url)) => Some(format!(
                "a code pushed for {identifier}, or {url}, asked every {} s",
                self.timing.poll_every.as_secs()
            )),
        }
    }

    fn next_code(&self) -> CodeFuture<'_> {
        Box::pin(async move {
            if let Some(seed) = self.seeds.first() {
                return Ok(RunCodes::from_seed(seed).await);
            }
            let from_url = async {
                match &self.totp_url {
                    Some(url) => self.ask_url(url).await,
                    None => std::future::pending().await,
                }
            };
            let from_push = async {
                match self.pushed().await {
                    Some(code) => code,
                    None => std::future::pending().await,
                }
            };
            let waited = self.timing.wait_at_most;
            tokio::select! {
                code = from_url => Ok(code),
                code = from_push => Ok(code),
                () = tokio::time::sleep(waited) => {
                    Err(format!("none came within {} minutes", waited.as_secs().div_ceil(60)))
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_totp_url_answer_gives_its_code_only_when_it_holds_one() {
        assert_eq!(code_in_answer(Some(200), Some(r#"{"verification_code": " 123456 "}"#)).as_deref(), Some("123456"));
        assert_eq!(code_in_answer(Some(200), Some(r#"{"verification_code": 654321}"#)).as_deref(), Some("654321"));
        assert_eq!(code_in_answer(Some(200), Some(r#"{"verification_code": null}"#)), None);
        assert_eq!(code_in_answer(Some(200), Some(r#"{"verification_code": ""}"#)), None);
        assert_eq!(code_in_answer(Some(404), Some(r#"{"verification_code": "1"}"#)), None, "not a success");
        assert_eq!(code_in_answer(None, None), None, "no answer");
        assert_eq!(code_in_answer(Some(200), Some("not json")), None);
    }
}
