//! JSON logs: every line logged while a run executes carries the run's `run_id` at its top
//! level: the worker's, the agent's (a model call retried), the browser's (the page's request
//! refused on its way to the appliance, and whatever chromiumoxide says meanwhile), and its
//! webhook attempt's after it ended. The appliance runs as its own process, its standard error
//! kept in a file.

use serde_json::{Value, json};

use crate::helpers::{Fixtures, PATIENCE};
use crate::process::Process;
use crate::receiver::Receiver;
use crate::scripted_llm::{Reply, ScriptedLlm};

/// The log's lines, each parsed; a line that is not a JSON object fails the test.
fn read_log(path: &std::path::Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let parsed: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
            assert!(parsed.is_object(), "{line}");
            parsed
        })
        .collect()
}

fn message(line: &Value) -> &str {
    line["fields"]["message"].as_str().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_line_logged_while_a_run_executes_carries_its_run_id() {
    let fixtures = Fixtures::start();
    let receiver = Receiver::start();
    let llm = ScriptedLlm::start();
    llm.then(|_| Reply::Status(500, None))
        .decide(|_| json!([{"action": "wait", "ms": 1000, "intent": "let the page try what it tries"}]))
        .decide(|_| json!([{"action": "complete"}]));
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("appliance.log");
    let env = [
        ("SKYVERN__LOG__FORMAT", "json"),
        ("RUST_LOG", "info,skyvern=debug,chromiumoxide=debug"),
        ("SKYVERN__LLM__PROVIDER", "openai"),
        ("SKYVERN__LLM__BASE_URL", &format!("{}/v1", llm.base_url)),
        ("SKYVERN__LLM__VISION", "false"),
        ("SKYVERN__LLM__RETRY_BASE_MS", "10"),
        ("SKYVERN__WEBHOOKS__ALLOW_PRIVATE", "true"),
    ];
    let appliance = Process::start_logging(std::path::Path::new("."), &dir.path().join("data"), &env, Some(&log)).await;

    // The page tries to reach the appliance, which its browser refuses (and logs).
    let to = format!("{}/v1/runs", appliance.address);
    let page = fixtures
        .url(&format!("reach.html?to={}", url::form_urlencoded::byte_serialize(to.as_bytes()).collect::<String>()));
    let body = json!({"prompt": "look around", "url": page, "webhook_url": receiver.url});
    let created = appliance.call(reqwest::Method::POST, "/v1/run/tasks", Some(body)).await;
    let run_id = created["run_id"].as_str().unwrap_or_else(|| panic!("{created}")).to_owned();
    let run = appliance.wait_for(&run_id, |run| run["status"] == "completed" || run["status"] == "failed").await;
    assert_eq!(run["status"], "completed", "{run}");
    receiver.wait_for_requests(1).await;
    // The attempt is logged once the receiver's answer is back.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !std::fs::read_to_string(&log).unwrap().contains("\"webhook attempt\"") {
        assert!(tokio::time::Instant::now() < deadline, "the webhook attempt was never logged");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    drop(appliance);

    let lines = read_log(&log);
    let of_the_run = |line: &Value| line["run_id"] == run_id.as_str();
    let at = |text: &str| {
        lines
            .iter()
            .position(|line| message(line) == text && line["fields"]["run_id"] == run_id.as_str())
            .unwrap_or_else(|| panic!("no `{text}` of the run in the log:\n{lines:#?}"))
    };
    let (started, ended) = (at("run started"), at("run ended"));
    let during = &lines[started..=ended];
    let untagged: Vec<&Value> = during.iter().filter(|line| !of_the_run(line)).collect();
    assert!(untagged.is_empty(), "lines logged while the run executed without its run_id: {untagged:#?}");
    for (what, target) in [
        ("model call failed; retrying", "skyvern::agent::llm::retry"),
        ("a run's page tried to reach the appliance; refused", "skyvern::browser::page"),
    ] {
        assert!(
            during.iter().any(|line| message(line) == what && line["target"] == target),
            "no `{what}` from {target} while the run executed: {during:#?}"
        );
    }

    let attempt = lines.iter().find(|line| message(line) == "webhook attempt").expect("the webhook attempt is logged");
    assert!(of_the_run(attempt), "{attempt}");
    let naming_it_after_it_started = lines[started..].iter().filter(|line| line["fields"]["run_id"] == run_id.as_str());
    for line in naming_it_after_it_started {
        assert!(of_the_run(line), "{line}");
    }
}
