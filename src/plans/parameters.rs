//! A plan's parameters, as Skyvern declares them (`parameter_type`: `workflow`, `output`,
//! `context`, `credential`).
//!
//! Secret stores Skyvern reaches (AWS, Bitwarden, 1Password, Azure) are refused by name: this
//! appliance keeps its own credentials. A default value must fit its declared type, so a run
//! started without that parameter still gets a value of the type its blocks expect.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{DefinitionError, Place};

/// Skyvern's parameter types for secret stores this appliance does not reach.
const SECRET_STORE_TYPES: [&str; 6] = [
    "aws_secret",
    "bitwarden_login_credential",
    "bitwarden_sensitive_information",
    "bitwarden_credit_card_data",
    "onepassword",
    "azure_vault_credential",
];

/// One declared parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parameter {
    /// The name templates and blocks use.
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(flatten)]
    #[serde(skip_deserializing)]
    pub kind: ParameterKind,
}

/// What a parameter is, by Skyvern's `parameter_type`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(tag = "parameter_type", rename_all = "snake_case")]
pub enum ParameterKind {
    /// A value given when the run starts.
    Workflow(WorkflowParameter),
    /// A block's output, declared by name (blocks' outputs are also reachable by their labels).
    #[default]
    Output,
    /// A value taken from another parameter when the run reaches it.
    Context(ContextParameter),
    /// A stored credential, by id.
    Credential(CredentialParameter),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkflowParameter {
    pub workflow_parameter_type: WorkflowParameterType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_value: Option<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkflowParameterType {
    String,
    Integer,
    Float,
    Boolean,
    Json,
    FileUrl,
    CredentialId,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContextParameter {
    /// The parameter (or block output) this one's value comes from.
    pub source_parameter_key: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CredentialParameter {
    pub credential_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_ids: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection_strategy: Option<String>,
}

impl Parameter {
    /// Reads one entry of `parameters`.
    pub(super) fn parse(value: &Value, place: &Place) -> Result<Parameter, DefinitionError> {
        let mut parameter: Parameter = place.typed(value)?;
        let place = place.about(format!("parameter \"{}\"", parameter.key));
        let type_place = place.then("parameter_type");
        parameter.kind = match value.get("parameter_type") {
            Some(Value::String(kind)) => match kind.as_str() {
                "workflow" => ParameterKind::Workflow(place.typed(value)?),
                "output" => ParameterKind::Output,
                "context" => ParameterKind::Context(place.typed(value)?),
                "credential" => ParameterKind::Credential(place.typed(value)?),
                other if SECRET_STORE_TYPES.contains(&other) => {
                    return type_place.refuse(format!(
                        "parameter type `{other}` is not supported by this appliance; store the secret as a credential and use a `credential` parameter"
                    ));
                }
                other => return type_place.refuse(format!("unknown parameter type `{other}`")),
            },
            None | Some(Value::Null) => return type_place.refuse("field required"),
            Some(_) => return type_place.refuse("expected a text"),
        };
        if let ParameterKind::Workflow(WorkflowParameter { workflow_parameter_type, default_value: Some(value) }) =
            &parameter.kind
            && !workflow_parameter_type.admits(value)
        {
            return place
                .then("default_value")
                .refuse(format!("default value {value} is not of type {}", workflow_parameter_type.as_str()));
        }
        Ok(parameter)
    }
}

impl ParameterKind {
    /// Whether the parameter stands for a stored credential: a `credential` parameter, or a
    /// workflow parameter of type `credential_id`.
    pub fn names_a_credential(&self) -> bool {
        match self {
            ParameterKind::Credential(_) => true,
            ParameterKind::Workflow(workflow) => {
                workflow.workflow_parameter_type == WorkflowParameterType::CredentialId
            }
            ParameterKind::Output | ParameterKind::Context(_) => false,
        }
    }
}

impl Parameter {
    /// The id of the stored credential the parameter names in a run whose parameter values are
    /// `values`: a `credential` parameter's own, or a `credential_id` parameter's value.
    pub fn credential_id<'a>(&'a self, values: &'a Map<String, Value>) -> Option<&'a str> {
        match &self.kind {
            ParameterKind::Credential(credential) => Some(&credential.credential_id),
            kind if kind.names_a_credential() => values.get(&self.key).and_then(Value::as_str),
            _ => None,
        }
    }
}

impl WorkflowParameterType {
    /// Skyvern's name of the type.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkflowParameterType::String => "string",
            WorkflowParameterType::Integer => "integer",
            WorkflowParameterType::Float => "float",
            WorkflowParameterType::Boolean => "boolean",
            WorkflowParameterType::Json => "json",
            WorkflowParameterType::FileUrl => "file_url",
            WorkflowParameterType::CredentialId => "credential_id",
        }
    }

    /// Whether a value fits this type. Skyvern's editor sends numbers and booleans as texts too,
    /// so a text that reads as the type fits; `null` fits every type (no default).
    pub fn admits(self, value: &Value) -> bool {
        value.is_null() || self.read(value).is_some()
    }

    /// The value as this type, reading a text that spells one (`"3"` for an integer, `"true"`,
    /// a JSON text for `json`); `None` when it does not fit.
    pub fn read(self, value: &Value) -> Option<Value> {
        let text = value.as_str().map(str::trim);
        match self {
            WorkflowParameterType::String | WorkflowParameterType::CredentialId => {
                value.is_string().then(|| value.clone())
            }
            // A URL of the web, or an uploaded file's `s3_uri` or id (its link is a URL too).
            WorkflowParameterType::FileUrl => text
                .filter(|t| crate::runs::web_url(t).is_ok() || crate::files::id_in_uri_or_id(t).is_some())
                .map(|t| Value::String(t.to_owned())),
            WorkflowParameterType::Integer => match text {
                Some(t) => t.parse::<i64>().ok().map(Value::from),
                None => (value.is_i64() || value.is_u64()).then(|| value.clone()),
            },
            WorkflowParameterType::Float => match text {
                Some(t) => t.parse::<f64>().ok().map(Value::from),
                None => value.is_number().then(|| value.clone()),
            },
            WorkflowParameterType::Boolean => match text {
                Some("true") => Some(Value::Bool(true)),
                Some("false") => Some(Value::Bool(false)),
                Some(_) => None,
                None => value.is_boolean().then(|| value.clone()),
            },
            WorkflowParameterType::Json => match text {
                Some(t) => serde_json::from_str(t).ok(),
                None => Some(value.clone()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::{accepted, at, refusal};
    use super::*;

    #[test]
    fn a_secret_store_parameter_type_is_not_supported_by_this_appliance() {
        let error = refusal(json!({"blocks": [], "parameters": [
            {"key": "vault", "parameter_type": "aws_secret", "aws_key": "prod/key"}
        ]}));
        assert_eq!(error.location, at("workflow_definition.parameters.0.parameter_type"));
        assert!(error.message.contains("not supported by this appliance"), "{error}");
        assert!(error.message.starts_with("parameter \"vault\""), "{error}");
    }

    #[test]
    fn a_default_value_of_the_wrong_type_is_refused() {
        let error = refusal(json!({"blocks": [], "parameters": [
            {"key": "count", "parameter_type": "workflow", "workflow_parameter_type": "integer", "default_value": "many"}
        ]}));
        assert_eq!(error.location, at("workflow_definition.parameters.0.default_value"));
        assert!(error.message.contains("not of type"), "{error}");
    }

    #[test]
    fn default_values_sent_as_texts_that_read_as_their_type_are_accepted() {
        let plan = accepted(json!({"blocks": [], "parameters": [
            {"key": "count", "parameter_type": "workflow", "workflow_parameter_type": "integer", "default_value": "3"},
            {"key": "ratio", "parameter_type": "workflow", "workflow_parameter_type": "float", "default_value": 0.5},
            {"key": "strict", "parameter_type": "workflow", "workflow_parameter_type": "boolean", "default_value": "true"},
            {"key": "rows", "parameter_type": "workflow", "workflow_parameter_type": "json", "default_value": "[1, 2]"},
            {"key": "summary", "parameter_type": "output"},
            {"key": "login", "parameter_type": "credential", "credential_id": "cred_1"}
        ]}));
        assert_eq!(plan.definition.parameters.len(), 6);
        assert_eq!(plan.definition.parameters[4].kind, ParameterKind::Output);
    }

    #[test]
    fn an_unknown_workflow_parameter_type_is_refused() {
        let error = refusal(json!({"blocks": [], "parameters": [
            {"key": "when", "parameter_type": "workflow", "workflow_parameter_type": "date"}
        ]}));
        assert_eq!(error.location, at("workflow_definition.parameters.0.workflow_parameter_type"));
    }
}
