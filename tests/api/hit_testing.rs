//! A click lands on the element it names: an element partly covered by another is clicked where
//! it is free; one covered all over is not clicked, and the action says what covers it. The same
//! holds in frames and shadow roots, for hover, for both engines, and on pages written by others.

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::scripted_llm::{ScriptedLlm, element};

/// Runs `script` on the fixture page of covered buttons; returns the run.
async fn on_covered_buttons(app: &TestApp, script: Value) -> Value {
    let run_id = app.create_script_run("covered.html", script).await;
    app.wait_until_final(&run_id).await
}

fn status_after(action: Value) -> Value {
    json!([action, {"action": "extract", "fields": {"status": "#status"}}])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_button_whose_centre_is_covered_is_clicked_where_it_is_free() {
    let app = TestApp::spawn().await;
    let run = on_covered_buttons(&app, status_after(json!({"action": "click", "selector": "#ok"}))).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["output"], json!({"status": "Clicked OK"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_click_or_hover_on_a_covered_element_fails_naming_what_covers_it_and_clicks_nothing() {
    let app = TestApp::spawn().await;
    let cases = [
        (json!({"action": "click", "selector": "#hidden"}), r#"'#hidden' is covered by <div id="veil">"#),
        (json!({"action": "hover", "selector": "#hidden"}), r#"'#hidden' is covered by <div id="veil">"#),
        (
            json!({"action": "click", "selector": "#frame >>> #inside"}),
            r##"'#frame >>> #inside' is covered by <div id="frame-veil">"##,
        ),
        (
            json!({"action": "click", "selector": "veiled-box >>> #shadowed"}),
            r#"'veiled-box >>> #shadowed' is covered by <div id="shadow-veil">"#,
        ),
    ];
    for (action, reason) in cases {
        let run = on_covered_buttons(&app, status_after(action.clone())).await;
        assert_eq!(run["status"], "failed", "{action}: {run}");
        assert_eq!(run["errors"][0]["code"], "element_covered", "{run}");
        let message = run["failure_reason"].as_str().unwrap();
        assert!(message.contains(reason), "{action}: {message}");
    }
    let run = on_covered_buttons(&app, json!([{"action": "extract", "fields": {"status": "#status"}}])).await;
    assert_eq!(run["output"], json!({"status": "Nothing clicked"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_clicks_button_one_of_a_miniwob_task_where_button_two_lies_over_its_centre() {
    let llm = ScriptedLlm::start();
    llm.decide(|page| json!([{"action": "click", "element": element(page, "\"START\"")}]))
        .decide(|page| json!([{"action": "click", "element": element(page, "button \"ONE\"")}]))
        .decide(|page| {
            json!([{"action": "extract", "fields": {"reward": element(page, "Last reward:")}}, {"action": "complete"}])
        });
    let app = llm.appliance("openai", |_| {}).await;
    // With this seed MiniWoB++ places button TWO over the right half of button ONE.
    let run =
        app.create_run(json!({"prompt": "Click button ONE", "url": app.fixtures.miniwob("click-test-2", 6)})).await;
    let run = app.wait_until_final(run["run_id"].as_str().unwrap()).await;
    assert_eq!(run["status"], "completed", "{run}");
    let reward = run["output"]["reward"].as_str().unwrap().trim_start_matches("Last reward:").trim().to_owned();
    assert!(reward.parse::<f64>().unwrap() > 0.0, "MiniWoB++ judged the click right: {run}");
}
