//! The credential vault through the API: credentials are created (201), read, listed, overwritten
//! and deleted (204) in Skyvern's shapes and never show a value; refused ones answer 422 naming
//! the field; the values reach neither the database, its WAL, the log nor a backup, and without
//! its key file the database reveals nothing; a login's TOTP code is its seed's code now; a
//! pushed code is found in its message and taken once.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use serde_json::{Value, json};
use skyvern::ids::RunId;
use skyvern::vault::CodeWanted;
use totp_rs::{Algorithm, Secret, TOTP};

use crate::helpers::{TestApp, files_below, test_config};
use crate::process::{Process, cli};

const PASSWORD: &str = "Quillon-harbour-7730-amber";
/// A TOTP seed as Skyvern stores it: base32.
const SEED: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/// Sends a request and returns its status and JSON body (`null` when it has none).
async fn answer(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let body = response.text().await.unwrap();
    (status, if body.is_empty() { Value::Null } else { serde_json::from_str(&body).unwrap() })
}

fn a_login() -> Value {
    json!({
        "name": "Example shop",
        "credential_type": "password",
        "credential": {"username": "ada@example.org", "password": PASSWORD, "totp": SEED,
                       "totp_type": "authenticator", "totp_identifier": "ada@example.org"}
    })
}

/// Creates a credential, which must succeed with 201; returns the response.
async fn create(app: &TestApp, body: Value) -> Value {
    let (status, created) = answer(app.post("/v1/credentials").json(&body)).await;
    assert_eq!(status, 201, "{created}");
    created
}

/// The expected `CredentialResponse` of `id`.
fn response(id: &Value, name: &str, credential_type: &str, credential: Value) -> Value {
    json!({
        "credential_id": id, "credential": credential, "credential_type": credential_type, "name": name,
        "vault_type": "skyvern", "browser_profile_id": null, "tested_url": null, "user_context": null,
        "save_browser_session_intent": null, "folder_id": null, "proxy_location": null, "proxy_session_id": null
    })
}

/// An answer without this appliance's `created_at` and `modified_at`, which it must carry.
fn skyverns_fields(answer: &Value) -> Value {
    let mut answer = answer.clone();
    for moment in ["created_at", "modified_at"] {
        let removed = answer.as_object_mut().and_then(|fields| fields.remove(moment));
        assert!(removed.as_ref().and_then(Value::as_str).is_some_and(|at| at.contains('T')), "{moment}: {removed:?}");
    }
    answer
}

/// The code of the 30-second SHA1 base32 `seed` at `unix_seconds`, by totp-rs directly.
fn reference_code(seed: &str, unix_seconds: u64) -> String {
    let key = Secret::Encoded(seed.to_owned()).to_bytes().unwrap();
    TOTP::new_unchecked(Algorithm::SHA1, 6, 0, 30, key).generate(unix_seconds)
}

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_is_created_read_listed_overwritten_and_deleted_in_skyverns_shapes_without_its_values() {
    let app = TestApp::spawn().await;
    let created = create(&app, a_login()).await;
    let id = created["credential_id"].clone();
    assert!(id.as_str().unwrap().starts_with("cred_"), "{id}");
    let shown =
        json!({"username": "ada@example.org", "totp_type": "authenticator", "totp_identifier": "ada@example.org"});
    assert_eq!(skyverns_fields(&created), response(&id, "Example shop", "password", shown.clone()));

    let read: Value = app.get_json(&format!("/v1/credentials/{}", id.as_str().unwrap())).await;
    assert_eq!(read, created);
    let listed: Value = app.get_json("/v1/credentials").await;
    assert_eq!(listed, json!([created]));

    let body = json!({"name": "Example shop (work)", "credential_type": "password",
                      "credential": {"username": "ada@work.example", "password": "another one"}});
    let path = format!("/v1/credentials/{}", id.as_str().unwrap());
    let (status, updated) = answer(app.post(&format!("{path}/update")).json(&body)).await;
    assert_eq!(status, 200, "{updated}");
    let shown = json!({"username": "ada@work.example", "totp_type": "none", "totp_identifier": null});
    assert_eq!(skyverns_fields(&updated), response(&id, "Example shop (work)", "password", shown));

    let (status, deleted) = answer(app.post(&format!("{path}/delete"))).await;
    assert_eq!((status, deleted), (204, Value::Null));
    assert_eq!(answer(app.get(&path)).await.0, 404);
    assert_eq!(answer(app.post(&format!("{path}/delete"))).await.0, 404, "deleted once");
    assert_eq!(app.get_json::<Value>("/v1/credentials").await, json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cards_show_their_brand_and_last_four_digits_and_secrets_their_label_only() {
    let app = TestApp::spawn().await;
    let card = create(
        &app,
        json!({"name": "Company card", "credential_type": "credit_card", "credential": {
            "card_number": "4242 4242 4242 1234", "card_cvv": "987", "card_exp_month": "12", "card_exp_year": "2031",
            "card_brand": "visa", "card_holder_name": "Ada Lovelace",
            "billing_address": {"line1": "12 Analytical Row", "city": "London", "country_code": "GB"},
            "billing_email": "billing@example.org", "metadata": {"profile": "default"}}}),
    )
    .await;
    let secret = create(
        &app,
        json!({"name": "Stripe", "credential_type": "secret", "vault_type": "skyvern",
               "credential": {"secret_value": "sk_live_51Hx", "secret_label": "API key"}}),
    )
    .await;
    assert_eq!(
        skyverns_fields(&card),
        response(&card["credential_id"], "Company card", "credit_card", json!({"last_four": "1234", "brand": "visa"}))
    );
    assert_eq!(
        skyverns_fields(&secret),
        response(&secret["credential_id"], "Stripe", "secret", json!({"secret_label": "API key"}))
    );

    // Values that no id or timestamp could hold by chance (the exact shapes above cover the rest).
    let everything = app.get("/v1/credentials").send().await.unwrap().text().await.unwrap();
    for value in ["4242 4242", "Lovelace", "Analytical", "billing@", "default", "sk_live"] {
        assert!(!everything.contains(value), "{value} is shown: {everything}");
    }
    let listed: Value = app.get_json("/v1/credentials").await;
    assert_eq!(listed, json!([secret, card]), "newest first");
    let cards: Value = app.get_json("/v1/credentials?credential_type=credit_card").await;
    assert_eq!(cards, json!([card]));
    let found: Value = app.get_json("/v1/credentials?search=api%20KEY").await;
    assert_eq!(found, json!([secret]), "search is case-insensitive over shown parts");
    let second_page: Value = app.get_json("/v1/credentials?page=2&page_size=1").await;
    assert_eq!(second_page, json!([card]));
    let elsewhere: Value = app.get_json("/v1/credentials?vault_type=bitwarden").await;
    assert_eq!(elsewhere, json!([]), "another vault holds nothing here");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_credentials_answer_422_naming_the_field_without_quoting_the_value() {
    let app = TestApp::spawn().await;
    let login = |credential: Value| json!({"name": "x", "credential_type": "password", "credential": credential});
    let cases = [
        (
            json!({"name": "x", "credential_type": "ssh_key", "credential": {}}),
            json!(["body", "credential_type"]),
            "enum",
        ),
        (json!({"name": "x", "credential_type": "password"}), json!(["body", "credential"]), "missing"),
        (login(json!({"username": "ada"})), json!(["body", "credential", "password"]), "missing"),
        (login(json!({"username": "ada", "password": ""})), json!(["body", "credential", "password"]), "value_error"),
        (
            login(json!({"username": "ada", "password": 73301234})),
            json!(["body", "credential", "password"]),
            "type_error",
        ),
        (
            login(json!({"username": "ada", "password": "pw", "totp": "not base32!"})),
            json!(["body", "credential", "totp"]),
            "type_error",
        ),
        (
            login(json!({"username": "ada", "password": "pw", "totp_type": "sms"})),
            json!(["body", "credential", "totp_type"]),
            "type_error",
        ),
        (
            json!({"name": "x", "credential_type": "credit_card", "credential": {"card_number": "4242"}}),
            json!(["body", "credential", "card_cvv"]),
            "missing",
        ),
        (
            json!({"name": "x", "credential_type": "secret", "credential": "sk_live_51Hx"}),
            json!(["body", "credential"]),
            "model_attributes_type",
        ),
        (
            json!({"name": "x", "credential_type": "secret", "credential": {"secret_value": "v"},
                   "vault_type": "keepass"}),
            json!(["body", "vault_type"]),
            "enum",
        ),
    ];
    for (body, location, problem) in cases {
        let (status, refused) = answer(app.post("/v1/credentials").json(&body)).await;
        assert_eq!(status, 422, "{body} → {refused}");
        assert_eq!(refused["detail"][0]["loc"], location, "{body} → {refused}");
        assert_eq!(refused["detail"][0]["type"], problem, "{body} → {refused}");
        let text = refused.to_string();
        assert!(!text.contains("73301234") && !text.contains("sk_live") && !text.contains("base32!"), "{text}");
    }
    for vault in ["bitwarden", "1password", "azure_vault"] {
        let body =
            json!({"name": "x", "credential_type": "secret", "credential": {"secret_value": "v"}, "vault_type": vault});
        let (status, refused) = answer(app.post("/v1/credentials").json(&body)).await;
        assert_eq!(status, 422, "{refused}");
        assert_eq!(refused["detail"][0]["loc"], json!(["body", "vault_type"]));
        let message = refused["message"].as_str().unwrap();
        assert!(message.contains(vault) && message.contains("own vault only"), "{message}");
    }
    assert_eq!(app.get_json::<Value>("/v1/credentials").await, json!([]), "nothing refused was kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_credentials_answer_404_on_every_route() {
    let app = TestApp::spawn().await;
    let body = json!({"name": "x", "credential_type": "secret", "credential": {"secret_value": "v"}});
    for id in ["cred_123", "tsk_123", "not-an-id"] {
        assert_eq!(answer(app.get(&format!("/v1/credentials/{id}"))).await.0, 404, "{id}");
        assert_eq!(answer(app.get(&format!("/v1/credentials/{id}/totp-code"))).await.0, 404, "{id}");
        assert_eq!(answer(app.post(&format!("/v1/credentials/{id}/update")).json(&body)).await.0, 404, "{id}");
        assert_eq!(answer(app.post(&format!("/v1/credentials/{id}/delete"))).await.0, 404, "{id}");
    }
    let without_key = app.client.get(app.url("/v1/credentials")).send().await.unwrap();
    assert_eq!(without_key.status(), 401, "the vault needs the API key like every route");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_totp_code_of_a_login_is_what_totp_rs_makes_from_its_seed_now() {
    let app = TestApp::spawn().await;
    let with_seed = create(&app, a_login()).await;
    let without = create(
        &app,
        json!({"name": "plain", "credential_type": "password", "credential": {"username": "a", "password": "b"}}),
    )
    .await;
    let path = format!("/v1/credentials/{}/totp-code", with_seed["credential_id"].as_str().unwrap());
    let (before, response, after) = loop {
        let before = unix_now();
        let response = app.get(&path).send().await.unwrap();
        let after = unix_now();
        // Read within one 30-second period, so exactly one code is right.
        if before / 30 == after / 30 {
            break (before, response, after);
        }
    };
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], reference_code(SEED, before), "{body}");
    let remaining = body["seconds_remaining"].as_u64().unwrap();
    assert!((30 - after % 30..=30 - before % 30).contains(&remaining), "{body} between {before} and {after}");

    let path = format!("/v1/credentials/{}/totp-code", without["credential_id"].as_str().unwrap());
    let (status, refused) = answer(app.get(&path)).await;
    assert_eq!(status, 404, "{refused}");
    assert!(refused["message"].as_str().unwrap().contains("no TOTP secret"), "{refused}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pushed_mail_is_stored_as_its_code_and_taken_once_by_its_identifier() {
    let app = TestApp::spawn().await;
    let mail = "Hello Ada,\n\nYour code is 123456\n\nIt expires in 10 minutes.";
    let body = json!({"totp_identifier": "ada@example.org", "content": mail, "task_id": null, "workflow_id": null,
                      "workflow_run_id": null, "source": "email", "expired_at": null, "type": null});
    let (status, pushed) = answer(app.post("/v1/credentials/totp").json(&body)).await;
    assert_eq!(status, 200, "{pushed}");
    assert!(pushed["totp_code_id"].as_str().unwrap().starts_with("totp_"), "{pushed}");
    let expected = json!({
        "totp_code_id": pushed["totp_code_id"], "totp_identifier": "ada@example.org", "task_id": null,
        "workflow_id": null, "workflow_run_id": null, "source": "email", "content": mail, "code": "123456",
        "expired_at": null, "type": "totp", "otp_type": "totp", "organization_id": "o_local",
        "created_at": pushed["created_at"], "modified_at": pushed["modified_at"]
    });
    assert_eq!(pushed, expected);

    let waiting = CodeWanted { totp_identifier: Some("ada@example.org".into()), run_id: Some(RunId::generate()) };
    let taken = app.store.take_pushed_code(&waiting).await.unwrap().expect("the pushed code is there");
    assert_eq!(taken.code.expose(), "123456");
    assert!(taken.used_at.is_some());
    assert!(app.store.take_pushed_code(&waiting).await.unwrap().is_none(), "taken once");

    let body = json!({"totp_identifier": "ada@example.org", "content": "Click the link to sign in"});
    let (status, refused) = answer(app.post("/v1/credentials/totp").json(&body)).await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["detail"][0]["loc"], json!(["body", "content"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_and_its_seed_reach_neither_the_database_nor_its_wal_nor_the_log() {
    let data_dir = tempfile::tempdir().unwrap();
    let log = data_dir.path().join("appliance.log");
    let debug = [("SKYVERN__LOG__FILTER", "debug"), ("RUST_LOG", "debug")];
    let appliance = Process::start_logging(Path::new("."), data_dir.path(), &debug, Some(&log)).await;
    let created = appliance.call(reqwest::Method::POST, "/v1/credentials", Some(a_login())).await;
    let id = created["credential_id"].as_str().unwrap().to_owned();
    let code = appliance.call(reqwest::Method::GET, &format!("/v1/credentials/{id}/totp-code"), None).await;
    assert!(code["code"].is_string(), "{code}");
    let mut refused = a_login();
    refused["credential"]["totp"] = json!(PASSWORD);
    let refused = appliance.call(reqwest::Method::POST, &format!("/v1/credentials/{id}/update"), Some(refused)).await;
    assert_eq!(refused["detail"][0]["loc"], json!(["body", "credential", "totp"]), "{refused}");

    let database = std::fs::read(data_dir.path().join("skyvern.db")).unwrap();
    let wal = std::fs::read(data_dir.path().join("skyvern.db-wal")).unwrap_or_default();
    let stored = [database, wal].concat();
    assert!(contains(&stored, b"ada@example.org"), "the credential's shown parts are in the files read");
    let log_text = std::fs::read(&log).unwrap();
    assert!(contains(&log_text, id.as_bytes()), "the log tells of the credential");
    for (place, bytes) in [("the database or its WAL", &stored), ("the log", &log_text)] {
        for value in [PASSWORD, SEED] {
            assert!(!contains(bytes, value.as_bytes()), "{value} is in {place}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_holds_no_key_and_the_database_without_its_key_file_reveals_nothing() {
    let app = TestApp::spawn().await;
    let created = create(&app, a_login()).await;
    let id = created["credential_id"].as_str().unwrap().to_owned();
    let backup_dir = tempfile::tempdir().unwrap();
    let output = cli(app.data_dir.path(), &["backup", backup_dir.path().to_str().unwrap()]);
    let backup = backup_dir.path().join("skyvern.db");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let key_file = app.data_dir.path().join("vault.key");
    let key = std::fs::read(&key_file).unwrap();
    assert_eq!(key.len(), 32);
    assert_eq!(std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777, 0o600);
    let backed_up = std::fs::read(&backup).unwrap();
    assert!(contains(&backed_up, id.as_bytes()), "the credential is in the backup");
    for secret in [&key[..], PASSWORD.as_bytes(), SEED.as_bytes()] {
        assert!(!contains(&backed_up, secret), "the backup holds a secret or the key");
    }
    assert!(!backup_dir.path().join("vault.key").exists(), "the backup comes without the key file");
    let original = app.stop().await;

    // A fresh appliance on the backup alone makes a key of its own, which opens nothing.
    let config = test_config(backup_dir.path());
    let restored = TestApp::spawn_in(backup_dir, config).await;
    let read: Value = restored.get_json(&format!("/v1/credentials/{id}")).await;
    assert_eq!(read, created, "what is shown needs no key");
    let (status, refused) = answer(restored.get(&format!("/v1/credentials/{id}/totp-code"))).await;
    assert_eq!(status, 500, "{refused}");
    assert_eq!(refused["code"], "credential_unreadable");
    assert!(!refused.to_string().contains(SEED), "{refused}");
    let restored_dir = restored.stop().await;

    // With the original key file back, the same database opens.
    std::fs::copy(original.path().join("vault.key"), restored_dir.path().join("vault.key")).unwrap();
    let config = test_config(restored_dir.path());
    let reopened = TestApp::spawn_in(restored_dir, config).await;
    let (status, code) = answer(reopened.get(&format!("/v1/credentials/{id}/totp-code"))).await;
    assert_eq!(status, 200, "{code}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_file_is_made_where_configured_and_refused_when_open_to_others_or_of_another_size() {
    let keys = tempfile::tempdir().unwrap();
    let key_file = keys.path().join("skyvern-vault.key");
    let app = TestApp::spawn_with(|config| config.vault.key_file = key_file.clone()).await;
    create(&app, a_login()).await;
    assert_eq!(std::fs::metadata(&key_file).unwrap().len(), 32, "the key is made where configured");
    assert!(!app.data_dir.path().join("vault.key").exists(), "and not in the data directory");
    let data_dir = app.stop().await;

    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut config = test_config(data_dir.path());
    config.vault.key_file = key_file.clone();
    let refused = format!("{:#}", skyvern::App::build(config.clone()).await.err().expect("a key open to others"));
    assert!(refused.contains(&format!("chmod 600 {}", key_file.display())), "{refused}");

    std::fs::write(&key_file, b"short").unwrap();
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let refused = format!("{:#}", skyvern::App::build(config).await.err().expect("a key of another size"));
    assert!(refused.contains("5 bytes, not 32"), "{refused}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_types_a_stored_password_where_its_placeholder_stands_and_no_record_holds_it() {
    let app = TestApp::spawn().await;
    let typed = "Quillon-7730-obsidian-lantern";
    let login =
        json!({"name": "Bank", "credential_type": "password", "credential": {"username": "ada", "password": typed}});
    let id = create(&app, login).await["credential_id"].as_str().unwrap().to_owned();
    let script = json!([
        {"action": "fill", "selector": "#user", "value": format!("{{{{credential.{id}.username}}}}")},
        {"action": "fill", "selector": "#password", "value": format!("{{{{credential.{id}.password}}}}")},
        {"action": "click", "selector": "#login"},
        {"action": "extract", "fields": {"result": "#result"}}
    ]);
    let run_id = app.create_script_run("login.html", script).await;
    let run = app.wait_until_final(&run_id).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["output"]["result"], "Wrong password for ada", "the username was typed: {run}");
    let timeline = serde_json::to_string(&app.timeline(&run_id).await).unwrap();
    assert!(timeline.contains(&format!("credential.{id}.password")) && !timeline.contains(typed));

    let data_dir = app.data_dir.path().to_owned();
    let mut stored = files_below(&data_dir.join("artifacts"));
    stored.extend(
        files_below(&data_dir)
            .into_iter()
            .filter(|(path, _)| path.file_name().is_some_and(|name| name.to_string_lossy().starts_with("skyvern.db"))),
    );
    assert!(stored.len() > 3, "the database and the run's screenshots were read: {}", stored.len());
    for (path, bytes) in stored {
        assert!(!contains(&bytes, typed.as_bytes()), "{} holds the password", path.display());
    }

    let unknown = app
        .create_script_run(
            "login.html",
            json!([{"action": "fill", "selector": "#user", "value": "{{credential.cred_1.password}}"}]),
        )
        .await;
    let unknown = app.wait_until_final(&unknown).await;
    assert_eq!(unknown["status"], "failed");
    assert_eq!(unknown["errors"][0]["code"], "credential_unavailable", "{unknown}");
}
