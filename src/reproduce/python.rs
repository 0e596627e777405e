//! The request as a Python script using the `skyvern` SDK. The body is written as a Python literal
//! and sent whole through the SDK's `additional_body_parameters`, which go over its own fields: the
//! appliance's extensions (`script`, `secrets`, `files`, …) reach it as they do in JSON, and the
//! SDK adds nothing the run was not asked with.

use serde_json::Value;

use super::instructions;
use crate::engine::python::quote;
use crate::runs::RunType;

const INDENT: &str = "    ";

/// A script that asks the appliance at `base` for a run of `run_type` with `body`.
pub fn python_script(base: &str, run_type: RunType, body: &Value) -> String {
    let call = match run_type {
        RunType::TaskV1 => "client.run_task(\n    prompt=REQUEST.get(\"prompt\"),",
        RunType::WorkflowRun => {
            "client.run_workflow(\n    agent_id=REQUEST.get(\"agent_id\") or REQUEST.get(\"workflow_id\"),"
        }
    };
    let mut request = String::new();
    literal(body, 0, &mut request);
    let notes: String = instructions(body).iter().map(|line| format!("{line}\n")).collect();
    format!(
        "\"\"\"Makes a run of the Skyvern appliance again, with the skyvern SDK (pip install skyvern).\n\n\
         {notes}\"\"\"\n\n\
         import os\n\n\
         from skyvern.client import Skyvern\n\n\
         REQUEST = {request}\n\n\
         client = Skyvern(base_url={}, api_key=os.environ[\"SKYVERN_API_KEY\"])\n\
         run = {call}\n    request_options={{\"additional_body_parameters\": REQUEST}},\n)\n\
         print(run.run_id, run.status)\n",
        quote(base)
    )
}

/// Writes `value` as a Python literal, laid out like pretty-printed JSON at `depth`.
fn literal(value: &Value, depth: usize, out: &mut String) {
    match value {
        Value::Null => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Number(number) => out.push_str(&number.to_string()),
        Value::String(text) => out.push_str(&quote(text)),
        Value::Array(items) => {
            enclosed(('[', ']'), items.iter().map(|item| (None, item)), depth, out);
        }
        Value::Object(fields) => {
            enclosed(('{', '}'), fields.iter().map(|(key, value)| (Some(key), value)), depth, out);
        }
    }
}

/// A list or a dict: one item a line, each with its key when it has one.
fn enclosed<'a>(
    (open, close): (char, char),
    items: impl ExactSizeIterator<Item = (Option<&'a String>, &'a Value)>,
    depth: usize,
    out: &mut String,
) {
    out.push(open);
    if items.len() > 0 {
        out.push('\n');
        for (key, value) in items {
            out.push_str(&INDENT.repeat(depth + 1));
            if let Some(key) = key {
                out.push_str(&quote(key));
                out.push_str(": ");
            }
            literal(value, depth + 1, out);
            out.push_str(",\n");
        }
        out.push_str(&INDENT.repeat(depth));
    }
    out.push(close);
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// What Python reads from the script's `REQUEST` (the script up to the SDK's import is run
    /// with `skyvern` left out), as JSON.
    fn request_python_reads(script: &str) -> Value {
        let program = format!(
            "import json, sys\n{}\nprint(json.dumps(REQUEST))",
            script.replace("from skyvern.client import Skyvern\n", "").split("\nclient = ").next().unwrap()
        );
        let output = std::process::Command::new("python3").args(["-c", &program]).output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        serde_json::from_slice(&output.stdout).unwrap()
    }

    #[test]
    fn python_reads_the_same_request_whatever_it_holds() {
        let body = json!({
            "prompt": "it's \"quoted\" \\ \"\"\" \n\u{2028} ünïcode 🙂",
            "max_steps": 3, "ratio": 0.5, "ok": true, "off": false, "none": null,
            "script": [], "files": {}, "nested": [{"a": [1, {"b": "c"}]}]
        });
        let script = python_script("http://127.0.0.1:8000", RunType::TaskV1, &body);
        assert_eq!(request_python_reads(&script), body);
        assert!(script.contains("client.run_task("), "{script}");
        assert!(script.contains("os.environ[\"SKYVERN_API_KEY\"]"), "{script}");
    }

    #[test]
    fn a_plan_run_is_asked_for_with_run_workflow() {
        let script = python_script("http://a", RunType::WorkflowRun, &json!({"agent_id": "wpid_1"}));
        assert!(script.contains("client.run_workflow(\n    agent_id="), "{script}");
    }
}
