//! Shaping extracted page text into the run's `data_extraction_schema`: numbers from "$1,299.00",
//! booleans from "yes"/"true", arrays and nested objects; then validating the result against the
//! whole JSON Schema (enums, patterns, bounds, …), with a clear error naming the field that does
//! not fit.

use serde_json::{Map, Number, Value};

/// Converts `value` to the types `schema` declares, then validates it against the schema.
/// A schema that is not an object (a plain-text description) leaves the value as it is.
pub fn conform(value: Value, schema: &Value) -> Result<Value, String> {
    let value = conform_at("output", value, schema)?;
    if !schema.is_object() {
        return Ok(value);
    }
    let validator = jsonschema::validator_for(schema).map_err(|e| format!("the output schema is not valid: {e}"))?;
    let first_error = validator.iter_errors(&value).next().map(|e| format!("output{}: {e}", e.instance_path()));
    match first_error {
        None => Ok(value),
        Some(error) => Err(error),
    }
}

/// Checks that a run's schema is a JSON Schema this appliance can validate against.
pub fn check_schema(schema: &Value) -> Result<(), String> {
    if schema.is_object() { jsonschema::validator_for(schema).map(drop).map_err(|e| e.to_string()) } else { Ok(()) }
}

fn declared_type(schema: &Value) -> Option<&str> {
    match &schema["type"] {
        Value::String(kind) => Some(kind),
        Value::Array(kinds) => kinds.iter().filter_map(Value::as_str).find(|kind| *kind != "null"),
        _ => None,
    }
}

fn conform_at(path: &str, value: Value, schema: &Value) -> Result<Value, String> {
    if value.is_null() {
        return Ok(value);
    }
    let Some(kind) = declared_type(schema) else { return Ok(value) };
    match (kind, value) {
        ("object", Value::Object(fields)) => conform_object(path, fields, schema),
        ("array", Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .map(|(index, item)| conform_at(&format!("{path}[{index}]"), item, &schema["items"]))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        ("array", single) => Ok(Value::Array(vec![conform_at(&format!("{path}[0]"), single, &schema["items"])?])),
        ("string", Value::String(text)) => Ok(Value::String(text)),
        ("string", other) => Ok(Value::String(other.to_string())),
        ("number" | "integer", Value::String(text)) => parse_number(&text, kind == "integer")
            .ok_or_else(|| format!("{path} should be a {kind} but the page shows \"{text}\"")),
        ("number" | "integer", Value::Number(number)) => Ok(Value::Number(number)),
        ("boolean", Value::String(text)) => parse_boolean(&text)
            .map(Value::Bool)
            .ok_or_else(|| format!("{path} should be a boolean but the page shows \"{text}\"")),
        ("boolean", Value::Bool(flag)) => Ok(Value::Bool(flag)),
        (kind, other) => Err(format!("{path} should be of type {kind} but is {other}")),
    }
}

fn conform_object(path: &str, mut fields: Map<String, Value>, schema: &Value) -> Result<Value, String> {
    if let Some(properties) = schema["properties"].as_object() {
        for (name, property) in properties {
            if let Some(value) = fields.remove(name) {
                fields.insert(name.clone(), conform_at(&format!("{path}.{name}"), value, property)?);
            }
        }
    }
    for required in schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
        if fields.get(required).is_none_or(Value::is_null) {
            return Err(format!("{path}.{required} is required but was not found on the page"));
        }
    }
    Ok(Value::Object(fields))
}

/// Reads a number out of page text: currency signs, spaces and thousands separators are dropped.
fn parse_number(text: &str, integer: bool) -> Option<Value> {
    let cleaned: String =
        text.chars().filter(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | 'e' | 'E' | '+')).collect();
    let number: f64 = cleaned.parse().ok()?;
    if integer {
        (number.fract() == 0.0).then(|| Value::from(number as i64))
    } else {
        Number::from_f64(number).map(Value::Number)
    }
}

fn parse_boolean(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" | "checked" => Some(true),
        "false" | "no" | "off" | "0" | "" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn page_text_takes_the_schema_types() {
        let schema = json!({
            "type": "object",
            "required": ["name", "price"],
            "properties": {
                "name": {"type": "string"},
                "price": {"type": "number"},
                "seats": {"type": "integer"},
                "refundable": {"type": "boolean"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "legs": {"type": "array", "items": {"type": "object", "properties": {"km": {"type": "integer"}}}}
            }
        });
        let page = json!({
            "name": "Flight", "price": "$1,299.50", "seats": "12", "refundable": "Yes",
            "tags": ["a", "b"], "legs": [{"km": "1 200"}]
        });
        let output = conform(page, &schema).unwrap();
        assert_eq!(
            output,
            json!({"name": "Flight", "price": 1299.5, "seats": 12, "refundable": true, "tags": ["a", "b"], "legs": [{"km": 1200}]})
        );
    }

    #[test]
    fn a_field_that_does_not_fit_is_named() {
        let schema = json!({"type": "object", "required": ["total"], "properties": {"total": {"type": "number"}}});
        let error = conform(json!({"total": "n/a"}), &schema).unwrap_err();
        assert!(error.contains("output.total"), "{error}");
        let missing = conform(json!({"total": null}), &schema).unwrap_err();
        assert!(missing.contains("required"), "{missing}");
    }

    #[test]
    fn the_whole_schema_is_validated_after_shaping() {
        let schema = json!({
            "type": "object",
            "properties": {"seats": {"type": "integer", "minimum": 1}, "class": {"enum": ["economy", "business"]}}
        });
        assert!(conform(json!({"seats": "2", "class": "economy"}), &schema).is_ok());
        let error = conform(json!({"seats": "0", "class": "economy"}), &schema).unwrap_err();
        assert!(error.contains("/seats"), "{error}");
        assert!(conform(json!({"seats": "1", "class": "first"}), &schema).unwrap_err().contains("/class"));
        assert!(check_schema(&json!({"type": "nonsense"})).is_err());
    }

    #[test]
    fn a_text_schema_leaves_the_value_alone() {
        let value = json!({"anything": "goes"});
        assert_eq!(conform(value.clone(), &json!("the cheapest flight")).unwrap(), value);
    }
}
