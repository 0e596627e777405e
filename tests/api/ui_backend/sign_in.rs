//! Signing in to the UI: a session cookie and a CSRF token instead of the key in a cookie.

use serde_json::{Value, json};

use super::browser;
use crate::helpers::{API_KEY, TestApp, files_below};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_sets_an_http_only_session_cookie_and_a_readable_csrf_cookie_never_the_key() {
    let app = TestApp::spawn().await;
    let signed_in = app.sign_in().await;
    let set_cookie = |name: &str| signed_in.set_cookies.iter().find(|c| c.starts_with(&format!("{name}="))).unwrap();
    let session = set_cookie("skyvern_session");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(session.contains(attribute), "{session}");
    }
    let csrf = set_cookie("skyvern_csrf");
    assert!(csrf.contains("SameSite=Strict") && csrf.contains("Path=/"), "{csrf}");
    assert!(!csrf.contains("HttpOnly"), "the page must read the CSRF token: {csrf}");
    assert!(signed_in.set_cookies.iter().all(|cookie| !cookie.contains(API_KEY)), "the key is in no cookie");
    assert!(signed_in.session.len() >= 32, "at least 128 random bits");

    let who: Value = app
        .client
        .get(app.url("/v1/ui/session"))
        .header("cookie", signed_in.cookie())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(who["key_name"], "configured key");
    assert_eq!(who["csrf_token"], signed_in.csrf.as_str());
    assert!(who["expires_at"].as_str().unwrap() > "2000");
    let by_header: Value = app.get_json("/v1/ui/session").await;
    assert_eq!(by_header, json!({"key_name": "configured key", "csrf_token": null, "expires_at": null}));

    let page = browser().get(app.url("/")).header("cookie", signed_in.cookie()).send().await.unwrap();
    assert_eq!(page.status(), 200, "the session opens the UI's pages");
    let old_cookie = app.client.get(app.url("/v1/runs")).header("cookie", format!("skyvern_api_key={API_KEY}"));
    assert_eq!(old_cookie.send().await.unwrap().status(), 401, "the key itself is no cookie any more");
    let stored = files_below(app.data_dir.path());
    let in_clear = stored
        .iter()
        .find(|(_, bytes)| bytes.windows(signed_in.session.len()).any(|w| w == signed_in.session.as_bytes()));
    assert!(in_clear.is_none(), "the session id is stored only as a hash: {:?}", in_clear.map(|(path, _)| path));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_key_signs_nobody_in() {
    let app = TestApp::spawn().await;
    let refused = browser().post(app.url("/login")).form(&[("api_key", "skv_wrong")]).send().await.unwrap();
    assert_eq!(refused.status(), 303);
    assert_eq!(refused.headers()["location"], "/login?failed=1");
    assert!(refused.headers().get("set-cookie").is_none());
    let forged = browser().get(app.url("/")).header("cookie", "skyvern_session=0123456789abcdef0123456789abcdef");
    let forged = forged.send().await.unwrap();
    assert_eq!(forged.status(), 303, "an unknown session goes to the login page");
    let api = app.client.get(app.url("/v1/runs")).header("cookie", "skyvern_session=0123456789abcdef");
    let api = api.send().await.unwrap();
    assert_eq!(api.status(), 401);
    assert_eq!(api.json::<Value>().await.unwrap()["code"], "ui_session_ended");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_made_with_the_session_cookie_needs_the_csrf_token_and_one_with_the_key_does_not() {
    let app = TestApp::spawn().await;
    let signed_in = app.sign_in().await;
    let create = |token: Option<&str>| {
        let mut request = app.client.post(app.url("/v1/api_keys")).header("cookie", signed_in.cookie());
        if let Some(token) = token {
            request = request.header("x-csrf-token", token);
        }
        request.json(&json!({"name": "from the ui"})).send()
    };
    for token in [None, Some("not-the-token"), Some("")] {
        let refused = create(token).await.unwrap();
        assert_eq!(refused.status(), 403, "{token:?}");
        let body: Value = refused.json().await.unwrap();
        assert_eq!(body["code"], "csrf_token_invalid");
        assert!(body["message"].as_str().unwrap().contains("x-csrf-token"), "{body}");
    }
    assert_eq!(create(Some(&signed_in.csrf)).await.unwrap().status(), 201);
    let read = app.client.get(app.url("/v1/api_keys")).header("cookie", signed_in.cookie()).send().await.unwrap();
    assert_eq!(read.status(), 200, "reading needs no token");
    let with_key = app.post("/v1/api_keys").json(&json!({"name": "script"})).send().await.unwrap();
    assert_eq!(with_key.status(), 201, "the x-api-key header needs no token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_needs_the_token_ends_the_session_and_clears_both_cookies() {
    let app = TestApp::spawn().await;
    let signed_in = app.sign_in().await;
    let without = browser().post(app.url("/logout")).header("cookie", signed_in.cookie()).send().await.unwrap();
    assert_eq!(without.status(), 403);
    let still = app.client.get(app.url("/v1/runs")).header("cookie", signed_in.cookie()).send().await.unwrap();
    assert_eq!(still.status(), 200, "a refused sign-out leaves the session");

    let out = browser()
        .post(app.url("/logout"))
        .header("cookie", signed_in.cookie())
        .form(&[("csrf_token", signed_in.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    assert_eq!(out.headers()["location"], "/login");
    let cleared: Vec<&str> = out.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).collect();
    for name in ["skyvern_session=;", "skyvern_csrf=;"] {
        assert!(cleared.iter().any(|c| c.starts_with(name) && c.contains("Max-Age=0")), "{name} {cleared:?}");
    }
    let after = app.client.get(app.url("/v1/runs")).header("cookie", signed_in.cookie()).send().await.unwrap();
    assert_eq!(after.status(), 401);
    let page = browser().get(app.url("/")).header("cookie", signed_in.cookie()).send().await.unwrap();
    assert_eq!(page.status(), 303);
    assert_eq!(page.headers()["location"], "/login");

    let again = app.sign_in().await;
    let by_header = browser()
        .post(app.url("/logout"))
        .header("cookie", again.cookie())
        .header("x-csrf-token", &again.csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(by_header.status(), 303, "the token may come as the header too");
    let after = app.client.get(app.url("/v1/runs")).header("cookie", again.cookie()).send().await.unwrap();
    assert_eq!(after.status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_a_key_ends_the_sessions_opened_with_it() {
    let app = TestApp::spawn().await;
    let created: Value =
        app.post("/v1/api_keys").json(&json!({"name": "laptop"})).send().await.unwrap().json().await.unwrap();
    let signed_in = app.sign_in_with(created["api_key"].as_str().unwrap()).await;
    let who: Value = app
        .client
        .get(app.url("/v1/ui/session"))
        .header("cookie", signed_in.cookie())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(who["key_name"], "laptop");
    let revoked = app.post(&format!("/v1/api_keys/{}/revoke", created["id"].as_str().unwrap())).send().await.unwrap();
    assert_eq!(revoked.status(), 200);
    let after = app.client.get(app.url("/v1/runs")).header("cookie", signed_in.cookie()).send().await.unwrap();
    assert_eq!(after.status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ends_at_its_expiry_and_when_the_configured_key_changes() {
    let app = TestApp::spawn().await;
    let expiring = app.sign_in().await;
    let kept = app.sign_in().await;
    let database = rusqlite::Connection::open(app.data_dir.path().join("skyvern.db")).unwrap();
    database.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
    database
        .execute(
            "UPDATE ui_sessions SET expires_at = '2001-01-01T00:00:00.000000Z' WHERE csrf_token = ?1",
            [&expiring.csrf],
        )
        .unwrap();
    drop(database);
    let expired = app.client.get(app.url("/v1/runs")).header("cookie", expiring.cookie()).send().await.unwrap();
    assert_eq!(expired.status(), 401);
    let fine = app.client.get(app.url("/v1/runs")).header("cookie", kept.cookie()).send().await.unwrap();
    assert_eq!(fine.status(), 200);

    let data_dir = app.stop().await;
    let mut config = crate::helpers::test_config(data_dir.path());
    config.auth.api_key = skyvern::config::Secret::new("skv_another_configured_key_987654");
    let restarted = TestApp::spawn_in(data_dir, config).await;
    let after = restarted.client.get(restarted.url("/v1/runs")).header("cookie", kept.cookie()).send().await.unwrap();
    assert_eq!(after.status(), 401, "a session of the old configured key ends with it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_cookie_opens_the_event_stream() {
    let app = TestApp::spawn().await;
    let signed_in = app.sign_in().await;
    let stream = reqwest::Client::new()
        .get(app.url("/v1/events"))
        .header("accept", "text/event-stream")
        .header("cookie", signed_in.cookie())
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    assert!(stream.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_cookie_opens_a_runs_live_view_from_the_appliances_own_page() {
    use tungstenite::client::IntoClientRequest;

    let app = TestApp::spawn().await;
    let run_id = app.create_script_run("small.html", json!([{ "action": "wait", "ms": 1 }])).await;
    app.wait_until_final(&run_id).await;
    let cookie = app.sign_in().await.cookie();
    let url = format!("{}/v1/runs/{run_id}/live", app.address.replacen("http", "ws", 1));
    let origin = app.address.clone();
    let first = tokio::task::spawn_blocking(move || {
        let mut request = url.into_client_request().unwrap();
        request.headers_mut().insert("cookie", cookie.parse().unwrap());
        request.headers_mut().insert("origin", origin.parse().unwrap());
        let (mut socket, _) = tungstenite::connect(request).expect("the live view accepts the session cookie");
        socket.read().unwrap().into_text().unwrap().to_string()
    })
    .await
    .unwrap();
    let hello: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(hello["type"], "hello");
}
