//! The stored credentials a run uses, opened from the vault when it starts (so, unlike secrets
//! given with a run, they survive a restart): those its request or its plan names with a
//! `{{credential.<id>.<field>}}` placeholder, and a plan's `credential` parameters and
//! `credential_id` parameter values. Each value is typed where its placeholder stands; the model
//! and every record see only the placeholder. A login's TOTP secret and identifier become the
//! run's source of verification codes (`codes`).

use std::collections::BTreeSet;

use serde_json::Value;

use super::Scheduler;
use super::job::Job;
use crate::engine::{Secrets, credential_references};
use crate::ids::CredentialId;
use crate::vault::TotpSeed;

/// What the run's credentials bring besides the values typed.
#[derive(Default)]
pub(super) struct CredentialsUsed {
    /// The TOTP secrets of its logins.
    pub seeds: Vec<TotpSeed>,
    /// The identifier codes of its logins are pushed to, if one says.
    pub totp_identifier: Option<String>,
}

/// The credentials a plan run's parameters name: `credential` parameters, and the values of
/// `credential_id` parameters.
fn named_by_parameters(job: &Job) -> BTreeSet<String> {
    let Job::Plan(job) = job else { return BTreeSet::new() };
    let parameters = &job.plan.definition.parameters;
    parameters.iter().filter_map(|parameter| parameter.credential_id(&job.spec.parameters)).map(str::to_owned).collect()
}

impl Scheduler {
    /// Adds the values of the credentials the run uses to its secrets; why not, as a reason
    /// that fails the run.
    pub(super) async fn add_credentials(
        &self,
        request: &Value,
        job: &Job,
        secrets: &mut Secrets,
    ) -> Result<CredentialsUsed, String> {
        let mut text = request.to_string();
        if let Job::Plan(job) = job {
            text.push_str(&serde_json::to_string(&job.plan).unwrap_or_default());
        }
        let referenced = credential_references(&text);
        let ids: BTreeSet<String> =
            referenced.iter().map(|(id, _)| id.clone()).chain(named_by_parameters(job)).collect();
        let mut used = CredentialsUsed::default();
        for id in ids {
            let credential = CredentialId::parse(&id).map_err(|error| format!("credential {id}: {error}"))?;
            let values = self.shared.vault.reveal(&credential).await.map_err(|error| error.to_string())?;
            if let Some((_, field)) =
                referenced.iter().find(|(of, field)| *of == id && values.typed_field(field).is_none())
            {
                return Err(format!("credential {id} has no field `{field}` a run can type"));
            }
            for (field, value) in values.typed_fields() {
                secrets.add_credential_value(&id, field, value, field != "username");
            }
            used.seeds.extend(values.totp_seed().cloned());
            if used.totp_identifier.is_none() {
                used.totp_identifier = values.totp_identifier().map(str::to_owned);
            }
        }
        Ok(used)
    }
}
