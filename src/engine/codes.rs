//! One-time verification codes (TOTP, a code sent by mail or SMS): the model types the
//! placeholder `{{verification_code}}` where a site asks for one, and at that moment the run
//! obtains a code from its `CodeSource` (a TOTP seed of a credential it uses, a code pushed for
//! it, its `totp_url`). A run with no source of its own asks a person (`interaction_required`).
//! Either way the code becomes a secret of the run (`Secrets::add_code`): typed in a masked
//! field, redacted from everything recorded, never shown to the model.

use std::future::Future;
use std::pin::Pin;

/// The placeholder the model types for a one-time code.
pub const VERIFICATION_CODE: &str = "{{verification_code}}";

/// What obtaining a code brings: the code, or why none came.
pub type CodeFuture<'a> = Pin<Box<dyn Future<Output = Result<String, String>> + Send + 'a>>;

/// Where a run's verification codes come from.
pub trait CodeSource: Send + Sync {
    /// Where codes come from, said on the timeline while the run waits for one; `None` when the
    /// run has no source of its own and a person is asked.
    fn describe(&self) -> Option<String>;

    /// The next code (waiting for it as long as the source allows). Only called when `describe`
    /// names a source.
    fn next_code(&self) -> CodeFuture<'_>;
}

/// Whether an action's text asks for a verification code.
pub fn wants_code(text: &str) -> bool {
    text.contains(VERIFICATION_CODE)
}
