//! What the appliance hands to browsers: files that came from websites only as sandboxed
//! downloads, its own pictures and videos inline, the UI under a strict Content-Security-Policy,
//! and never a response a browser may read as another type.

use serde_json::{Value, json};

use crate::helpers::{API_KEY, TestApp};

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response.headers().get(name).map(|value| value.to_str().unwrap()).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_a_site_handed_out_is_served_as_a_sandboxed_download_and_screenshots_inline() {
    let app = TestApp::spawn().await;
    let script = json!([{"action": "download", "selector": "#page"}, {"action": "screenshot"}]);
    let run_id = app.create_script_run("page-download.html", script).await;
    let run = app.wait_until_final(&run_id).await;
    assert_eq!(run["status"], "completed", "{run}");
    let artifacts = app.artifacts(&run_id).await;
    let of_type = |kind: &str| -> Value {
        artifacts.iter().find(|a| a["artifact_type"] == kind).unwrap_or_else(|| panic!("no {kind}")).clone()
    };

    let page = app.get(&format!("/v1/artifacts/{}/content", of_type("download")["artifact_id"].as_str().unwrap()));
    let page = page.send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(header(&page, "content-disposition").starts_with("attachment"), "{:?}", page.headers());
    assert!(header(&page, "content-disposition").contains("evil.html"), "{:?}", page.headers());
    assert_eq!(header(&page, "content-security-policy"), "sandbox");
    assert_eq!(header(&page, "x-content-type-options"), "nosniff");
    assert!(page.text().await.unwrap().contains("fetch(\"/v1/runs\")"), "the bytes are the site's, unchanged");

    for picture in [of_type("screenshot")["uri"].clone(), run["recording_url"].clone()] {
        let shown = app.client.get(picture.as_str().unwrap()).header("x-api-key", API_KEY).send().await.unwrap();
        assert_eq!(shown.status(), 200, "{picture}");
        assert_eq!(header(&shown, "content-disposition"), "inline", "{picture}");
        assert_eq!(header(&shown, "content-security-policy"), "sandbox", "{picture}");
        assert_eq!(header(&shown, "x-content-type-options"), "nosniff", "{picture}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ui_pages_run_only_the_appliances_own_files_under_a_strict_policy() {
    let app = TestApp::spawn().await;
    let cookie = app.sign_in().await.cookie();
    for path in ["/login", "/", "/runs/tsk_1"] {
        let page = app.client.get(app.url(path)).header("cookie", &cookie).send().await.unwrap();
        assert_eq!(page.status(), 200, "{path}");
        let policy = header(&page, "content-security-policy").to_owned();
        for directive in ["default-src 'none'", "script-src 'self'", "frame-ancestors 'none'"] {
            assert!(policy.contains(directive), "{path}: {policy}");
        }
        assert!(!policy.contains("unsafe-inline"), "{path}: {policy}");
        let html = page.text().await.unwrap();
        assert!(!html.contains("<script>") && !html.contains("<style>"), "{path} holds inline code: {html}");
        for asset in html.split("src=\"").chain(html.split("href=\"")).skip(1).filter_map(|s| s.split('"').next()) {
            if asset.starts_with("/assets/") {
                let file = app.client.get(app.url(asset)).send().await.unwrap();
                assert_eq!(file.status(), 200, "{asset} is served before a login too");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_response_lets_a_browser_guess_its_type() {
    let app = TestApp::spawn().await;
    let answers = [
        app.get("/v1/version").send().await.unwrap(),
        app.get("/v1/runs/tsk_404").send().await.unwrap(),
        app.get("/v1/runs?page=0").send().await.unwrap(),
        app.client.get(app.url("/v1/runs")).send().await.unwrap(),
        app.client.get(app.url("/healthz")).send().await.unwrap(),
        app.client.get(app.url("/login")).send().await.unwrap(),
    ];
    for answer in &answers {
        assert_eq!(header(answer, "x-content-type-options"), "nosniff", "{} {}", answer.url(), answer.status());
    }
}
