//! One-time verification codes reach a run where it typed `{{verification_code}}`: made from a
//! stored login's TOTP secret, pushed for it to its `totp_identifier`, answered by its
//! `totp_url` (polled, signed), or, with no source, given by a person while the run waits in
//! `interaction_required`. A site played by a small local server checks each code; no record of
//! the run holds the code.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};
use totp_rs::{Algorithm, Secret, TOTP};

use crate::helpers::{TestApp, files_below, serve_locally};
use crate::scripted_llm::{ScriptedLlm, element};

/// A TOTP seed as Skyvern stores it: base32.
const SEED: &str = "KRSXG5CTMVRXEZLUKN2XAZLSONSWG4TFOQ";

/// What the site received: sign-ins and codes typed into its forms, and questions to its
/// `totp_url`.
#[derive(Default)]
struct Received {
    sign_ins: Mutex<Vec<(String, String)>>,
    codes: Mutex<Vec<String>>,
    questions: Mutex<Vec<(Value, Option<String>)>>,
    /// The `totp_url`'s answers, in order; once used up, the last is repeated.
    answers: Mutex<Vec<Value>>,
}

/// A site whose sign-in asks for a verification code, and a `totp_url` beside it.
struct Site {
    base: String,
    received: Arc<Received>,
    _server: actix_web::dev::ServerHandle,
}

const VERIFY_PAGE: &str = r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Verify</title></head>
<body><h1>Two-step verification</h1><form method="post" action="/verify">
<label for="code">Enter the code we sent you</label> <input id="code" name="code" autocomplete="one-time-code">
<button id="submit" type="submit">Verify</button></form></body></html>"#;

const LOGIN_PAGE: &str = r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in</title></head>
<body><h1>Sign in to Example</h1><form method="post" action="/login">
<label for="user">User name</label> <input id="user" name="user">
<label for="password">Password</label> <input id="password" name="password" type="password">
<button id="sign-in" type="submit">Sign in</button></form></body></html>"#;

async fn login_page() -> HttpResponse {
    HttpResponse::Ok().content_type("text/html").body(LOGIN_PAGE)
}

async fn login(
    received: web::Data<Arc<Received>>,
    form: web::Form<std::collections::HashMap<String, String>>,
) -> HttpResponse {
    let field = |name: &str| form.get(name).cloned().unwrap_or_default();
    received.sign_ins.lock().unwrap().push((field("user"), field("password")));
    HttpResponse::SeeOther().insert_header(("location", "/verify")).finish()
}

async fn verify_page() -> HttpResponse {
    HttpResponse::Ok().content_type("text/html").body(VERIFY_PAGE)
}

async fn verify(
    received: web::Data<Arc<Received>>,
    form: web::Form<std::collections::HashMap<String, String>>,
) -> HttpResponse {
    let code = form.get("code").cloned().unwrap_or_default();
    received.codes.lock().unwrap().push(code);
    let page = r#"<!doctype html><html lang="en"><head><title>Done</title></head><body><p id="result">Code received</p></body></html>"#;
    HttpResponse::Ok().content_type("text/html").body(page)
}

async fn totp_url(received: web::Data<Arc<Received>>, request: HttpRequest, body: web::Json<Value>) -> HttpResponse {
    let signature = request.headers().get("x-skyvern-signature").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let asked = {
        let mut questions = received.questions.lock().unwrap();
        questions.push((body.into_inner(), signature));
        questions.len()
    };
    let answers = received.answers.lock().unwrap();
    let answer = answers.get(asked - 1).or(answers.last()).cloned().unwrap_or(json!({}));
    HttpResponse::Ok().json(answer)
}

impl Site {
    fn start() -> Site {
        let received = Arc::new(Received::default());
        let shared = web::Data::new(received.clone());
        let (base, server) = serve_locally(move |config| {
            config
                .app_data(shared.clone())
                .route("/login", web::get().to(login_page))
                .route("/login", web::post().to(login))
                .route("/verify", web::get().to(verify_page))
                .route("/verify", web::post().to(verify))
                .route("/totp", web::post().to(totp_url));
        });
        Site { base, received, _server: server }
    }

    fn codes(&self) -> Vec<String> {
        self.received.codes.lock().unwrap().clone()
    }
}

/// The code engine's sign-in: the code where the placeholder stands, then the form sent.
fn typing_the_code() -> Value {
    json!([
        {"action": "fill", "selector": "#code", "value": "{{verification_code}}"},
        {"action": "click", "selector": "#submit"},
        {"action": "extract", "fields": {"result": "#result"}}
    ])
}

async fn start_run(app: &TestApp, site: &Site, extra: Value) -> String {
    let mut body = json!({"prompt": "sign in", "url": format!("{}/verify", site.base), "script": typing_the_code()});
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    app.create_run(body).await["run_id"].as_str().unwrap().to_owned()
}

/// The code run `run_id` ended with: completed, the site received exactly one code, and no
/// stored byte of the run (its artifacts; and the database, unless the code was pushed, which
/// keeps it until a run takes it) holds it.
async fn the_one_code_received(app: &TestApp, site: &Site, run_id: &str, pushed: bool) -> String {
    let run = app.wait_until_final(run_id).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["output"]["result"], "Code received");
    let codes = site.codes();
    assert_eq!(codes.len(), 1, "{codes:?}");
    let code = codes[0].clone();
    assert!(code.len() >= 4 && code.chars().all(|c| c.is_ascii_digit()), "a code, not a placeholder: {code}");
    let timeline = serde_json::to_string(&app.timeline(run_id).await).unwrap();
    assert!(timeline.contains("{{verification_code}}"), "the timeline shows the placeholder");
    for (path, bytes) in files_below(app.data_dir.path()) {
        let name = path.to_string_lossy();
        if (name.contains("skyvern.db") && !pushed) || name.contains("artifacts") {
            assert!(!bytes.windows(code.len()).any(|w| w == code.as_bytes()), "{name} holds the code");
        }
    }
    code
}

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_is_made_from_the_totp_secret_of_the_credential_the_run_uses() {
    let app = TestApp::spawn().await;
    let site = Site::start();
    let login = json!({"name": "Site", "credential_type": "password",
        "credential": {"username": "ada", "password": "Lantern-5512-orchard", "totp": SEED}});
    let created: Value = app.post("/v1/credentials").json(&login).send().await.unwrap().json().await.unwrap();
    let id = created["credential_id"].as_str().unwrap().to_owned();
    let prompt = format!("sign in as {{{{credential.{id}.username}}}}");
    let run_id = start_run(&app, &site, json!({"prompt": prompt})).await;
    let code = the_one_code_received(&app, &site, &run_id, false).await;
    let key = Secret::Encoded(SEED.to_owned()).to_bytes().unwrap();
    let reference = TOTP::new_unchecked(Algorithm::SHA1, 6, 0, 30, key);
    let now = unix_now();
    let window: Vec<String> = [now - 30, now, now + 30].iter().map(|t| reference.generate(*t)).collect();
    assert!(window.contains(&code), "the seed's code, by totp-rs: {code} not in {window:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_pushed_to_the_runs_identifier_reaches_the_waiting_run() {
    let app = TestApp::spawn().await;
    let site = Site::start();
    let run_id = start_run(&app, &site, json!({"totp_identifier": "ada@example.org"})).await;
    let waiting = async {
        for _ in 0..200 {
            let timeline = app.timeline(&run_id).await;
            if timeline.iter().any(|item| item["label"] == "Waiting for a verification code") {
                return timeline;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the run never waited for a code");
    };
    let timeline = waiting.await;
    let item = timeline.iter().find(|item| item["label"] == "Waiting for a verification code").unwrap();
    assert!(item["detail"]["from"].as_str().unwrap().contains("ada@example.org"), "{item}");
    let other = json!({"totp_identifier": "bob@example.org", "content": "Your code is 111111"});
    assert_eq!(app.post("/v1/credentials/totp").json(&other).send().await.unwrap().status(), 200);
    let mail = json!({"totp_identifier": "ada@example.org", "content": "Hello Ada, your sign-in code is 482913. It expires in 10 minutes."});
    assert_eq!(app.post("/v1/credentials/totp").json(&mail).send().await.unwrap().status(), 200);
    assert_eq!(
        the_one_code_received(&app, &site, &run_id, true).await,
        "482913",
        "the code sent to the run's identifier"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_runs_totp_url_is_asked_with_a_signed_post_until_it_answers_a_code() {
    let app = TestApp::spawn_with(|config| {
        config.vault.totp_poll_seconds = 1;
        config.webhooks.allow_private = true;
    })
    .await;
    let site = Site::start();
    *site.received.answers.lock().unwrap() =
        vec![json!({}), json!({"verification_code": null}), json!({"verification_code": "735102"})];
    let run_id = start_run(&app, &site, json!({"totp_url": format!("{}/totp", site.base)})).await;
    assert_eq!(the_one_code_received(&app, &site, &run_id, false).await, "735102");
    let questions = site.received.questions.lock().unwrap().clone();
    assert_eq!(questions.len(), 3, "asked until it answered: {questions:?}");
    for (body, signature) in &questions {
        assert_eq!(body["task_id"], run_id.as_str(), "{body}");
        assert!(signature.as_ref().is_some_and(|s| s.len() == 64), "signed like a webhook: {signature:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_source_the_run_asks_a_person_and_types_their_answer_as_a_secret() {
    let app = TestApp::spawn().await;
    let site = Site::start();
    let run_id = start_run(&app, &site, json!({})).await;
    app.wait_for_status(&run_id, "interaction_required").await;
    let answered =
        app.post(&format!("/v1/runs/{run_id}/interactions")).json(&json!({"answer": "660417"})).send().await.unwrap();
    assert!(answered.status().is_success(), "{}", answered.status());
    assert_eq!(the_one_code_received(&app, &site, &run_id, false).await, "660417");
    let timeline = app.timeline(&run_id).await;
    let question = timeline.iter().find(|item| item["label"] == "Question for a person").unwrap();
    assert_eq!(question["detail"]["answer"], "{{verification_code}}", "{question}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_totp_url_that_is_not_http_is_refused() {
    let app = TestApp::spawn().await;
    let body =
        json!({"prompt": "x", "url": app.fixtures.url("small.html"), "script": [], "totp_url": "ftp://codes.example/"});
    let response = app.post("/v1/run/tasks").json(&body).send().await.unwrap();
    assert_eq!(response.status(), 422);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["detail"][0]["loc"], json!(["body", "totp_url"]), "{problem}");
}

/// The credential id in a prompt that names one.
fn credential_in(prompt: &str) -> String {
    let start = prompt.find("{{credential.").expect("the prompt names the credential") + "{{credential.".len();
    prompt[start..].split('.').next().unwrap().to_owned()
}

/// The model's part in signing in on the site: the credential's placeholders, the code's, done.
fn signing_in(llm: &ScriptedLlm) {
    llm.decide(|page| {
        let id = credential_in(page);
        json!([
            {"action": "fill", "element": element(page, "User name"), "text": format!("{{{{credential.{id}.username}}}}")},
            {"action": "fill", "element": element(page, "Password"), "text": format!("{{{{credential.{id}.password}}}}")},
            {"action": "click", "element": element(page, "button \"Sign in\"")}
        ])
    })
    .decide(|page| {
        json!([
            {"action": "fill", "element": element(page, "Enter the code"), "text": "{{verification_code}}"},
            {"action": "click", "element": element(page, "button \"Verify\"")}
        ])
    })
    .decide(|_| json!([{"action": "complete"}]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_run_signs_in_with_a_stored_credential_and_its_totp_and_the_model_sees_neither() {
    let llm = ScriptedLlm::start();
    signing_in(&llm);
    let app = llm.appliance("openai", |_| {}).await;
    let site = Site::start();
    let password = "Orchard-3391-lantern-quay";
    let login = json!({"name": "Example", "credential_type": "password",
        "credential": {"username": "ada@example.org", "password": password, "totp": SEED}});
    let created: Value = app.post("/v1/credentials").json(&login).send().await.unwrap().json().await.unwrap();
    let id = created["credential_id"].as_str().unwrap();

    let body = json!({"credential_type": "skyvern", "credential_id": id, "url": format!("{}/login", site.base)});
    let response = app.post("/v1/run/tasks/login").json(&body).send().await.unwrap();
    let status = response.status();
    let started: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{started}");
    assert_eq!(started["run_type"], "workflow_run", "{started}");
    let run_id = started["run_id"].as_str().unwrap().to_owned();
    let run = app.wait_until_final(&run_id).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(*site.received.sign_ins.lock().unwrap(), [("ada@example.org".to_owned(), password.to_owned())]);
    let code = site.codes().first().cloned().expect("a code was typed");
    let key = Secret::Encoded(SEED.to_owned()).to_bytes().unwrap();
    let reference = TOTP::new_unchecked(Algorithm::SHA1, 6, 0, 30, key);
    let now = unix_now();
    assert!([now - 30, now, now + 30].iter().any(|t| reference.generate(*t) == code), "the seed's code: {code}");

    let prompts = serde_json::to_string(&llm.received()).unwrap();
    assert!(prompts.contains(&format!("{{{{credential.{id}.password}}}}")), "the model is told the placeholder");
    assert!(!prompts.contains(password) && !prompts.contains(&code), "the model never sees the values");
    let plan: Value = app.get_json(&format!("/v1/agents/{}", run["workflow_id"].as_str().unwrap_or_default())).await;
    assert_eq!(plan["title"], "Login", "{plan}");

    let refused = app.post("/v1/run/tasks/login").json(&json!({"credential_type": "1password"})).send().await.unwrap();
    assert_eq!(refused.status(), 422);
    let unknown =
        json!({"credential_type": "skyvern", "credential_id": "cred_404", "url": format!("{}/login", site.base)});
    let refused = app.post("/v1/run/tasks/login").json(&unknown).send().await.unwrap();
    assert_eq!(refused.status(), 422);
    let problem: Value = refused.json().await.unwrap();
    assert_eq!(problem["detail"][0]["loc"], json!(["body", "credential_id"]), "{problem}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plans_login_block_signs_in_with_the_credential_its_credential_id_parameter_is_given() {
    let llm = ScriptedLlm::start();
    signing_in(&llm);
    let app = llm.appliance("openai", |_| {}).await;
    let site = Site::start();
    let login = json!({"name": "Example", "credential_type": "password",
        "credential": {"username": "grace", "password": "Harbour-2207-sextant", "totp": SEED}});
    let created: Value = app.post("/v1/credentials").json(&login).send().await.unwrap().json().await.unwrap();
    let plan_id = app
        .save_plan(
            "Sign in",
            json!({
                "parameters": [{"parameter_type": "workflow", "key": "account", "workflow_parameter_type": "credential_id"}],
                "blocks": [{"block_type": "login", "label": "sign_in", "url": format!("{}/login", site.base),
                            "parameter_keys": ["account"]}]
            }),
        )
        .await;
    let run_id = app.run_plan(&plan_id, json!({"account": created["credential_id"]})).await;
    let run = app.wait_until_final(&run_id).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(*site.received.sign_ins.lock().unwrap(), [("grace".to_owned(), "Harbour-2207-sextant".to_owned())]);
    assert_eq!(site.codes().len(), 1, "the seed's code was typed");

    let missing = app.run_plan(&plan_id, json!({"account": "cred_12345"})).await;
    let missing = app.wait_until_final(&missing).await;
    assert_eq!(missing["status"], "failed");
    assert_eq!(missing["errors"][0]["code"], "credential_unavailable", "{missing}");
}
