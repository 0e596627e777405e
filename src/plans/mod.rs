//! Plan definitions (Skyvern's workflows, or "agents"): a create or update request becomes a typed,
//! checked `PlanRequest` before anything is stored, so a plan that saves is a plan that can run.
//!
//! The request is read in two passes. Parsing (`request`, `definition`, `parameters`, `blocks`)
//! turns each part into its type, block by block, so that an error names the block by its index
//! and the field, as FastAPI does. Validation (`validate`) then checks the definition as a whole:
//! labels, references between blocks, templates and JSON Schemas. Nothing here speaks HTTP or
//! SQL; the API prepends `body` to an error's location, the store keeps the canonical JSON
//! (`StoredPlan`). `executor` runs a plan's blocks for a run.

pub mod block_runs;
mod blocks;
mod definition;
mod executor;
mod inputs;
mod order;
mod parameters;
mod request;
mod run_request;
mod stored;
mod templates;
mod validate;

pub use block_runs::{BlockRun, DownloadFilesRequest, LoginRequest};
pub use blocks::{
    Block, BlockCommon, BlockKind, BranchCondition, BranchCriteria, BrowserTaskBlock, CodeBlock, ConditionalBlock,
    CriteriaType, ForLoopBlock, GotoUrlBlock, HttpMethod, HttpRequestBlock, HumanInteractionBlock, TaskV2Block,
    TextPromptBlock, ValidationBlock, WaitBlock,
};
pub use definition::Definition;
pub use executor::{INTERRUPTED, PlanJob, Review, ReviewDecision, Tools, execute, mark_canceled};
pub use inputs::{credential_placeholders, run_parameters};
pub use order::{Chain, Graph, Order};
pub use parameters::{
    ContextParameter, CredentialParameter, Parameter, ParameterKind, WorkflowParameter, WorkflowParameterType,
};
pub use request::{PlanRequest, PlanRequestBody, PlanStatus};
pub use run_request::{PlanRunRequest, PlanRunSpec};
pub use stored::StoredPlan;
pub use templates::{RenderError, Templates};

use serde::de::DeserializeOwned;
use serde_json::Value;

/// A refused plan: where in the request (`["json_definition", "workflow_definition", "blocks",
/// "3", "url"]`, from the top of the body) and why, naming the block or parameter concerned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", location.join("."))]
pub struct DefinitionError {
    pub location: Vec<String>,
    pub message: String,
}

/// Where the parser or a check is in the request, and what it is reading (`block "fetch"`),
/// so every error carries both without each caller building them.
#[derive(Debug, Clone, Default)]
struct Place {
    path: Vec<String>,
    subject: Option<String>,
}

impl Place {
    fn root(path: &[&str]) -> Place {
        Place { path: path.iter().map(|key| key.to_string()).collect(), subject: None }
    }

    /// The place of a key or index below this one.
    fn then(&self, key: impl ToString) -> Place {
        let mut place = self.clone();
        place.path.push(key.to_string());
        place
    }

    /// The same place, now reading the named block or parameter (`block "fetch"`).
    fn about(&self, subject: String) -> Place {
        Place { path: self.path.clone(), subject: Some(subject) }
    }

    fn error(&self, message: impl std::fmt::Display) -> DefinitionError {
        let message = match &self.subject {
            Some(subject) => format!("{subject}: {message}"),
            None => message.to_string(),
        };
        DefinitionError { location: self.path.clone(), message }
    }

    fn refuse<T>(&self, message: impl std::fmt::Display) -> Result<T, DefinitionError> {
        Err(self.error(message))
    }

    /// Reads a value into its type with serde, locating a wrong or missing field below this place.
    fn typed<T: DeserializeOwned>(&self, value: &Value) -> Result<T, DefinitionError> {
        serde_path_to_error::deserialize(value).map_err(|error| {
            let mut place = self.clone();
            for segment in error.path().iter() {
                match segment {
                    serde_path_to_error::Segment::Seq { index } => place = place.then(index),
                    serde_path_to_error::Segment::Map { key } => place = place.then(key),
                    serde_path_to_error::Segment::Enum { .. } | serde_path_to_error::Segment::Unknown => {}
                }
            }
            let message = error.into_inner().to_string();
            // FastAPI names a missing field in the location; serde only in the message.
            let missing = message.strip_prefix("missing field `").and_then(|rest| rest.split('`').next());
            match missing {
                Some(field) => place.then(field).error("field required"),
                None => place.error(message),
            }
        })
    }
}

/// Sends a definition in a bare create request and returns why it was refused.
#[cfg(test)]
fn refusal(definition: Value) -> DefinitionError {
    let request = serde_json::json!({"title": "Refused plan", "workflow_definition": definition});
    PlanRequest::from_request(request).expect_err("the definition should be refused")
}

/// Sends a definition in a bare create request and returns the plan.
#[cfg(test)]
fn accepted(definition: Value) -> PlanRequest {
    let request = serde_json::json!({"title": "Accepted plan", "workflow_definition": definition});
    PlanRequest::from_request(request).unwrap_or_else(|error| panic!("refused: {error}"))
}

/// A location written as `"a.b.0.c"`, for short assertions.
#[cfg(test)]
fn at(path: &str) -> Vec<String> {
    path.split('.').map(String::from).collect()
}
