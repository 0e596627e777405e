//! A browser session between its runs: a person watches and drives it through its live view
//! (runs queue behind them), that time is recorded; its browser is reachable over CDP when
//! configured; the files its runs download are listed under it.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{API_KEY, TestApp};
use crate::recording::probe;
use crate::viewer::{Drawing, Viewer, is_type};

async fn open_session(app: &TestApp, page: &str) -> String {
    let body = json!({"url": app.fixtures.url(page)});
    let response = app.post("/v1/browser_sessions").json(&body).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json::<Value>().await.unwrap()["browser_session_id"].as_str().unwrap().to_owned()
}

async fn session(app: &TestApp, id: &str) -> Value {
    app.get_json(&format!("/v1/browser_sessions/{id}")).await
}

/// A code run of `script` on the session, on whatever page the session shows.
async fn run_on(app: &TestApp, session_id: &str, script: Value) -> String {
    let body = json!({"prompt": "on a session", "script": script, "browser_session_id": session_id});
    app.create_run(body).await["run_id"].as_str().unwrap().to_owned()
}

async fn watch_session(app: &TestApp, id: &str) -> Viewer {
    Viewer::connect_to(&app.address, &format!("/v1/browser_sessions/{id}/live"), Drawing::AtOnce).await
}

/// A click at the fixture's note field, then `text` typed into it.
fn write_a_note(text: &str) -> Vec<Value> {
    let (x, y) = (300.0, 120.0);
    vec![
        json!({ "type": "mouse", "event": "pressed", "x": x, "y": y, "button": "left", "click_count": 1 }),
        json!({ "type": "mouse", "event": "released", "x": x, "y": y, "button": "left", "click_count": 1 }),
        json!({ "type": "text", "text": text }),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_drives_an_idle_session_and_a_run_queued_meanwhile_starts_after_the_release_and_sees_their_note() {
    let app = TestApp::spawn().await;
    let id = open_session(&app, "note.html").await;
    let person = watch_session(&app, &id).await;
    let (hello, _) = person.read_until("hello", is_type("hello")).await;
    assert_eq!((hello["session_id"].as_str(), hello["run_id"].as_str()), (Some(id.as_str()), None), "{hello}");
    person.take_control().await;
    for event in write_a_note("call the bank") {
        person.send(event).await;
    }

    let run = run_on(&app, &id, json!([{"action": "extract", "fields": {"note": "#echo"}}])).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(app.run(&run).await["status"], "queued", "the run waits while a person drives the session");
    person.send(json!({"type": "release_control"})).await;
    let (turn, _) = person.read_until("the run's turn", |m| m["type"] == "turn" && m["run_id"].is_string()).await;
    assert_eq!(turn["run_id"], run.as_str());

    let run = app.wait_until_final(&run).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["output"]["note"], "call the bank", "the run found what the person typed");
    assert!(run["recording_url"].is_string(), "the run keeps its own recording: {run}");
    person.read_until("the turn back", |m| m["type"] == "turn" && m["run_id"].is_null()).await;

    let recordings = session(&app, &id).await["recordings"].as_array().unwrap().clone();
    assert_eq!(recordings.len(), 1, "the person's time at the wheel: {recordings:?}");
    let recording = &recordings[0];
    assert!(recording["checksum"].as_str().is_some_and(|sum| sum.len() == 64), "{recording}");
    assert!(recording["modified_at"].is_string() && recording["filename"] == "recording.mp4", "{recording}");
    let url = recording["url"].as_str().unwrap();
    let anonymous = app.client.get(url).send().await.unwrap();
    assert_eq!(anonymous.status(), 401, "served behind the API key");
    let video = app.client.get(url).header("x-api-key", API_KEY).send().await.unwrap();
    assert_eq!(video.status(), 200);
    assert_eq!(video.headers()["content-type"], "video/mp4");
    let file = tempfile::NamedTempFile::with_suffix(".mp4").unwrap();
    std::fs::write(file.path(), video.bytes().await.unwrap()).unwrap();
    let video = probe(file.path());
    assert_eq!((video.codec.as_str(), video.width, video.height), ("h264", 1280, 720));
    assert!(!video.frame_times.is_empty());

    app.post(&format!("/v1/browser_sessions/{id}/close")).send().await.unwrap();
    let rest = person.read_to_close().await;
    assert_eq!(rest.last().unwrap()["type"], "end", "the viewer is told the session ended");
    assert_eq!(rest.last().unwrap()["status"], "closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watching_a_session_without_control_never_holds_up_its_runs() {
    let app = TestApp::spawn().await;
    let id = open_session(&app, "note.html").await;
    let onlooker = watch_session(&app, &id).await;
    onlooker.read_until("a first frame", is_type("frame")).await;

    let run = run_on(&app, &id, json!([{"action": "extract", "fields": {"note": "#echo"}}])).await;
    let run = tokio::time::timeout(Duration::from_secs(20), app.wait_until_final(&run)).await.unwrap();
    assert_eq!(run["status"], "completed", "{run}");
    assert!(session(&app, &id).await["recordings"].as_array().unwrap().is_empty(), "nobody drove it");
}

/// A CDP client on a thread of its own: sends a command, reads until its answer.
struct CdpClient {
    socket: tungstenite::WebSocket<tungstenite::stream::MaybeTlsStream<std::net::TcpStream>>,
    next_id: u64,
}

impl CdpClient {
    fn connect(address: &str) -> CdpClient {
        let (socket, _) = tungstenite::connect(address).expect("the CDP endpoint accepts the connection");
        CdpClient { socket, next_id: 0 }
    }

    fn call(&mut self, method: &str, params: Value, session_id: Option<&str>) -> Value {
        self.next_id += 1;
        let mut command = json!({"id": self.next_id, "method": method, "params": params});
        if let Some(session_id) = session_id {
            command["sessionId"] = json!(session_id);
        }
        self.socket.send(tungstenite::Message::text(command.to_string())).unwrap();
        loop {
            let message = self.socket.read().expect("an answer");
            let Ok(text) = message.to_text() else { continue };
            let answer: Value = serde_json::from_str(text).unwrap();
            if answer["id"] == self.next_id {
                assert!(answer["error"].is_null(), "{method} failed: {answer}");
                return answer["result"].clone();
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_has_no_browser_address_unless_configured() {
    let app = TestApp::spawn().await;
    let id = open_session(&app, "note.html").await;
    assert!(session(&app, &id).await["browser_address"].is_null());
    let guessed = app.client.get(app.url(&format!("/cdp/{id}/0123456789abcdef"))).send().await.unwrap();
    assert_eq!(guessed.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_expose_cdp_a_client_evaluates_in_the_sessions_page_and_sees_no_other_runs_page() {
    let app = TestApp::spawn_with(|config| {
        config.sessions.expose_cdp = true;
        config.browser.pool_size = 2;
    })
    .await;
    let id = open_session(&app, "note.html").await;
    let other = app.create_script_run("control.html", crate::helpers::a_long_wait()).await;
    app.wait_for(&other, "the other run on its page", |run| run["status"] == "running").await;
    tokio::time::timeout(Duration::from_secs(20), async {
        while !app
            .timeline(&other)
            .await
            .iter()
            .any(|item| item["label"].as_str().unwrap_or("").contains("never appears"))
        {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the other run waits on its page");
    let address = session(&app, &id).await["browser_address"].as_str().expect("a browser_address").to_owned();
    assert!(address.starts_with("ws://") && address.contains(&id), "{address}");
    let wrong_token = format!("{}0", address);
    let refused = app.client.get(wrong_token.replacen("ws://", "http://", 1)).send().await.unwrap();
    assert_eq!(refused.status(), 404, "a wrong token opens nothing");

    let (title, urls, mut client) = tokio::task::spawn_blocking(move || {
        let mut client = CdpClient::connect(&address);
        let targets = client.call("Target.getTargets", json!({}), None);
        let pages: Vec<Value> =
            targets["targetInfos"].as_array().unwrap().iter().filter(|t| t["type"] == "page").cloned().collect();
        let urls: Vec<String> = pages.iter().map(|t| t["url"].as_str().unwrap().to_owned()).collect();
        let note =
            pages.iter().find(|t| t["url"].as_str().unwrap().ends_with("note.html")).expect("the session's page");
        let attached =
            client.call("Target.attachToTarget", json!({"targetId": note["targetId"], "flatten": true}), None);
        let session_id = attached["sessionId"].as_str().unwrap().to_owned();
        let evaluated = client.call(
            "Runtime.evaluate",
            json!({"expression": "document.title + ' ' + document.querySelector('#echo').textContent"}),
            Some(&session_id),
        );
        (evaluated["result"]["value"].as_str().unwrap().to_owned(), urls, client)
    })
    .await
    .unwrap();
    assert_eq!(title, "Note empty");
    assert!(!urls.iter().any(|url| url.ends_with("control.html")), "another run's page is out of reach: {urls:?}");
    app.cancel(&other).await;

    app.post(&format!("/v1/browser_sessions/{id}/close")).send().await.unwrap();
    let closed = tokio::task::spawn_blocking(move || {
        loop {
            match client.socket.read() {
                Ok(message) if message.is_close() => return true,
                Ok(_) => continue,
                Err(_) => return true,
            }
        }
    });
    assert!(
        tokio::time::timeout(Duration::from_secs(10), closed).await.unwrap().unwrap(),
        "the connection ends with the session"
    );
    assert!(session(&app, &id).await["browser_address"].is_null(), "an ended session has no address");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_a_run_downloads_on_a_session_is_listed_under_the_session_and_served_behind_the_key() {
    let app = TestApp::spawn().await;
    let id = open_session(&app, "downloads.html").await;
    let run = run_on(&app, &id, json!([{"action": "download", "selector": "#report"}])).await;
    assert_eq!(app.wait_until_final(&run).await["status"], "completed");

    let session = session(&app, &id).await;
    let files = session["downloaded_files"].as_array().unwrap();
    assert_eq!(files.len(), 1, "{session}");
    assert_eq!(files[0]["filename"], "report.csv");
    let expected = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/report.csv")).unwrap();
    let url = files[0]["url"].as_str().unwrap();
    assert_eq!(app.client.get(url).send().await.unwrap().status(), 401, "behind the API key");
    let served = app.client.get(url).header("x-api-key", API_KEY).send().await.unwrap();
    assert_eq!(served.bytes().await.unwrap().as_ref(), expected.as_slice());

    let listing = session["download_path"].as_str().expect("a download_path");
    let listed: Vec<Value> =
        app.client.get(listing).header("x-api-key", API_KEY).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed, files.clone(), "download_path lists the same files");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_that_ends_while_a_person_drives_it_keeps_their_recording_up_to_the_end() {
    let app = TestApp::spawn().await;
    let id = open_session(&app, "note.html").await;
    let person = watch_session(&app, &id).await;
    person.take_control().await;
    for event in write_a_note("half a thought") {
        person.send(event).await;
    }
    person.read_until("the note on the page", |m| m["type"] == "frame").await;

    let closed = app.post(&format!("/v1/browser_sessions/{id}/close")).send().await.unwrap();
    assert_eq!(closed.json::<Value>().await.unwrap()["status"], "closed", "control does not hold the session open");
    let rest = person.read_to_close().await;
    assert_eq!(rest.last().unwrap()["type"], "end");
    let recordings = session(&app, &id).await["recordings"].as_array().unwrap().clone();
    assert_eq!(recordings.len(), 1, "the recording up to the end is kept: {recordings:?}");
}
