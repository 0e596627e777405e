//! The test harness: the real appliance on a free port with a temporary data directory and real
//! Chromium, a local server for the fixture pages, and one method per endpoint.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};
use skyvern::{App, Config};
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const API_KEY: &str = "skv_test_key_0123456789";
/// Every wait in the tests is bounded by this.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// The fixture pages, served from `tests/fixtures/` on a free port, and MiniWoB++'s task pages
/// (pages written by others, for web agents) under `/miniwob/<seed>/`: the seed fixes the
/// task's random choices (`random` leaves them random).
pub struct Fixtures {
    pub base: String,
    _server: actix_web::dev::ServerHandle,
}

impl Fixtures {
    pub fn start() -> Fixtures {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let (base, server) = serve_locally(move |config| {
            config
                .route("/miniwob/{seed}/{path:.*}", actix_web::web::get().to(miniwob_page))
                .route("/slow/{ms}", actix_web::web::get().to(slow_answer))
                .route("/redirect", actix_web::web::get().to(redirect))
                .route("/remember-me", actix_web::web::get().to(remember_me))
                .service(actix_files::Files::new("/", root.clone()));
        });
        Fixtures { base, _server: server }
    }

    pub fn url(&self, page: &str) -> String {
        format!("{}/{page}", self.base)
    }

    /// A MiniWoB++ task page, e.g. `miniwob("enter-text", 7)`.
    pub fn miniwob(&self, task: &str, seed: u32) -> String {
        format!("{}/miniwob/{seed}/miniwob/{task}.html", self.base)
    }
}

/// The folder of MiniWoB++'s pages, from the `miniwob` package of the tests' Python
/// (`SKYVERN_TEST_PYTHON`, which `scripts/test` sets up).
fn miniwob_root() -> &'static Path {
    static ROOT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    ROOT.get_or_init(|| {
        let python = std::env::var("SKYVERN_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
        let locate = "import importlib.util as u; print(u.find_spec('miniwob').submodule_search_locations[0])";
        let output = std::process::Command::new(&python).args(["-c", locate]).output();
        let found =
            output.ok().filter(|o| o.status.success()).map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
        let folder = found.unwrap_or_else(|| {
            panic!("MiniWoB++'s pages are missing: run scripts/test, which installs the `miniwob` package for {python}")
        });
        PathBuf::from(folder).join("html").canonicalize().expect("MiniWoB++'s html folder")
    })
}

/// Redirects to the address in `?to=`.
async fn redirect(query: actix_web::web::Query<std::collections::HashMap<String, String>>) -> actix_web::HttpResponse {
    let to = query.get("to").cloned().unwrap_or_default();
    actix_web::HttpResponse::Found().insert_header(("location", to)).finish()
}

/// The value of the http-only session cookie `/remember-me` sets.
pub const REMEMBERED_TOKEN: &str = "tok-5f1c9e-remembered-session";

/// Sets an http-only session cookie (`token`, no expiry) and redirects to the page in `?to=`.
async fn remember_me(
    query: actix_web::web::Query<std::collections::HashMap<String, String>>,
) -> actix_web::HttpResponse {
    let to = query.get("to").cloned().unwrap_or_else(|| "/".into());
    actix_web::HttpResponse::Found()
        .insert_header(("set-cookie", format!("token={REMEMBERED_TOKEN}; Path=/; HttpOnly")))
        .insert_header(("location", to))
        .finish()
}

/// Answers after the number of milliseconds in the path (at most 10 s): a slow server.
async fn slow_answer(ms: actix_web::web::Path<u64>) -> actix_web::HttpResponse {
    tokio::time::sleep(Duration::from_millis(ms.into_inner().min(10_000))).await;
    actix_web::HttpResponse::Ok().content_type("text/plain").body("3")
}

/// Serves a MiniWoB++ file; a task page gets its seed set right after MiniWoB's core script.
async fn miniwob_page(path: actix_web::web::Path<(String, String)>) -> actix_web::HttpResponse {
    let (seed, file) = path.into_inner();
    let root = miniwob_root();
    let Ok(full) = root.join(&file).canonicalize() else { return actix_web::HttpResponse::NotFound().finish() };
    if !full.starts_with(root) {
        return actix_web::HttpResponse::Forbidden().finish();
    }
    let Ok(bytes) = std::fs::read(&full) else { return actix_web::HttpResponse::NotFound().finish() };
    let content_type = mime_guess::from_path(&full).first_or_octet_stream().to_string();
    if !file.ends_with(".html") || seed == "random" {
        return actix_web::HttpResponse::Ok().content_type(content_type).body(bytes);
    }
    let core = "core/core.js\"></script>";
    let seeded = String::from_utf8_lossy(&bytes).replacen(
        core,
        &format!("{core}\n<script>Math.seedrandom({seed:?});</script>"),
        1,
    );
    actix_web::HttpResponse::Ok().content_type("text/html; charset=utf-8").body(seeded)
}

/// Serves what `configure` sets up on a free local port, on one worker: the small servers that
/// play what lies outside the machine (sites, a model provider, a webhook receiver). Returns the
/// base URL and the handle that keeps it serving.
pub fn serve_locally(
    configure: impl Fn(&mut actix_web::web::ServiceConfig) + Clone + Send + 'static,
) -> (String, actix_web::dev::ServerHandle) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = actix_web::HttpServer::new(move || actix_web::App::new().configure(configure.clone()))
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
    let handle = server.handle();
    tokio::spawn(server);
    (format!("http://127.0.0.1:{port}"), handle)
}

/// Stores a queued run directly, beside the appliance's scheduler (it has no request the
/// scheduler could run): for tests and benchmarks of what follows the event log.
pub async fn store_a_queued_run(store: &skyvern::store::Store, prompt: &str) -> skyvern::ids::RunId {
    let run = skyvern::runs::NewRun {
        id: skyvern::ids::RunId::generate(),
        run_type: skyvern::runs::RunType::TaskV1,
        engine: skyvern::runs::Engine::Agent,
        title: None,
        prompt: Some(prompt.to_owned()),
        url: None,
        request: json!({}),
        browser_session_id: None,
        webhook_url: None,
        plan: None,
        rerun_of: None,
    };
    store.insert_queued_run(run, Vec::new()).await.unwrap().id
}

/// The configuration every test starts from: one warm browser, short action timeouts.
pub fn test_config(data_dir: &Path) -> Config {
    let mut config = Config::defaults().unwrap();
    config.server.listen = "127.0.0.1:0".into();
    config.storage.data_dir = data_dir.to_owned();
    config.auth.api_key = skyvern::config::Secret::new(API_KEY);
    config.browser.pool_size = 1;
    config.runs.action_timeout_ms = 3000;
    config
}

/// A sign-in to the UI: the values of its two cookies, and the `Set-Cookie` headers that set them.
pub struct UiSignIn {
    pub session: String,
    pub csrf: String,
    pub set_cookies: Vec<String>,
}

impl UiSignIn {
    /// The `Cookie` header a browser sends after this sign-in.
    pub fn cookie(&self) -> String {
        format!("skyvern_session={}; skyvern_csrf={}", self.session, self.csrf)
    }
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub fixtures: Fixtures,
    pub data_dir: TempDir,
    /// The running appliance's store, to write beside it (benchmarks).
    pub store: skyvern::store::Store,
    stop: Option<oneshot::Sender<()>>,
    serving: Option<JoinHandle<anyhow::Result<()>>>,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(customize: impl FnOnce(&mut Config)) -> TestApp {
        let data_dir = tempfile::tempdir().unwrap();
        let mut config = test_config(data_dir.path());
        customize(&mut config);
        Self::spawn_in(data_dir, config).await
    }

    /// Starts the appliance on an existing data directory (a restart).
    pub async fn spawn_in(data_dir: TempDir, config: Config) -> TestApp {
        let app = App::build(config).await.expect("the appliance starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        let store = app.store();
        let (stop, stopped) = oneshot::channel();
        let serving = tokio::spawn(app.run_until_stopped(async {
            let _ = stopped.await;
        }));
        TestApp {
            address,
            client: reqwest::Client::builder().timeout(PATIENCE).build().unwrap(),
            fixtures: Fixtures::start(),
            data_dir,
            store,
            stop: Some(stop),
            serving: Some(serving),
        }
    }

    /// Shuts the appliance down gracefully and returns its data directory.
    pub async fn stop(mut self) -> TempDir {
        self.stop.take().unwrap().send(()).unwrap();
        let serving = self.serving.take().unwrap();
        tokio::time::timeout(PATIENCE, serving).await.unwrap().unwrap().unwrap();
        let kept = tempfile::tempdir().unwrap();
        std::mem::replace(&mut self.data_dir, kept)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.get(self.url(path)).header("x-api-key", API_KEY)
    }

    pub fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.post(self.url(path)).header("x-api-key", API_KEY)
    }

    pub fn put(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.put(self.url(path)).header("x-api-key", API_KEY)
    }

    pub fn patch(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.patch(self.url(path)).header("x-api-key", API_KEY)
    }

    pub fn delete(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.delete(self.url(path)).header("x-api-key", API_KEY)
    }

    /// Signs in to the UI with `key` as a browser does (`POST /login`); the session's cookies.
    pub async fn sign_in_with(&self, key: &str) -> UiSignIn {
        let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let response = browser.post(self.url("/login")).form(&[("api_key", key)]).send().await.unwrap();
        assert_eq!(response.status(), 303, "signing in failed");
        let set_cookies: Vec<String> =
            response.headers().get_all("set-cookie").iter().map(|value| value.to_str().unwrap().to_owned()).collect();
        let value_of = |name: &str| {
            set_cookies
                .iter()
                .find_map(|cookie| cookie.strip_prefix(&format!("{name}="))?.split(';').next().map(str::to_owned))
                .unwrap_or_else(|| panic!("no {name} cookie in {set_cookies:?}"))
        };
        UiSignIn { session: value_of("skyvern_session"), csrf: value_of("skyvern_csrf"), set_cookies }
    }

    /// Signs in to the UI with the tests' key.
    pub async fn sign_in(&self) -> UiSignIn {
        self.sign_in_with(API_KEY).await
    }

    /// GETs an API path and reads the JSON body.
    pub async fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        self.get(path).send().await.unwrap().json().await.unwrap()
    }

    pub async fn create_run(&self, body: Value) -> Value {
        let response = self.post("/v1/run/tasks").json(&body).send().await.unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, 200, "creating a run failed: {body}");
        body
    }

    /// Saves a plan of `definition`; returns its `wpid_…`.
    pub async fn save_plan(&self, title: &str, definition: Value) -> String {
        let body = json!({"title": title, "workflow_definition": definition});
        let response = self.post("/v1/agents").json(&body).send().await.unwrap();
        let status = response.status();
        let plan: Value = response.json().await.unwrap();
        assert_eq!(status, 200, "saving a plan failed: {plan}");
        plan["workflow_permanent_id"].as_str().unwrap().to_owned()
    }

    /// Runs a plan with `parameters`; returns the new run's id.
    pub async fn run_plan(&self, plan_id: &str, parameters: Value) -> String {
        let body = json!({"agent_id": plan_id, "parameters": parameters});
        let response = self.post("/v1/run/agents").json(&body).send().await.unwrap();
        let status = response.status();
        let run: Value = response.json().await.unwrap();
        assert_eq!(status, 200, "running a plan failed: {run}");
        run["run_id"].as_str().unwrap().to_owned()
    }

    /// A code run of `script` starting at the fixture page `page`.
    pub async fn create_script_run(&self, page: &str, script: Value) -> String {
        let run = self.create_run(json!({ "prompt": "test", "url": self.fixtures.url(page), "script": script })).await;
        run["run_id"].as_str().unwrap().to_owned()
    }

    pub async fn run(&self, run_id: &str) -> Value {
        let response = self.get(&format!("/v1/runs/{run_id}")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    pub async fn cancel(&self, run_id: &str) -> reqwest::Response {
        self.post(&format!("/v1/runs/{run_id}/cancel")).send().await.unwrap()
    }

    pub async fn timeline(&self, run_id: &str) -> Vec<Value> {
        self.get_json(&format!("/v1/runs/{run_id}/timeline")).await
    }

    pub async fn artifacts(&self, run_id: &str) -> Vec<Value> {
        self.get_json(&format!("/v1/runs/{run_id}/artifacts")).await
    }

    pub async fn pool(&self) -> Value {
        let health: Value = self.get_json("/v1/health").await;
        health["browser_pool"].clone()
    }

    /// Polls the browser pool's state until `done` holds; panics after `PATIENCE`.
    pub async fn wait_for_pool(&self, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let pool = self.pool().await;
            if done(&pool) {
                return pool;
            }
            assert!(tokio::time::Instant::now() < deadline, "the pool never had {what}; last seen: {pool}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Polls the run until `done` holds for it; panics after `PATIENCE`.
    pub async fn wait_for(&self, run_id: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let run = self.run(run_id).await;
            if done(&run) {
                return run;
            }
            assert!(tokio::time::Instant::now() < deadline, "run {run_id} never became {what}; last seen: {run}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn wait_for_status(&self, run_id: &str, status: &str) -> Value {
        self.wait_for(run_id, status, |run| run["status"] == status).await
    }

    /// Waits until the run ends, whatever the status.
    pub async fn wait_until_final(&self, run_id: &str) -> Value {
        let finals = ["completed", "failed", "terminated", "timed_out", "canceled"];
        self.wait_for(run_id, "final", |run| finals.contains(&run["status"].as_str().unwrap_or_default())).await
    }
}

impl Drop for TestApp {
    /// A test that ends without `stop` leaves the appliance's threads behind until the test
    /// process exits, and with them its Chromium processes: end those.
    fn drop(&mut self) {
        for pid in chromium_browser_pids(self.data_dir.path()) {
            let _ = std::process::Command::new("kill").args(["-KILL", &pid.to_string()]).status();
        }
    }
}

/// Every file below `dir` (none if it does not exist), with its bytes: for tests that look for a
/// value in everything the appliance wrote.
pub fn files_below(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_below(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            found.push((path, bytes));
        }
    }
    found
}

/// Field `number` (counted from 1, as `proc(5)` does: 4 is the parent's PID, 19 the nice value)
/// of a process's or thread's `stat` file at `path`.
pub fn stat_field<T: std::str::FromStr>(path: &Path, number: usize) -> Option<T> {
    let stat = std::fs::read_to_string(path).ok()?;
    // After the command name (in parentheses, which may hold spaces) come the fields from the
    // third, the state, on.
    stat[stat.rfind(')')? + 2..].split(' ').nth(number - 3)?.parse().ok()
}

/// PIDs of Chromium browser processes (not their helpers) whose profile is under `data_dir`. A
/// helper is named by its `--type=`, or, just forked and not yet started as itself, by its
/// parent: the browser.
pub fn chromium_browser_pids(data_dir: &Path) -> Vec<u32> {
    let marker = data_dir.join("browser-profiles").to_string_lossy().into_owned();
    let chromium = skyvern::processes::mentioning(&marker);
    let parent = |pid: u32| stat_field::<u32>(Path::new(&format!("/proc/{pid}/stat")), 4);
    chromium
        .iter()
        .copied()
        .filter(|pid| {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            !String::from_utf8_lossy(&cmdline).contains("--type=")
        })
        .filter(|pid| parent(*pid).is_none_or(|parent| !chromium.contains(&parent)))
        .collect()
}

/// A script that keeps a run busy (waiting for text that never comes) for up to a minute.
pub fn a_long_wait() -> Value {
    json!([{ "action": "wait_for_text", "text": "this text never appears", "timeout_ms": 60000 }])
}

/// A remote browser's discovery endpoint (`/json/version`) that, after `delay`, passes on the
/// answer of the real one at `browser` (or never answers, without one); returns its address.
pub fn a_slow_cdp_endpoint(delay: Duration, browser: Option<String>) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = actix_web::HttpServer::new(move || {
        let browser = browser.clone();
        actix_web::App::new().route(
            "/json/version",
            actix_web::web::get().to(move || {
                let browser = browser.clone();
                async move {
                    tokio::time::sleep(delay).await;
                    let Some(browser) = browser else { return std::future::pending().await };
                    let version = reqwest::get(format!("{browser}/json/version")).await.unwrap();
                    actix_web::HttpResponse::Ok().body(version.bytes().await.unwrap())
                }
            }),
        )
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    format!("http://127.0.0.1:{port}")
}

/// A Chromium started by the test as a remote browser is, reachable over CDP, killed when dropped.
pub struct RemoteChromium {
    child: std::process::Child,
    pub port: u16,
    _profile: TempDir,
}

impl RemoteChromium {
    /// Starts one on a free port.
    pub async fn start() -> RemoteChromium {
        Self::start_on(0).await
    }

    /// Starts one on `port` (0: a free one), read from the port file Chromium writes.
    pub async fn start_on(port: u16) -> RemoteChromium {
        let profile = tempfile::tempdir().unwrap();
        let child = std::process::Command::new("/usr/lib/chromium/chromium")
            .args(["--headless", "--no-sandbox", "--no-first-run", "--disable-gpu"])
            .arg(format!("--remote-debugging-port={port}"))
            .args(["--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic"])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Chromium writes the port file when it picks the port; a given one is asked until it answers.
        let active_port = profile.path().join("DevToolsActivePort");
        let deadline = tokio::time::Instant::now() + PATIENCE;
        let port = loop {
            let found = match port {
                0 => std::fs::read_to_string(&active_port).ok().and_then(|text| text.lines().next()?.parse().ok()),
                port => {
                    let version = reqwest::get(format!("http://127.0.0.1:{port}/json/version")).await;
                    version.is_ok_and(|answer| answer.status().is_success()).then_some(port)
                }
            };
            if let Some(port) = found {
                break port;
            }
            assert!(tokio::time::Instant::now() < deadline, "the remote Chromium did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        RemoteChromium { child, port, _profile: profile }
    }

    /// Its discovery address, `http://127.0.0.1:<port>`.
    pub fn http_address(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Its browser's WebSocket address, as its `/json/version` reports it.
    pub async fn websocket_address(&self) -> String {
        let version: Value =
            reqwest::get(format!("{}/json/version", self.http_address())).await.unwrap().json().await.unwrap();
        version["webSocketDebuggerUrl"].as_str().unwrap().to_owned()
    }

    /// Kills the browser process at once.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for RemoteChromium {
    fn drop(&mut self) {
        self.kill();
    }
}
