//! A run's browser cannot reach the appliance: not by any of its addresses or names, nor under
//! its public name, whether by a document, a redirect, a frame, a subresource, `fetch` or a
//! WebSocket. Other sites on the same port stay reachable.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};

use crate::helpers::TestApp;

/// A server standing in for the appliance under its public name: it counts every connection.
struct Sentinel {
    port: u16,
    connections: Arc<AtomicUsize>,
}

impl Sentinel {
    fn start() -> Sentinel {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(AtomicUsize::new(0));
        let counted = connections.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                counted.fetch_add(1, Ordering::SeqCst);
                let mut stream = stream;
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request);
                let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 8\r\nconnection: close\r\n\r\nsentinel");
            }
        });
        Sentinel { port, connections }
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// Runs the code engine on `url` (loaded first) with `script`; returns the finished run.
async fn visit(app: &TestApp, url: &str, script: Value) -> Value {
    let run = app.create_run(json!({"prompt": "visit", "url": url, "script": script, "run_with": "code"})).await;
    app.wait_until_final(run["run_id"].as_str().unwrap()).await
}

fn refused(run: &Value) -> bool {
    run["status"] == "failed"
        && run["errors"][0]["code"] == "navigation_failed"
        && run["failure_reason"].as_str().is_some_and(|reason| reason.contains("BLOCKED"))
}

/// What the fixture page that tries every way of reaching `to` saw, once it is done trying.
async fn ways_of_reaching(app: &TestApp, to: &str) -> Value {
    let page = app
        .fixtures
        .url(&format!("reach.html?to={}", url::form_urlencoded::byte_serialize(to.as_bytes()).collect::<String>()));
    let script = json!([
        {"action": "wait", "ms": 1500},
        {"action": "extract", "fields": {"fetch": "#fetch", "image": "#image", "socket": "#socket"}}
    ]);
    let run = visit(app, &page, script).await;
    assert_eq!(run["status"], "completed", "{run}");
    run["output"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_a_page_does_reaches_the_appliance_under_its_public_name() {
    let sentinel = Sentinel::start();
    let public = format!("http://localhost:{}", sentinel.port);
    let app = TestApp::spawn_with(|config| config.server.public_url = public.clone()).await;
    let by_address = format!("http://127.0.0.1:{}/anything", sentinel.port);

    assert!(refused(&visit(&app, &format!("{public}/v1/runs"), json!([])).await), "a document by its name");
    assert!(refused(&visit(&app, &by_address, json!([])).await), "a document by its address");
    let redirect = app.fixtures.url(&format!("redirect?to={by_address}"));
    assert!(refused(&visit(&app, &redirect, json!([])).await), "a redirect");
    let seen = ways_of_reaching(&app, &by_address).await;
    assert_eq!(seen["fetch"], "failed", "{seen}");
    assert_eq!(seen["socket"], "failed", "{seen}");
    assert_eq!(sentinel.connections(), 0, "no request of any kind (the frame's included) reached it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_cannot_reach_the_appliance_by_any_of_its_local_names() {
    let app = TestApp::spawn().await;
    let port = app.address.rsplit(':').next().unwrap().to_owned();
    for host in ["localhost", "127.0.0.1", "0.0.0.0", "LOCALHOST."] {
        let run = visit(&app, &format!("http://{host}:{port}/healthz"), json!([])).await;
        assert!(refused(&run), "http://{host}:{port} was not refused: {run}");
    }
    let seen = ways_of_reaching(&app, &format!("http://localhost:{port}/healthz")).await;
    assert_eq!(seen["fetch"], "failed", "{seen}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_appliance_listening_on_every_address_is_unreachable_on_each_of_them() {
    let app = TestApp::spawn_with(|config| config.server.listen = "0.0.0.0:0".into()).await;
    let port = app.address.rsplit(':').next().unwrap().to_owned();
    for host in ["127.0.0.1", "127.0.0.7", "localhost"] {
        let run = visit(&app, &format!("http://{host}:{port}/healthz"), json!([])).await;
        assert!(refused(&run), "http://{host}:{port} was not refused: {run}");
    }
}

/// The neighbour's page: it says who it is, and what its WebSocket brought.
const NEIGHBOUR: &str = "<title>Neighbour</title><p id=who>the neighbour</p><p id=socket>waiting</p><script>
    const socket = new WebSocket(`ws://${location.host}/socket`);
    socket.onmessage = (event) => { document.getElementById('socket').textContent = event.data; };
    socket.onerror = () => { document.getElementById('socket').textContent = 'failed'; };
</script>";

/// The neighbour's WebSocket: it greets and closes.
async fn greet(
    request: actix_web::HttpRequest,
    body: actix_web::web::Payload,
) -> actix_web::Result<actix_web::HttpResponse> {
    let (response, mut session, _) = actix_ws::handle(&request, body)?;
    actix_web::rt::spawn(async move {
        let _ = session.text("hello from the neighbour").await;
        let _ = session.close(None).await;
    });
    Ok(response)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_site_on_the_appliances_port_stays_reachable_websockets_included() {
    let app = TestApp::spawn().await;
    let port: u16 = app.address.rsplit(':').next().unwrap().parse().unwrap();
    // The same port on another loopback address: another site.
    let listener = std::net::TcpListener::bind(("127.0.0.2", port)).expect("127.0.0.2 takes the same port");
    let site = actix_web::HttpServer::new(|| {
        let page = || async { actix_web::HttpResponse::Ok().content_type("text/html").body(NEIGHBOUR) };
        actix_web::App::new()
            .route("/", actix_web::web::get().to(page))
            .route("/socket", actix_web::web::get().to(greet))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .unwrap()
    .run();
    let handle = site.handle();
    tokio::spawn(site);
    let script = json!([
        {"action": "wait_for_text", "text": "hello from"},
        {"action": "extract", "fields": {"who": "#who", "socket": "#socket"}}
    ]);
    let run = visit(&app, &format!("http://127.0.0.2:{port}/"), script).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["output"], json!({"who": "the neighbour", "socket": "hello from the neighbour"}));
    handle.stop(false).await;
}
