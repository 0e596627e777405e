//! Searching run history: `GET /v1/runs?search_key=` finds runs by the words of their prompt,
//! output, failure and the agent's thoughts and intents, by phrases, prefixes and Skyvern's
//! substrings, within the listing's filters; and the index survives being deleted or left behind.

use std::time::Duration;

use serde_json::{Value, json};
use skyvern::ids::RunId;
use skyvern::runs::{Engine, NewRun, RunStatus, RunType};
use skyvern::store::StatusChange;

use crate::helpers::{PATIENCE, TestApp, test_config};
use crate::process::cli;
use crate::scripted_llm::{Reply, ScriptedLlm, element};

/// Searches commit often in these tests, so waiting for the index is short.
fn quick_commits(config: &mut skyvern::Config) {
    config.search.commit_interval_ms = 100;
}

/// The run ids `GET /v1/runs?{query}` lists, in order, and its `x-total-count`.
async fn listed(app: &TestApp, query: &str) -> (Vec<String>, u64) {
    let response = app.get(&format!("/v1/runs?{query}")).send().await.unwrap();
    assert_eq!(response.status(), 200, "{query}");
    let total = response.headers()["x-total-count"].to_str().unwrap().parse().unwrap();
    let items: Vec<Value> = response.json().await.unwrap();
    (items.iter().map(|item| item["run_id"].as_str().unwrap().to_owned()).collect(), total)
}

/// The items of a search, once it lists exactly `expected` (in any order): the index follows
/// the runs a commit interval behind.
pub async fn search_until(app: &TestApp, query: &str, expected: &[&str]) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let mut wanted: Vec<&str> = expected.to_vec();
    wanted.sort_unstable();
    loop {
        let items: Vec<Value> = app.get_json(&format!("/v1/runs?{query}")).await;
        let mut ids: Vec<&str> = items.iter().map(|item| item["run_id"].as_str().unwrap()).collect();
        ids.sort_unstable();
        if ids == wanted {
            return items;
        }
        assert!(tokio::time::Instant::now() < deadline, "{query} never listed {wanted:?}; last {ids:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn key(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// A code run with this prompt and title that types `word` into the small page and reads back
/// `searched <word>` as its output.
async fn typing_run(app: &TestApp, title: &str, prompt: &str, word: &str) -> String {
    let script = json!([
        {"action": "fill", "selector": "#q", "value": word, "intent": "type the word"},
        {"action": "click", "selector": "#go"},
        {"action": "extract", "fields": {"result": "#result"}}
    ]);
    let body = json!({"title": title, "prompt": prompt, "url": app.fixtures.url("small.html"), "script": script});
    let run = app.create_run(body).await;
    let run_id = run["run_id"].as_str().unwrap().to_owned();
    assert_eq!(app.wait_until_final(&run_id).await["status"], "completed");
    run_id
}

/// Three finished runs: a completed code run, a failed one, and a completed agent run.
struct History {
    invoices: String,
    failed: String,
    agent: String,
}

async fn three_runs(app: &TestApp, llm: &ScriptedLlm) -> History {
    let invoices = typing_run(app, "Monthly report", "Collect the quarterly invoices", "marzipan").await;

    let failing = json!([{"action": "click", "selector": "#butterscotch-button"}]);
    let body = json!({"prompt": "Press the button", "url": app.fixtures.url("small.html"), "script": failing});
    let failed = app.create_run(body).await["run_id"].as_str().unwrap().to_owned();
    assert_eq!(app.wait_until_final(&failed).await["status"], "failed");

    llm.then(|page| {
        let actions = json!([
            {"action": "extract", "fields": {"title": element(page, "A small page")}, "intent": "read the itinerary heading"},
            {"action": "complete", "intent": "the page was read"}
        ]);
        Reply::Answer(json!({"reasoning": "The itinerary shows a layover in Reykjavík", "actions": actions}).to_string())
    });
    let body = json!({"prompt": "Read the heading", "url": app.fixtures.url("small.html"), "engine": "skyvern-2.0"});
    let agent = app.create_run(body).await["run_id"].as_str().unwrap().to_owned();
    assert_eq!(app.wait_until_final(&agent).await["status"], "completed");

    // Every run is indexed in its final status once the index finds all three among them.
    search_until(
        app,
        &format!("search_key={}&status=completed,failed", key(&app.fixtures.base)),
        &[&invoices, &failed, &agent],
    )
    .await;
    History { invoices, failed, agent }
}

/// The searches of the test, each with the runs it must list.
fn searches(history: &History) -> Vec<(String, Vec<&String>)> {
    let History { invoices, failed, agent } = history;
    let search = |text: &str| format!("search_key={}", key(text));
    vec![
        (search("quarterly"), vec![invoices]),
        (search("marzipan"), vec![invoices]),
        (search("butterscotch"), vec![failed]),
        (search("element_not_found") + "&status=failed", vec![failed]),
        (search("butterscotch") + "&status=completed", vec![]),
        (search("reykjavik"), vec![agent]),
        (search("itinerary heading"), vec![agent]),
        (search("\"quarterly invoices\""), vec![invoices]),
        (search("\"invoices quarterly\""), vec![]),
        (search("quart* COLLECT"), vec![invoices]),
        (search(&failed[2..]), vec![failed]),
        (search("monthly REP"), vec![invoices]),
    ]
}

async fn answers_every_search(app: &TestApp, history: &History) {
    for (query, expected) in searches(history) {
        let (mut found, total) = listed(app, &query).await;
        found.sort_unstable();
        let mut expected: Vec<String> = expected.into_iter().cloned().collect();
        expected.sort_unstable();
        assert_eq!(found, expected, "{query}");
        assert_eq!(total, expected.len() as u64, "{query}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_finds_runs_by_their_prompt_output_failure_thoughts_and_intents_within_a_status() {
    let llm = ScriptedLlm::start();
    let app = llm.appliance("openai", quick_commits).await;
    let history = three_runs(&app, &llm).await;
    answers_every_search(&app, &history).await;

    let found: Vec<Value> = app.get_json("/v1/runs?search_key=reykjavik").await;
    assert_eq!(
        found[0]["matches"],
        json!([{"field": "thoughts", "snippet": "The itinerary shows a layover in <b>Reykjavík</b>"}])
    );
    let found: Vec<Value> = app.get_json(&format!("/v1/runs?search_key={}", key("quart* invoices"))).await;
    assert_eq!(
        found[0]["matches"],
        json!([{"field": "prompt", "snippet": "Collect the <b>quarterly</b> <b>invoices</b>"}])
    );
    let found: Vec<Value> = app.get_json("/v1/runs?search_key=marzipan").await;
    let fields: Vec<&Value> = found[0]["matches"].as_array().unwrap().iter().map(|m| &m["field"]).collect();
    assert_eq!(fields, [&json!("output")], "{found:?}");
    assert_eq!(found[0]["matches"][0]["snippet"], "result searched <b>marzipan</b>");
    let found: Vec<Value> = app.get_json("/v1/runs?search_key=monthly%20REP").await;
    assert_eq!(found[0]["matches"], json!([{"field": "title", "snippet": "<b>Monthly rep</b>ort"}]));
    for field in ["task_run_id", "run_id", "task_run_type", "status", "created_at"] {
        assert!(!found[0][field].is_null(), "a found run is a list item: {field}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relevance_orders_the_best_match_first_and_dates_bound_searches_and_listings() {
    let app = TestApp::spawn_with(quick_commits).await;
    let strong = typing_run(&app, "Gazpacho recipe", "Gazpacho: a cold gazpacho soup", "tomato").await;
    let weak = typing_run(&app, "Notes", "A long note that mentions gazpacho once among many other words", "x").await;
    search_until(&app, "search_key=gazpacho", &[strong.as_str(), &weak]).await;

    assert_eq!(listed(&app, "search_key=gazpacho").await.0, [weak.as_str(), &strong], "newest first by default");
    assert_eq!(listed(&app, "search_key=gazpacho&sort=newest").await.0, [weak.as_str(), &strong]);
    assert_eq!(listed(&app, "search_key=gazpacho&sort=relevance").await.0, [strong.as_str(), &weak]);
    let (page, total) = listed(&app, "search_key=gazpacho&sort=relevance&page=2&page_size=1").await;
    assert_eq!((page, total), (vec![weak.clone()], 2));

    let created = app.run(&weak).await["created_at"].as_str().unwrap().to_owned();
    let since = format!("created_after={}", key(&created));
    let until = format!("created_before={}", key(&created));
    assert_eq!(listed(&app, &format!("search_key=gazpacho&{since}")).await.0, [weak.as_str()], "from that moment on");
    assert_eq!(listed(&app, &format!("search_key=gazpacho&{until}")).await.0, [strong.as_str()], "before it");
    assert_eq!(listed(&app, &since).await.0, [weak.as_str()], "dates bound the listing without a search too");
    assert_eq!(listed(&app, &until).await.0, [strong.as_str()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_parameters_are_validated_naming_the_parameter() {
    let app = TestApp::spawn().await;
    for (query, parameter) in [
        ("search_key=ab", "search_key"),
        ("search_key=%20%20a%20", "search_key"),
        ("search_key=", "search_key"),
        (&format!("search_key={}", "x".repeat(201)), "search_key"),
        ("search_key=abc&sort=oldest", "sort"),
        ("created_after=yesterday", "created_after"),
        ("created_before=2025-13-01T00:00:00Z", "created_before"),
    ] {
        let response = app.get(&format!("/v1/runs?{query}")).send().await.unwrap();
        assert_eq!(response.status(), 422, "{query}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["detail"][0]["loc"], json!(["query", parameter]), "{query}: {body}");
    }
    let (found, total) = listed(&app, "search_key=%2A%2A%2A&sort=relevance").await;
    assert_eq!((found.len(), total), (0, 0), "a key with no words finds nothing, without an error");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_index_is_rebuilt_at_start_and_answers_the_same() {
    let llm = ScriptedLlm::start();
    let app = llm.appliance("openai", quick_commits).await;
    let history = three_runs(&app, &llm).await;
    let data_dir = app.stop().await;
    std::fs::remove_dir_all(data_dir.path().join("search-index")).unwrap();

    let mut config = test_config(data_dir.path());
    quick_commits(&mut config);
    let app = tokio::time::timeout(PATIENCE, TestApp::spawn_in(data_dir, config)).await.unwrap();
    answers_every_search(&app, &history).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_changed_while_the_appliance_was_stopped_are_found_as_soon_as_it_starts() {
    let app = TestApp::spawn_with(quick_commits).await;
    let listed_before = typing_run(&app, "Before", "A run from before the stop", "x").await;
    search_until(&app, "search_key=before", &[listed_before.as_str()]).await;
    let data_dir = app.stop().await;

    let mut config = test_config(data_dir.path());
    quick_commits(&mut config);
    let store = skyvern::app::open_store(&config).await.unwrap();
    let run_id = RunId::generate();
    let new_run = NewRun {
        id: run_id.clone(),
        run_type: RunType::TaskV1,
        engine: Engine::Code,
        title: Some("Written while stopped".into()),
        prompt: Some("Compare the pistachio prices".into()),
        url: None,
        request: json!({}),
        browser_session_id: None,
        webhook_url: None,
        plan: None,
        rerun_of: None,
    };
    store.insert_queued_run(new_run, Vec::new()).await.unwrap();
    store.transition(&run_id, StatusChange::to(RunStatus::Canceled)).await.unwrap();
    drop(store);

    let app = tokio::time::timeout(PATIENCE, TestApp::spawn_in(data_dir, config)).await.unwrap();
    assert_eq!(listed(&app, "search_key=pistachio&status=canceled").await.0, [run_id.as_str()], "no wait");
    assert_eq!(listed(&app, "search_key=before").await.0, [listed_before.as_str()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_index_is_rebuilt_at_start_and_reindex_waits_for_the_appliance_to_stop() {
    let app = TestApp::spawn_with(quick_commits).await;
    let run_id = typing_run(&app, "Kept", "Count the saffron jars", "x").await;
    search_until(&app, "search_key=saffron", &[&run_id]).await;
    let refused = cli(app.data_dir.path(), &["reindex"]);
    assert!(!refused.status.success(), "reindex is refused beside a running appliance");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("already used"), "{refused:?}");
    let data_dir = app.stop().await;

    let index = data_dir.path().join("search-index");
    std::fs::write(index.join("meta.json"), "{ not what tantivy wrote").unwrap();
    let mut config = test_config(data_dir.path());
    quick_commits(&mut config);
    let app = TestApp::spawn_in(data_dir, config.clone()).await;
    assert_eq!(listed(&app, "search_key=saffron").await.0, [run_id.as_str()], "rebuilt before serving");
    let data_dir = app.stop().await;

    let reindexed = cli(data_dir.path(), &["reindex"]);
    assert!(reindexed.status.success(), "{}", String::from_utf8_lossy(&reindexed.stderr));
    assert!(String::from_utf8_lossy(&reindexed.stdout).contains("rebuilt: 1 runs"), "{reindexed:?}");
    let app = TestApp::spawn_in(data_dir, config).await;
    assert_eq!(listed(&app, "search_key=saffron").await.0, [run_id.as_str()]);
}
