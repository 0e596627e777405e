//! The agent engine against a scripted model provider and real pages in real Chromium.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::scripted_llm::{CACHED_TOKENS, INPUT_TOKENS, OUTPUT_TOKENS, Reply, ScriptedLlm, element};

async fn agent_app(llm: &ScriptedLlm, provider: &'static str) -> TestApp {
    llm.appliance(provider, |_| {}).await
}

async fn agent_app_with(
    llm: &ScriptedLlm,
    provider: &'static str,
    customize: impl FnOnce(&mut skyvern::Config),
) -> TestApp {
    llm.appliance(provider, customize).await
}

fn booking_schema() -> Value {
    json!({
        "type": "object",
        "required": ["flight", "name", "seats", "insured", "total"],
        "properties": {
            "flight": {"type": "string"},
            "name": {"type": "string"},
            "seats": {"type": "integer"},
            "insured": {"type": "boolean"},
            "total": {"type": "number"}
        }
    })
}

/// The model's side of the three-page booking: search, pick the cheapest result, fill the form.
fn script_the_booking(llm: &ScriptedLlm) {
    llm.decide(|page| {
        json!([
            {"action": "fill", "element": element(page, "Where to?"), "text": "Paris", "intent": "enter the destination"},
            {"action": "click", "element": element(page, "\"Search\""), "intent": "search flights"}
        ])
    })
    .decide(|page| json!([{"action": "click", "element": element(page, "$99"), "intent": "pick the cheapest flight"}]))
    .decide(|page| {
        json!([
            {"action": "fill", "element": element(page, "Traveller name"), "text": "Ada Lovelace"},
            {"action": "select_option", "element": element(page, "select"), "option": "2"},
            {"action": "check", "element": element(page, "type=checkbox"), "checked": true},
            {"action": "click", "element": element(page, "\"Book\"")}
        ])
    })
    .decide(|page| {
        json!([
            {"action": "extract", "fields": {
                "flight": {"element": element(page, "AF 1234"), "part": "AF 1234"},
                "name": {"element": element(page, "Ada Lovelace"), "part": "Ada  Lovelace"},
                "seats": {"element": element(page, "Seats: 2"), "part": "2"},
                "insured": {"element": element(page, "insurance: yes"), "part": "yes"},
                "total": {"element": element(page, "$198"), "part": "$198"}
            }},
            {"action": "complete", "intent": "the booking is confirmed"}
        ])
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_three_page_task_completes_with_a_schema_valid_extraction_and_a_full_trace() {
    let llm = ScriptedLlm::start();
    script_the_booking(&llm);
    let app = agent_app(&llm, "openai").await;
    let run = app
        .create_run(json!({
            "prompt": "Book the cheapest flight to Paris for Ada Lovelace, 2 seats, with insurance",
            "url": app.fixtures.url("search.html"),
            "engine": "skyvern-2.0",
            "data_extraction_schema": booking_schema(),
        }))
        .await;
    assert_eq!(run["engine"], "agent");
    let run_id = run["run_id"].as_str().unwrap().to_owned();
    let run = app.wait_until_final(&run_id).await;

    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(
        run["output"],
        json!({"flight": "AF 1234", "name": "Ada Lovelace", "seats": 2, "insured": true, "total": 198.0})
    );
    let received = llm.received();
    assert_eq!(received.len(), 4, "one model call per step");
    let first_prompt = received[0]["messages"][1]["content"][0]["text"].as_str().unwrap();
    assert!(first_prompt.contains("Book the cheapest flight to Paris"), "{first_prompt}");
    assert!(first_prompt.contains("Where to?"));
    assert!(received[0]["messages"][0]["content"].as_str().unwrap().contains("web agent"), "the system prompt");

    assert_eq!(run["usage"]["input_tokens"], 4 * INPUT_TOKENS);
    assert_eq!(run["usage"]["cached_tokens"], 4 * CACHED_TOKENS);
    assert_eq!(run["usage"]["output_tokens"], 4 * OUTPUT_TOKENS);
    let per_call =
        ((INPUT_TOKENS - CACHED_TOKENS) as f64 * 1.0 + CACHED_TOKENS as f64 * 0.5 + OUTPUT_TOKENS as f64 * 2.0) / 1e6;
    assert!((run["usage"]["cost_usd"].as_f64().unwrap() - 4.0 * per_call).abs() < 1e-12, "{}", run["usage"]);

    let timeline = app.timeline(&run_id).await;
    let thoughts: Vec<&Value> = timeline.iter().filter(|i| i["kind"] == "thought").collect();
    assert_eq!(thoughts.len(), 4);
    assert!(thoughts.iter().all(|t| t["label"] == "Decision" && t["detail"]["tag"] == "Decision"));
    let actions: Vec<i64> =
        timeline.iter().filter(|i| i["kind"] == "action").map(|i| i["action_number"].as_i64().unwrap()).collect();
    assert_eq!(actions, (1..=9).collect::<Vec<_>>(), "the start page, then 8 actions, numbered");

    let traces: Vec<Value> = app.get_json(&format!("/v1/runs/{run_id}/traces")).await;
    assert_eq!(traces.len(), 4);
    assert_eq!(traces[0]["model"], "test-model");
    assert!(traces[0]["response_text"].as_str().unwrap().contains("scripted reasoning"));
    assert_eq!(traces[0]["parsed"]["actions"][0]["action"], "fill");
    assert!(traces[0]["request"]["system"].as_str().unwrap().contains("web agent"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_replay_script_of_an_agent_run_reproduces_it_with_no_model_and_renders_as_python() {
    let llm = ScriptedLlm::start();
    script_the_booking(&llm);
    let app = agent_app(&llm, "openai").await;
    let start = app.fixtures.url("search.html");
    let body = json!({"prompt": "Book", "url": start, "data_extraction_schema": booking_schema()});
    let run = app.create_run(body).await;
    let run_id = run["run_id"].as_str().unwrap().to_owned();
    let agent_run = app.wait_until_final(&run_id).await;
    assert_eq!(agent_run["status"], "completed", "{agent_run}");

    let scripts: Vec<Value> = app.get_json(&format!("/v1/runs/{run_id}/artifacts?artifact_type=script_file")).await;
    assert_eq!(scripts.len(), 1);
    let script: Value =
        app.get_json(&format!("/v1/artifacts/{}/content", scripts[0]["artifact_id"].as_str().unwrap())).await;
    assert!(script.as_array().unwrap().iter().any(|s| s["intent"] == "pick the cheapest flight"), "{script}");

    let calls_before = llm.received().len();
    let replay = app
        .create_run(
            json!({"prompt": "Book", "url": start, "data_extraction_schema": booking_schema(), "script": script}),
        )
        .await;
    assert_eq!(replay["engine"], "code");
    let replay = app.wait_until_final(replay["run_id"].as_str().unwrap()).await;
    assert_eq!(replay["status"], "completed", "{replay}");
    assert_eq!(replay["output"], agent_run["output"]);
    assert_eq!(llm.received().len(), calls_before, "the replay asked no model");

    let python = app.get(&format!("/v1/runs/{run_id}/code")).send().await.unwrap().text().await.unwrap();
    assert!(python.contains("sync_playwright") && python.contains("select_option(label=\"2\")"), "{python}");
    let file = app.data_dir.path().join("replay.py");
    std::fs::write(&file, &python).unwrap();
    let compiled = std::process::Command::new("python3").args(["-m", "py_compile"]).arg(&file).output().unwrap();
    assert!(compiled.status.success(), "{}", String::from_utf8_lossy(&compiled.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn elements_inside_an_iframe_and_a_shadow_root_are_operated() {
    let llm = ScriptedLlm::start();
    llm.decide(|page| {
        json!([
            {"action": "fill", "element": element(page, "Your email"), "text": "ada@example.org"},
            {"action": "click", "element": element(page, "Subscribe")},
            {"action": "click", "element": element(page, "Claim the offer")}
        ])
    })
    .decide(|page| json!([{"action": "extract", "fields": {"status": element(page, "claimed by")}}, {"action": "complete"}]));
    let app = agent_app(&llm, "openai").await;
    let run = app.create_run(json!({"prompt": "Subscribe and claim", "url": app.fixtures.url("frames.html")})).await;
    let run = app.wait_until_final(run["run_id"].as_str().unwrap()).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["output"], json!({"status": "Status: claimed by ada@example.org"}));
    let first_prompt = llm.received()[0]["messages"][1]["content"][0]["text"].as_str().unwrap().to_owned();
    assert!(first_prompt.contains("frame=1"), "iframe elements are marked: {first_prompt}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_anthropic_provider_drives_a_run() {
    let llm = ScriptedLlm::start();
    llm.decide(|page| json!([{"action": "extract", "fields": {"title": element(page, "A small page")}}, {"action": "complete"}]));
    let app = agent_app(&llm, "anthropic").await;
    let run = app.create_run(json!({"prompt": "Read the title", "url": app.fixtures.url("small.html")})).await;
    let run = app.wait_until_final(run["run_id"].as_str().unwrap()).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["output"], json!({"title": "A small page"}));
    let request = &llm.received()[0];
    assert!(request["system"].as_str().unwrap().contains("web agent"), "Anthropic's top-level system prompt");
    assert_eq!(run["usage"]["input_tokens"], INPUT_TOKENS);
    assert_eq!(run["usage"]["cached_tokens"], CACHED_TOKENS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_answer_is_repaired_once_and_a_second_one_fails_cleanly() {
    let llm = ScriptedLlm::start();
    llm.then(|_| Reply::Answer("I think I should click the button.".into())).then(|_| {
        Reply::Answer("```json\n{\"reasoning\": \"ok\", \"actions\": [{\"action\": \"complete\"},],}\n```".into())
    });
    let app = agent_app(&llm, "openai").await;
    let run = app.create_run(json!({"prompt": "Finish", "url": app.fixtures.url("small.html")})).await;
    let run = app.wait_until_final(run["run_id"].as_str().unwrap()).await;
    assert_eq!(run["status"], "completed", "{run}");
    let repair = llm.received()[1].clone();
    let last =
        repair["messages"].as_array().unwrap().last().unwrap()["content"][0]["text"].as_str().unwrap().to_owned();
    assert!(last.contains("could not be read"), "{last}");

    llm.then(|_| Reply::Answer("nope".into())).then(|_| Reply::Answer("still nope".into()));
    let run = app.create_run(json!({"prompt": "Finish", "url": app.fixtures.url("small.html")})).await;
    let run_id = run["run_id"].as_str().unwrap().to_owned();
    let run = app.wait_until_final(&run_id).await;
    assert_eq!(run["status"], "failed");
    assert_eq!(run["errors"][0]["code"], "unreadable_answer");
    let traces: Vec<Value> = app.get_json(&format!("/v1/runs/{run_id}/traces")).await;
    assert_eq!(
        traces.iter().filter_map(|t| t["response_text"].as_str()).collect::<Vec<_>>(),
        vec!["nope", "still nope"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_is_retried_after_the_providers_wait() {
    let llm = ScriptedLlm::start();
    llm.then(|_| Reply::Status(429, Some("1"))).decide(|_| json!([{"action": "complete"}]));
    let app = agent_app(&llm, "openai").await;
    let run = app.create_run(json!({"prompt": "Finish", "url": app.fixtures.url("small.html")})).await;
    let started = Instant::now();
    let run = app.wait_until_final(run["run_id"].as_str().unwrap()).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(llm.received().len(), 2);
    assert!(started.elapsed() >= Duration::from_millis(900), "Retry-After was honoured");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_that_never_answers_fails_the_run_within_its_budget() {
    let llm = ScriptedLlm::start();
    llm.then(|_| Reply::Hang).then(|_| Reply::Hang);
    let app = agent_app_with(&llm, "openai", |config| {
        config.llm.timeout_seconds = 1;
        config.llm.max_retries = 1;
    })
    .await;
    let run = app
        .create_run(json!({"prompt": "Finish", "url": app.fixtures.url("small.html"), "time_budget_seconds": 30}))
        .await;
    let run = app.wait_until_final(run["run_id"].as_str().unwrap()).await;
    assert_eq!(run["status"], "failed");
    assert_eq!(run["errors"][0]["code"], "llm_unavailable");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_model_fails_the_run_saying_so() {
    let llm = ScriptedLlm::start();
    llm.then(|_| Reply::Status(404, None));
    let app = agent_app(&llm, "openai").await;
    let run = app
        .create_run(json!({"prompt": "Finish", "url": app.fixtures.url("small.html"), "model": {"model_name": "no-such-model"}}))
        .await;
    let run = app.wait_until_final(run["run_id"].as_str().unwrap()).await;
    assert_eq!(run["status"], "failed");
    assert_eq!(run["errors"][0]["code"], "llm_unknown_model");
    assert!(run["failure_reason"].as_str().unwrap().contains("no-such-model"));
    assert_eq!(llm.received()[0]["model"], "no-such-model", "the run's model wins over the configured one");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminate_and_max_steps_and_error_codes_end_runs_as_specified() {
    let llm = ScriptedLlm::start();
    llm.decide(|_| json!([{"action": "terminate", "reason": "the site has no flights to Mars"}]));
    let app = agent_app(&llm, "openai").await;
    let url = app.fixtures.url("small.html");
    let run = app.create_run(json!({"prompt": "Fly to Mars", "url": url})).await;
    let run = app.wait_until_final(run["run_id"].as_str().unwrap()).await;
    assert_eq!(run["status"], "terminated");
    assert_eq!(run["failure_reason"], "the site has no flights to Mars");

    llm.decide(|_| json!([{"action": "scroll", "direction": "down"}]))
        .decide(|_| json!([{"action": "wait", "seconds": 0}]));
    let run = app.create_run(json!({"prompt": "Loop", "url": url, "max_steps": 2})).await;
    let run = app.wait_until_final(run["run_id"].as_str().unwrap()).await;
    assert_eq!(run["status"], "failed");
    assert_eq!(run["failure_reason"], "reached the maximum steps (2)");

    llm.decide(|_| json!([{"action": "report_error", "code": "SOLD_OUT"}]));
    let body = json!({"prompt": "Buy", "url": url, "error_code_mapping": {"SOLD_OUT": "the item is sold out"}});
    let run = app.create_run(body).await;
    let run = app.wait_until_final(run["run_id"].as_str().unwrap()).await;
    assert_eq!(run["status"], "terminated");
    assert_eq!(
        run["errors"][0],
        json!({"type": "user_defined", "code": "SOLD_OUT", "message": "the item is sold out"})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secret_values_reach_the_page_but_never_the_model() {
    let llm = ScriptedLlm::start();
    llm.decide(|page| {
        json!([
            {"action": "fill", "element": element(page, "Account number"), "text": "{{secret.account}}"},
            {"action": "fill", "element": element(page, "Password"), "text": "{{secret.password}}"},
            {"action": "click", "element": element(page, "button")}
        ])
    })
    .decide(|page| json!([{"action": "extract", "fields": {"result": element(page, "Welcome back")}}, {"action": "complete"}]));
    let app = agent_app_with(&llm, "openai", |config| config.llm.vision = true).await;
    let body = json!({
        "prompt": "Sign in",
        "url": app.fixtures.url("login.html"),
        "secrets": {"account": "4711-0815", "password": "correct horse battery"}
    });
    let run = app.create_run(body).await;
    let run_id = run["run_id"].as_str().unwrap().to_owned();
    assert_eq!(run["run_request"]["secrets"], json!({"account": null, "password": null}), "only names are stored");
    let run = app.wait_until_final(&run_id).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["output"], json!({"result": "Welcome back, account {{secret.account}}"}), "the page got the values");

    let sent = serde_json::to_string(&llm.received()).unwrap();
    assert!(!sent.contains("4711-0815") && !sent.contains("correct horse"), "a secret reached the model");
    assert!(sent.contains("{{secret.account}}"), "the model sees placeholders");
    assert!(sent.contains("image_url"), "vision models get a screenshot");
    let traces: Vec<Value> = app.get_json(&format!("/v1/runs/{run_id}/traces")).await;
    let stored =
        serde_json::to_string(&traces).unwrap() + &serde_json::to_string(&app.timeline(&run_id).await).unwrap();
    assert!(!stored.contains("4711-0815") && !stored.contains("correct horse"), "a secret was recorded");
    let image = &traces[0]["request"]["messages"][0]["parts"][1];
    assert_eq!(image["type"], "image");
    assert!(
        image["artifact_id"].as_str().unwrap().starts_with("a_"),
        "screenshots are referenced, not inlined: {image}"
    );
    assert!(image.get("jpeg_base64").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asking_a_person_waits_in_interaction_required_and_resumes_with_the_answer() {
    let llm = ScriptedLlm::start();
    llm.decide(|_| json!([{"action": "ask_user", "question": "Which code did your phone receive?"}]))
        .decide(|page| {
            let code = page.lines().find(|l| l.contains("they answered:")).unwrap().rsplit(": ").next().unwrap().to_owned();
            json!([
                {"action": "fill", "element": element(page, "input"), "text": code},
                {"action": "click", "element": element(page, "Search")}
            ])
        })
        .decide(|page| json!([{"action": "extract", "fields": {"result": element(page, "searched")}}, {"action": "complete"}]));
    let app = agent_app(&llm, "openai").await;
    let run = app.create_run(json!({"prompt": "Enter the code", "url": app.fixtures.url("small.html")})).await;
    let run_id = run["run_id"].as_str().unwrap().to_owned();
    let early =
        app.post(&format!("/v1/runs/{run_id}/interactions")).json(&json!({"response": "x"})).send().await.unwrap();
    assert_eq!(early.status(), 409, "a run that does not wait refuses an answer");

    app.wait_for_status(&run_id, "interaction_required").await;
    let timeline = app.timeline(&run_id).await;
    let question = timeline.iter().find(|i| i["label"] == "Question for a person").unwrap();
    assert_eq!(question["detail"]["question"], "Which code did your phone receive?");

    let answered =
        app.post(&format!("/v1/runs/{run_id}/interactions")).json(&json!({"response": "246810"})).send().await.unwrap();
    assert_eq!(answered.status(), 200);
    let run = app.wait_until_final(&run_id).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["output"], json!({"result": "searched 246810"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_downloaded_file_lands_in_downloaded_files() {
    let llm = ScriptedLlm::start();
    llm.decide(
        |page| json!([{"action": "download", "element": element(page, "revenue report")}, {"action": "complete"}]),
    );
    let app = agent_app(&llm, "openai").await;
    let run =
        app.create_run(json!({"prompt": "Get the revenue report", "url": app.fixtures.url("downloads.html")})).await;
    let run = app.wait_until_final(run["run_id"].as_str().unwrap()).await;
    assert_eq!(run["status"], "completed", "{run}");
    let files = run["downloaded_files"].as_array().unwrap();
    assert_eq!(files.len(), 1, "{run}");
    assert_eq!(files[0]["filename"], "report.csv");
    let expected =
        std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/report.csv")).unwrap();
    assert_eq!(files[0]["file_size"], expected.len());
    let content =
        app.get(&format!("/v1/artifacts/{}/content", files[0]["artifact_id"].as_str().unwrap())).send().await.unwrap();
    assert!(content.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert_eq!(content.bytes().await.unwrap().to_vec(), expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_given_with_the_run_is_uploaded_under_its_name() {
    use base64::Engine as _;
    let llm = ScriptedLlm::start();
    llm.decide(|page| {
        assert!(page.contains("Files you may upload: cv.txt"), "{page}");
        json!([{"action": "upload", "element": element(page, "Your CV"), "file": "cv.txt"}])
    })
    .decide(
        |page| json!([{"action": "extract", "fields": {"received": element(page, "p \"cv.txt")}}, {"action": "complete"}]),
    );
    let app = agent_app(&llm, "openai").await;
    let content = base64::engine::general_purpose::STANDARD.encode("Ada Lovelace, analyst");
    let body = json!({"prompt": "Apply", "url": app.fixtures.url("upload.html"), "files": {"cv.txt": content}});
    let run = app.create_run(body).await;
    assert_eq!(
        run["run_request"]["files"],
        json!({"cv.txt": null}),
        "the content is kept as an artifact, not in the request"
    );
    let run_id = run["run_id"].as_str().unwrap().to_owned();
    let run = app.wait_until_final(&run_id).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["output"], json!({"received": "cv.txt: Ada Lovelace, analyst"}));
    let uploads: Vec<Value> = app.get_json(&format!("/v1/runs/{run_id}/artifacts?artifact_type=upload")).await;
    assert_eq!(uploads[0]["filename"], "cv.txt");

    let bad = app
        .post("/v1/run/tasks")
        .json(&json!({"prompt": "x", "url": app.fixtures.url("upload.html"), "files": {"a.txt": "%%%"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let sneaky = app
        .post("/v1/run/tasks")
        .json(&json!({"prompt": "x", "url": app.fixtures.url("upload.html"), "files": {"../a.txt": ""}}))
        .send()
        .await
        .unwrap();
    assert_eq!(sneaky.status(), 422);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn elements_inside_a_cross_origin_iframe_are_operated() {
    let llm = ScriptedLlm::start();
    llm.decide(|page| {
        assert!(page.contains("frame=1"), "{page}");
        json!([
            {"action": "fill", "element": element(page, "Card number"), "text": "4242424242424242"},
            {"action": "click", "element": element(page, "Pay now")}
        ])
    })
    .decide(
        |page| json!([{"action": "extract", "fields": {"paid": element(page, "paid with")}}, {"action": "complete"}]),
    );
    let app = agent_app(&llm, "openai").await;
    let run = app.create_run(json!({"prompt": "Pay", "url": app.fixtures.url("cross-origin.html")})).await;
    let run = app.wait_until_final(run["run_id"].as_str().unwrap()).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["output"], json!({"paid": "paid with card ending 4242"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_opens_a_tab_sees_the_tabs_and_switches_back() {
    let llm = ScriptedLlm::start();
    let base = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let url = base.clone();
    llm.decide(move |_| json!([{"action": "new_tab", "url": format!("{}/small.html", url.lock().unwrap())}]))
        .decide(|page| {
            assert!(page.contains("Open tabs:") && page.contains("[1] Small page") && page.contains("(you are here)"), "{page}");
            json!([{"action": "extract", "fields": {"title": element(page, "A small page")}}, {"action": "switch_tab", "tab": 0}])
        })
        .decide(|page| {
            assert!(page.contains("Reports"), "back in the first tab: {page}");
            json!([{"action": "complete"}])
        });
    let app = agent_app(&llm, "openai").await;
    *base.lock().unwrap() = app.fixtures.base.clone();
    let run = app.create_run(json!({"prompt": "Compare", "url": app.fixtures.url("downloads.html")})).await;
    let run = app.wait_until_final(run["run_id"].as_str().unwrap()).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["output"], json!({"title": "A small page"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_person_hands_control_back_the_agent_looks_at_the_page_as_they_left_it() {
    let llm = ScriptedLlm::start();
    llm.decide(|_| json!([{"action": "wait", "seconds": 2, "intent": "give the person time"}]))
        .decide(|_| json!([{"action": "complete", "intent": "the person pressed the button"}]));
    let app = agent_app(&llm, "openai").await;
    let run = app.create_run(json!({"prompt": "Wait for a person", "url": app.fixtures.url("control.html")})).await;
    let run_id = run["run_id"].as_str().unwrap().to_owned();
    let person = crate::viewer::Viewer::connect(&app.address, &run_id).await;
    person.take_control().await;
    for event in ["pressed", "released"] {
        person.send(json!({"type": "mouse", "event": event, "x": 200, "y": 150})).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    person.send(json!({"type": "release_control"})).await;

    let run = app.wait_until_final(&run_id).await;
    assert_eq!(run["status"], "completed", "{run}");
    let prompts: Vec<String> = llm.received().iter().map(|request| request.to_string()).collect();
    let last = prompts.last().unwrap();
    assert!(last.contains("clicked by a person"), "the model saw the page the person left");
    assert!(last.contains("A person took control"), "and was told a person held control");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_absurd_retry_after_is_capped_and_the_run_goes_on() {
    let llm = ScriptedLlm::start();
    llm.then(|_| Reply::Status(429, Some("1e30")))
        .then(|_| Reply::Status(429, Some("99999999999999999999999")))
        .decide(|_| json!([{"action": "complete"}]));
    let app = agent_app_with(&llm, "openai", |config| config.llm.max_retry_wait_seconds = 1).await;
    let run = app.create_run(json!({"prompt": "Finish", "url": app.fixtures.url("small.html")})).await;
    let started = Instant::now();
    let run = app.wait_until_final(run["run_id"].as_str().unwrap()).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(llm.received().len(), 3, "both rate limits were retried");
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(1800), "each wait was the configured longest: {waited:?}");
    assert!(waited < Duration::from_secs(30), "and no longer: {waited:?}");
}
