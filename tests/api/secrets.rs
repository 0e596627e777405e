//! Secrets stay secret: a long, multi-line secret typed into a text area by the agent, with
//! vision on, is found nowhere the appliance writes: not its database, artifacts or log, not
//! what the model was sent; on screen the field is masked.

use std::path::Path;

use serde_json::{Value, json};

use crate::helpers::{API_KEY, Fixtures, files_below};
use crate::process::Process;
use crate::scripted_llm::{ScriptedLlm, element};

/// 200 characters over four lines, with runs of spaces and a tab.
const PHRASE: &str = "zebra-41 Quillon harbour amber\n  Nightjar 7730 obsidian  lantern foxglove\n\tmarrow Velcro-88 tundra sapphire keel parsnip umbra\nhollow Brindle 2291 cassava wren ochre mistral pylon-6 juniper quartz xyz";

/// The pieces of the phrase that must not appear anywhere: itself, folded onto one line, and
/// each of its lines.
fn pieces() -> Vec<String> {
    let mut pieces = vec![PHRASE.to_owned(), PHRASE.split_whitespace().collect::<Vec<_>>().join(" ")];
    pieces.extend(PHRASE.lines().map(|line| line.trim().to_owned()));
    pieces
}

fn holds_a_piece(bytes: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(bytes);
    pieces().into_iter().find(|piece| text.contains(piece.as_str()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_multi_line_secret_typed_by_the_agent_is_stored_nowhere_and_masked_on_screen() {
    assert_eq!(PHRASE.chars().count(), 200);
    let fixtures = Fixtures::start();
    let llm = ScriptedLlm::start();
    llm.decide(|page| {
        json!([
            {"action": "fill", "element": element(page, "Recovery phrase"), "text": "{{secret.phrase}}"},
            {"action": "click", "element": element(page, "\"Save\"")}
        ])
    })
    .decide(|page| {
        assert!(page.contains("value=\"{{secret.phrase}}\""), "the field shows the placeholder: {page}");
        json!([
            {"action": "extract", "fields": {"saved": element(page, "Saved"), "style": element(page, "Recovery phrase")}},
            {"action": "complete"}
        ])
    });
    let data = tempfile::tempdir().unwrap();
    let log = data.path().join("appliance.log");
    let base = format!("{}/v1", llm.base_url);
    let env = [
        ("SKYVERN__LLM__PROVIDER", "openai"),
        ("SKYVERN__LLM__BASE_URL", base.as_str()),
        ("SKYVERN__LLM__VISION", "true"),
        ("RUST_LOG", "debug"),
    ];
    let data_dir = data.path().join("data");
    let appliance = Process::start_logging(Path::new("."), &data_dir, &env, Some(&log)).await;
    let body = json!({"prompt": "Save my recovery phrase", "url": fixtures.url("recovery.html"), "secrets": {"phrase": PHRASE}});
    let run = appliance.call(reqwest::Method::POST, "/v1/run/tasks", Some(body)).await;
    let run_id = run["run_id"].as_str().unwrap().to_owned();
    let run = appliance.wait_for(&run_id, |run| run["status"] == "completed" || run["status"] == "failed").await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["output"]["saved"], "Saved 200 characters", "the page got the whole phrase");

    // On screen the field is masked: its own style says so, read in the page.
    let style_run = appliance
        .call(
            reqwest::Method::POST,
            "/v1/run/tasks",
            Some(json!({
                "prompt": "mask", "url": fixtures.url("recovery.html"), "secrets": {"phrase": PHRASE},
                "script": [
                    {"action": "fill", "selector": "#phrase", "value": "{{secret.phrase}}"},
                    {"action": "extract", "fields": {"style": {"selector": "#phrase", "attribute": "style"}}}
                ]
            })),
        )
        .await;
    let style_run = appliance
        .wait_for(style_run["run_id"].as_str().unwrap(), |run| run["output"].is_object() || run["status"] == "failed")
        .await;
    let style = style_run["output"]["style"].as_str().unwrap_or_default().to_owned();
    assert!(style.contains("-webkit-text-security: disc"), "the field is masked on screen: {style_run}");

    let sent = serde_json::to_string(&llm.received()).unwrap();
    assert!(sent.contains("image_url"), "the model got screenshots");
    assert_eq!(holds_a_piece(sent.as_bytes()), None, "the model was sent part of the secret");
    let traces: Vec<Value> = reqwest::Client::new()
        .get(format!("{}/v1/runs/{run_id}/traces", appliance.address))
        .header("x-api-key", API_KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(traces.len(), 2);
    drop(appliance);
    for (path, bytes) in files_below(data.path()) {
        assert_eq!(holds_a_piece(&bytes), None, "{} holds part of the secret", path.display());
    }
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("run started"), "the log was written: {logged}");
}
