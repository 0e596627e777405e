//! Browser profiles: the cookies and local storage a session or a finished run left, kept sealed,
//! and later sessions and runs that start from them signed in; a run's final storage shown by
//! `include=storage`, its http-only cookies masked.

use serde_json::{Value, json};

use crate::helpers::{REMEMBERED_TOKEN, TestApp, files_below};

const PAGE: &str = "remembered.html";

fn sign_in_as(user: &str) -> Value {
    json!([
        {"action": "fill", "selector": "#user", "value": user},
        {"action": "click", "selector": "#login"},
        {"action": "wait_for_text", "text": format!("Signed in as {user}")}
    ])
}

fn read_account() -> Value {
    json!([{"action": "extract", "fields": {"status": "#status", "theme": "#theme"}}])
}

async fn open_session(app: &TestApp, body: Value) -> String {
    let response = app.post("/v1/browser_sessions").json(&body).send().await.unwrap();
    let status = response.status();
    let session: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "opening a session failed: {session}");
    session["browser_session_id"].as_str().unwrap().to_owned()
}

async fn close_session(app: &TestApp, id: &str) {
    let closed = app.post(&format!("/v1/browser_sessions/{id}/close")).send().await.unwrap();
    assert_eq!(closed.status(), 200);
}

/// The account page as a code run on the session reads it.
async fn account_on_session(app: &TestApp, session_id: &str, script: Value) -> Value {
    let body = json!({"prompt": "on a session", "url": app.fixtures.url(PAGE), "script": script, "browser_session_id": session_id});
    let run_id = app.create_run(body).await["run_id"].as_str().unwrap().to_owned();
    let run = app.wait_until_final(&run_id).await;
    assert_eq!(run["status"], "completed", "{run}");
    run
}

async fn create_profile(app: &TestApp, body: Value) -> reqwest::Response {
    app.post("/v1/browser_profiles").json(&body).send().await.unwrap()
}

async fn created_profile(app: &TestApp, body: Value) -> String {
    let response = create_profile(app, body).await;
    let status = response.status();
    let profile: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "creating a profile failed: {profile}");
    assert_eq!(profile["organization_id"], "o_local");
    profile["browser_profile_id"].as_str().unwrap().to_owned()
}

async fn detail(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_started_from_a_profile_saved_from_another_session_is_signed_in() {
    let app = TestApp::spawn().await;
    let first = open_session(&app, json!({"url": app.fixtures.url(PAGE)})).await;
    account_on_session(&app, &first, sign_in_as("ada")).await;
    let from_open = created_profile(&app, json!({"name": "Ada, open", "browser_session_id": first})).await;
    assert!(from_open.starts_with("bp_"));

    // A session asked to keep its storage can become a profile after it ended.
    let patched = app
        .patch(&format!("/v1/browser_sessions/{first}"))
        .json(&json!({"generate_browser_profile": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    assert_eq!(patched.json::<Value>().await.unwrap()["generate_browser_profile"], true);
    close_session(&app, &first).await;
    let from_closed = created_profile(&app, json!({"name": "Ada, closed", "browser_session_id": first})).await;

    for profile in [from_open, from_closed] {
        let second = open_session(&app, json!({"url": app.fixtures.url(PAGE), "browser_profile_id": profile})).await;
        let shown: Value = app.get_json(&format!("/v1/browser_sessions/{second}")).await;
        assert_eq!(shown["browser_profile_id"], profile.as_str());
        let run = account_on_session(&app, &second, read_account()).await;
        assert_eq!(run["output"]["status"], "Signed in as ada", "cookie restored from {profile}: {run}");
        assert_eq!(run["output"]["theme"], "Theme: dark", "local storage restored from {profile}: {run}");
        close_session(&app, &second).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_that_was_not_asked_to_keep_its_storage_makes_no_profile_once_closed() {
    let app = TestApp::spawn().await;
    let session = open_session(&app, json!({})).await;
    close_session(&app, &session).await;
    let (status, body) =
        detail(create_profile(&app, json!({"name": "late", "browser_session_id": session})).await).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("generate_browser_profile"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_shows_the_storage_it_left_and_a_run_started_from_it_as_a_profile_is_signed_in() {
    let app = TestApp::spawn().await;
    let signed_in = app.create_script_run(PAGE, sign_in_as("grace")).await;
    assert_eq!(app.wait_until_final(&signed_in).await["status"], "completed");

    let masked: Value = app.get_json(&format!("/v1/runs/{signed_in}?include=storage")).await;
    let cookies = masked["storage"]["cookies"].as_array().unwrap();
    let cookie = |name: &str| cookies.iter().find(|c| c["name"] == name).unwrap_or_else(|| panic!("{name}: {masked}"));
    assert_eq!((&cookie("token")["value"], &cookie("token")["value_masked"]), (&Value::Null, &json!(true)));
    assert_eq!(cookie("token")["http_only"], true);
    assert_eq!((&cookie("account")["value"], &cookie("account")["value_masked"]), (&json!("grace"), &json!(false)));
    assert_eq!(masked["storage"]["local_storage"][app.fixtures.base.as_str()]["theme"], "dark", "{masked}");
    assert!(!masked.to_string().contains(REMEMBERED_TOKEN));
    let shown: Value = app.get_json(&format!("/v1/runs/{signed_in}?include=storage,storage_values")).await;
    let token = shown["storage"]["cookies"].as_array().unwrap().iter().find(|c| c["name"] == "token").unwrap().clone();
    assert_eq!(token["value"], REMEMBERED_TOKEN, "{shown}");
    let plain: Value = app.get_json(&format!("/v1/runs/{signed_in}")).await;
    assert!(plain.get("storage").is_none(), "storage only when asked for");

    let profile = created_profile(&app, json!({"name": "Grace", "workflow_run_id": signed_in})).await;
    let body = json!({"prompt": "read", "url": app.fixtures.url(PAGE), "script": read_account(), "browser_profile_id": profile});
    let reading = app.create_run(body).await["run_id"].as_str().unwrap().to_owned();
    let reading = app.wait_until_final(&reading).await;
    assert_eq!(reading["browser_profile_id"], profile.as_str());
    assert_eq!(reading["output"]["status"], "Signed in as grace", "{reading}");
    assert_eq!(reading["output"]["theme"], "Theme: dark", "{reading}");

    let plan_id = app
        .save_plan(
            "Read the account",
            json!({"parameters": [], "blocks": [
                {"block_type": "goto_url", "label": "open", "url": app.fixtures.url(PAGE)},
                {"block_type": "code", "label": "read", "code": read_account()}
            ]}),
        )
        .await;
    let plan_run = app.post("/v1/run/agents").json(&json!({"agent_id": plan_id, "browser_profile_id": profile}));
    let plan_run = plan_run.send().await.unwrap().json::<Value>().await.unwrap()["run_id"].as_str().unwrap().to_owned();
    let plan_run = app.wait_until_final(&plan_run).await;
    assert_eq!(
        plan_run["output"]["read_output"]["extracted_information"]["status"], "Signed in as grace",
        "{plan_run}"
    );

    let elsewhere = app.create_script_run(PAGE, read_account()).await;
    assert_eq!(app.wait_until_final(&elsewhere).await["output"]["status"], "Signed out", "no profile, a clean start");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_never_holds_a_kept_cookie_in_clear() {
    let app = TestApp::spawn().await;
    let signed_in = app.create_script_run(PAGE, sign_in_as("ada")).await;
    assert_eq!(app.wait_until_final(&signed_in).await["status"], "completed");
    created_profile(&app, json!({"name": "Ada", "workflow_run_id": signed_in})).await;
    let shown: Value = app.get_json(&format!("/v1/runs/{signed_in}?include=storage_values")).await;
    assert!(shown.to_string().contains(REMEMBERED_TOKEN), "the run's storage was kept: {shown}");

    let database: Vec<_> = files_below(app.data_dir.path())
        .into_iter()
        .filter(|(path, _)| path.file_name().is_some_and(|name| name.to_string_lossy().starts_with("skyvern.db")))
        .collect();
    assert!(!database.is_empty());
    for (path, bytes) in database {
        assert!(!bytes.windows(REMEMBERED_TOKEN.len()).any(|w| w == REMEMBERED_TOKEN.as_bytes()), "{}", path.display());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profiles_are_listed_read_renamed_and_deleted_and_bad_requests_name_their_field() {
    let app = TestApp::spawn().await;
    let id = created_profile(&app, json!({"name": "Shop", "description": "the shop's login"})).await;
    let other = created_profile(&app, json!({"name": "Bank", "description": null, "browser_session_id": null})).await;

    let listed: Vec<Value> = app.get_json("/v1/browser_profiles").await;
    assert_eq!(listed.iter().map(|p| p["name"].as_str().unwrap()).collect::<Vec<_>>(), ["Bank", "Shop"]);
    let found: Vec<Value> = app.get_json("/v1/browser_profiles?search_key=LOGIN").await;
    assert_eq!(found.len(), 1, "the description matches, whatever its case");
    let managed: Vec<Value> = app.get_json("/v1/browser_profiles?managed=true").await;
    assert!(managed.is_empty(), "no profile here is managed by the appliance");

    let renamed = app.patch(&format!("/v1/browser_profiles/{id}")).json(&json!({"name": "Store"}));
    let (status, renamed) = detail(renamed.send().await.unwrap()).await;
    assert_eq!((status, renamed["name"].as_str()), (200, Some("Store")));
    assert_eq!(renamed["description"], "the shop's login", "what is left out stays");
    let taken = app.patch(&format!("/v1/browser_profiles/{other}")).json(&json!({"name": "Store"}));
    assert_eq!(taken.send().await.unwrap().status(), 409);
    assert_eq!(create_profile(&app, json!({"name": "Bank"})).await.status(), 409);

    let deleted = app.delete(&format!("/v1/browser_profiles/{id}")).send().await.unwrap();
    assert_eq!(deleted.status(), 204);
    assert_eq!(app.get(&format!("/v1/browser_profiles/{id}")).send().await.unwrap().status(), 404);
    let with_deleted: Vec<Value> = app.get_json("/v1/browser_profiles?include_deleted=true").await;
    assert!(with_deleted.iter().any(|p| p["browser_profile_id"] == id.as_str() && p["deleted_at"].is_string()));

    for path in ["/v1/browser_profiles/bp_1", "/v1/browser_profiles/nonsense"] {
        assert_eq!(app.get(path).send().await.unwrap().status(), 404, "{path}");
    }
    let (status, _) = detail(create_profile(&app, json!({"name": "x", "browser_session_id": "pbs_1"})).await).await;
    assert_eq!(status, 404, "an unknown session");
    let (status, _) = detail(create_profile(&app, json!({"name": "x", "workflow_run_id": "wr_1"})).await).await;
    assert_eq!(status, 404, "an unknown run");
    let refusals = [
        (json!({}), "name"),
        (json!({"name": ""}), "name"),
        (json!({"name": "x", "browser_session_id": "wr_1"}), "browser_session_id"),
        (json!({"name": "x", "workflow_run_id": "pbs_1"}), "workflow_run_id"),
    ];
    for (body, field) in refusals {
        let (status, refused) = detail(create_profile(&app, body.clone()).await).await;
        assert_eq!(status, 422, "{body}: {refused}");
        assert_eq!(refused["detail"][0]["loc"], json!(["body", field]), "{body}: {refused}");
    }

    let unknown = app.post("/v1/browser_sessions").json(&json!({"browser_profile_id": "bp_1"})).send().await.unwrap();
    assert_eq!(unknown.status(), 404, "Skyvern answers an unknown profile of a session so");
    let malformed =
        app.post("/v1/browser_sessions").json(&json!({"browser_profile_id": "pbs_1"})).send().await.unwrap();
    assert_eq!(detail(malformed).await.1["detail"][0]["loc"], json!(["body", "browser_profile_id"]));
    let task =
        json!({"prompt": "p", "url": app.fixtures.url(PAGE), "script": read_account(), "browser_profile_id": id});
    let (status, refused) = detail(app.post("/v1/run/tasks").json(&task).send().await.unwrap()).await;
    assert_eq!(
        (status, &refused["detail"][0]["loc"]),
        (422, &json!(["body", "browser_profile_id"])),
        "a deleted profile"
    );
    let plan_id = app
        .save_plan("Wait", json!({"parameters": [], "blocks": [{"block_type": "wait", "label": "w", "wait_sec": 0}]}))
        .await;
    let plan_run = json!({"agent_id": plan_id, "browser_profile_id": "bp_1"});
    let (status, refused) = detail(app.post("/v1/run/agents").json(&plan_run).send().await.unwrap()).await;
    assert_eq!((status, &refused["detail"][0]["loc"]), (422, &json!(["body", "browser_profile_id"])), "{refused}");
}
