//! A run's parameter values, checked against its plan when the run is asked for: every workflow
//! parameter gets the value given (read as its type: `"3"` becomes `3`) or its default, a
//! parameter with neither is refused, and so is a value for a parameter the plan does not have,
//! so a typo in a key is a clear error instead of a silently used default.
//!
//! A `credential` parameter's templates see placeholders (`{{ login.password }}` renders as
//! `{{credential.cred_1.password}}`), which the run types from the vault at action time: its
//! values never reach a template, a prompt or a record.

use serde_json::{Map, Value, json};

use super::{Definition, DefinitionError, ParameterKind};
use crate::engine::VERIFICATION_CODE;
use crate::vault::TYPED_FIELDS;

/// What a template sees of a stored credential: a placeholder for each field a run may type,
/// `totp` for its one-time code, and its id.
pub fn credential_placeholders(credential_id: &str) -> Value {
    let mut fields: Map<String, Value> = TYPED_FIELDS
        .iter()
        .map(|field| ((*field).to_owned(), json!(format!("{{{{credential.{credential_id}.{field}}}}}"))))
        .collect();
    fields.insert("totp".into(), json!(VERIFICATION_CODE));
    fields.insert("credential_id".into(), json!(credential_id));
    Value::Object(fields)
}

/// The values the run's templates see, by key; refused with the location of the value at fault
/// (`["parameters", "<key>"]`).
pub fn run_parameters(
    definition: &Definition,
    given: Option<&Map<String, Value>>,
) -> Result<Map<String, Value>, DefinitionError> {
    let empty = Map::new();
    let given = given.unwrap_or(&empty);
    let refused =
        |key: &str, message: String| DefinitionError { location: vec!["parameters".into(), key.to_owned()], message };
    if let Some(unknown) = given.keys().find(|key| !definition.parameters.iter().any(|p| &p.key == *key)) {
        let known: Vec<&str> = definition.parameters.iter().map(|p| p.key.as_str()).collect();
        return Err(refused(
            unknown,
            format!("the plan has no parameter \"{unknown}\" (it has: {})", known.join(", ")),
        ));
    }
    let mut values = Map::new();
    for parameter in &definition.parameters {
        if let ParameterKind::Credential(credential) = &parameter.kind {
            values.insert(parameter.key.clone(), credential_placeholders(&credential.credential_id));
            continue;
        }
        let ParameterKind::Workflow(workflow) = &parameter.kind else { continue };
        let kind = workflow.workflow_parameter_type;
        let value = match given.get(&parameter.key).filter(|v| !v.is_null()).or(workflow.default_value.as_ref()) {
            Some(value) => kind.read(value).ok_or_else(|| {
                refused(
                    &parameter.key,
                    format!("parameter \"{}\": {value} is not of type {}", parameter.key, kind.as_str()),
                )
            })?,
            None => {
                return Err(refused(
                    &parameter.key,
                    format!("parameter \"{}\" has no default: give it a value", parameter.key),
                ));
            }
        };
        values.insert(parameter.key.clone(), value);
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::accepted;
    use super::*;

    fn plan() -> Definition {
        accepted(json!({"blocks": [{"block_type": "wait", "label": "pause"}], "parameters": [
            {"parameter_type": "workflow", "key": "count", "workflow_parameter_type": "integer"},
            {"parameter_type": "workflow", "key": "verbose", "workflow_parameter_type": "boolean", "default_value": false},
            {"parameter_type": "workflow", "key": "report", "workflow_parameter_type": "file_url", "default_value": "https://example.org/r.pdf"},
            {"parameter_type": "workflow", "key": "filters", "workflow_parameter_type": "json", "default_value": {"year": 2025}}
        ]}))
        .definition
    }

    fn given(values: Value) -> Map<String, Value> {
        values.as_object().unwrap().clone()
    }

    #[test]
    fn given_values_are_read_as_their_types_and_defaults_fill_the_rest() {
        let values = run_parameters(&plan(), Some(&given(json!({"count": "3", "filters": "[1, 2]"})))).unwrap();
        assert_eq!(
            Value::Object(values),
            json!({
                "count": 3, "verbose": false, "report": "https://example.org/r.pdf", "filters": [1, 2]
            })
        );
    }

    #[test]
    fn a_parameter_without_a_value_or_a_default_is_refused_by_its_key() {
        let error = run_parameters(&plan(), None).unwrap_err();
        assert_eq!(error.location, ["parameters", "count"]);
        assert!(error.message.contains("no default"), "{error}");
    }

    #[test]
    fn a_value_of_the_wrong_type_or_for_an_unknown_key_is_refused() {
        let wrong = run_parameters(&plan(), Some(&given(json!({"count": "many"})))).unwrap_err();
        assert_eq!(wrong.location, ["parameters", "count"]);
        assert!(wrong.message.contains("not of type integer"), "{wrong}");
        let typo = run_parameters(&plan(), Some(&given(json!({"count": 1, "verbos": true})))).unwrap_err();
        assert_eq!(typo.location, ["parameters", "verbos"]);
        assert!(typo.message.contains("has no parameter"), "{typo}");
        let not_a_url =
            run_parameters(&plan(), Some(&given(json!({"count": 1, "report": "file:///etc/passwd"})))).unwrap_err();
        assert_eq!(not_a_url.location, ["parameters", "report"]);
    }

    #[test]
    fn a_credential_parameter_is_seen_as_placeholders_never_as_values() {
        let definition = accepted(json!({"blocks": [{"block_type": "wait", "label": "pause"}], "parameters": [
            {"parameter_type": "credential", "key": "login", "credential_id": "cred_42"}
        ]}))
        .definition;
        let values = run_parameters(&definition, None).unwrap();
        assert_eq!(values["login"]["password"], "{{credential.cred_42.password}}");
        assert_eq!(values["login"]["username"], "{{credential.cred_42.username}}");
        assert_eq!(values["login"]["totp"], "{{verification_code}}");
        assert_eq!(values["login"]["credential_id"], "cred_42");
    }

    #[test]
    fn a_file_url_may_name_an_uploaded_file_by_its_uri_or_its_id() {
        for name in ["skyvern-file://file_12", "file_12"] {
            let values = run_parameters(&plan(), Some(&given(json!({"count": 1, "report": name})))).unwrap();
            assert_eq!(values["report"], name);
        }
        let damaged = run_parameters(&plan(), Some(&given(json!({"count": 1, "report": "skyvern-file://x"}))));
        assert_eq!(damaged.unwrap_err().location, ["parameters", "report"]);
    }
}
