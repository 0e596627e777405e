//! A schedule's parameter values, checked against its plan when the schedule is saved, as Skyvern
//! checks them: a key the plan has no workflow parameter for is refused, and so is a parameter
//! with neither a value nor a default; a value sent as `null` means "use the default" and is not
//! kept. Each value must also read as its parameter's type, as a run's values must.

use serde_json::{Map, Value};

use super::InvalidSchedule;
use crate::ids::PlanId;
use crate::plans::{Definition, ParameterKind, run_parameters};

/// The values to keep (`None` when none are left), or why they are refused.
pub fn checked_parameters(
    plan_id: &PlanId,
    definition: &Definition,
    given: Option<Map<String, Value>>,
) -> Result<Option<Map<String, Value>>, InvalidSchedule> {
    let given = given.unwrap_or_default();
    let inputs: Vec<_> = definition
        .parameters
        .iter()
        .filter_map(|parameter| match &parameter.kind {
            ParameterKind::Workflow(input) => Some((parameter.key.as_str(), input)),
            _ => None,
        })
        .collect();
    let mut unknown: Vec<String> =
        given.keys().filter(|key| !inputs.iter().any(|(input, _)| input == key)).cloned().collect();
    if !unknown.is_empty() {
        unknown.sort();
        return Err(InvalidSchedule::UnknownParameters { plan_id: plan_id.clone(), keys: unknown });
    }
    let mut missing: Vec<String> = inputs
        .iter()
        .filter(|(key, input)| given.get(*key).is_none_or(Value::is_null) && input.default_value.is_none())
        .map(|(key, _)| key.to_string())
        .collect();
    if !missing.is_empty() {
        missing.sort();
        return Err(InvalidSchedule::MissingParameters { plan_id: plan_id.clone(), keys: missing });
    }
    let kept: Map<String, Value> = given.into_iter().filter(|(_, value)| !value.is_null()).collect();
    run_parameters(definition, Some(&kept)).map_err(|error| InvalidSchedule::Parameter(error.message))?;
    Ok(Some(kept).filter(|kept| !kept.is_empty()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::plans::PlanRequest;

    fn plan() -> Definition {
        let request = json!({"title": "Report", "workflow_definition": {
            "blocks": [{"block_type": "wait", "label": "pause"}],
            "parameters": [
                {"parameter_type": "workflow", "key": "city", "workflow_parameter_type": "string"},
                {"parameter_type": "workflow", "key": "days", "workflow_parameter_type": "integer", "default_value": 7},
                {"parameter_type": "context", "key": "copy", "source_parameter_key": "city"}
            ]
        }});
        PlanRequest::from_request(request).unwrap().definition
    }

    fn given(values: Value) -> Option<Map<String, Value>> {
        values.as_object().cloned()
    }

    fn checked(values: Value) -> Result<Option<Map<String, Value>>, InvalidSchedule> {
        checked_parameters(&PlanId::parse("wpid_1").unwrap(), &plan(), given(values))
    }

    #[test]
    fn given_values_are_kept_as_sent_and_nulls_are_dropped() {
        let kept = checked(json!({"city": "Lyon", "days": null})).unwrap().unwrap();
        assert_eq!(Value::Object(kept), json!({"city": "Lyon"}));
    }

    #[test]
    fn keys_that_are_not_workflow_parameters_are_refused_all_at_once() {
        let error = checked(json!({"city": "Lyon", "zz": 1, "copy": "x"})).unwrap_err();
        assert_eq!(error.to_string(), "Unknown schedule parameters for workflow wpid_1: copy, zz");
    }

    #[test]
    fn a_parameter_without_a_value_or_a_default_is_refused() {
        assert_eq!(
            checked(json!({})).unwrap_err().to_string(),
            "Missing schedule parameters for workflow wpid_1: city"
        );
        let sent_null = checked(json!({"city": null})).unwrap_err();
        assert!(matches!(sent_null, InvalidSchedule::MissingParameters { .. }), "{sent_null}");
    }

    #[test]
    fn a_value_of_the_wrong_type_is_refused() {
        let error = checked(json!({"city": "Lyon", "days": "a week"})).unwrap_err();
        assert!(error.to_string().contains("not of type integer"), "{error}");
    }
}
