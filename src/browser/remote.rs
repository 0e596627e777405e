//! Browsers on other machines, reached over CDP: the pool's remote endpoints (browserless, Steel,
//! a Selenium Grid, Chromium in Kubernetes) and a run's own `browser_address`.
//!
//! An `http(s)://host:port` address is looked up at `/json/version` for the browser's WebSocket
//! each time it is used (a restarted browser has a new one); a browser that reports a loopback or
//! unspecified host (it cannot know the name others reach it by) is reached at the configured host
//! instead, on the port it reports. A `ws(s)://` address is used as written. Every run gets a connection of its
//! own, which it hangs up when it ends: the remote browser process is never closed or killed from
//! here. A connection whose browser stops answering (a vanished machine leaves the socket open)
//! counts as broken, so no run waits on it.

use std::sync::{Arc, Weak};
use std::time::Duration;

use chromiumoxide::{Browser, Handler};
use futures::StreamExt;
use tokio_util::sync::{CancellationToken, DropGuard};
use url::Url;

use super::BrowserError;
use super::launch::Liveness;

/// How often a run's remote browser is asked whether it is still there, and how long it has to
/// answer.
const HEARTBEAT: Duration = Duration::from_secs(5);
const HEARTBEAT_PATIENCE: Duration = Duration::from_secs(10);
/// How long an endpoint's check may take.
const CHECK_PATIENCE: Duration = Duration::from_secs(5);

/// A connection to a remote browser, for one run.
pub(super) struct RemoteBrowser {
    pub browser: Arc<Browser>,
    pub liveness: Liveness,
    /// The address as configured (or as the run gave it), and as shown (see `shown`).
    pub address: String,
    pub shown: String,
    /// Hangs up when dropped.
    _hang_up: DropGuard,
}

/// An address as logs and responses show it: without user name, password, query or fragment,
/// where services such as browserless carry a token.
pub fn shown(address: &str) -> String {
    match Url::parse(address) {
        Ok(mut url) => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.set_query(None);
            url.set_fragment(None);
            url.to_string()
        }
        Err(_) => "(not a URL)".into(),
    }
}

/// Connects to the browser at `address`, resolving an `http(s)` address first.
pub(super) async fn connect(http: &reqwest::Client, address: &str) -> Result<RemoteBrowser, BrowserError> {
    let shown = shown(address);
    let websocket = websocket_address(http, address).await?;
    let (browser, handler) = Browser::connect(websocket)
        .await
        .map_err(|e| BrowserError::Unreachable(format!("cannot connect to {shown}: {e}")))?;
    let browser = Arc::new(browser);
    let hang_up = CancellationToken::new();
    let liveness = drive(handler, Arc::downgrade(&browser), hang_up.clone());
    Ok(RemoteBrowser { browser, liveness, address: address.to_owned(), shown, _hang_up: hang_up.drop_guard() })
}

/// Whether the endpoint at `address` answers: an `http(s)` one with its browser's WebSocket
/// address, a `ws(s)` one by accepting a TCP connection (a WebSocket would start a browser on
/// services that start one per connection).
pub async fn check(http: &reqwest::Client, address: &str) -> Result<(), String> {
    let checked = async {
        let url = Url::parse(address).map_err(|e| e.to_string())?;
        match url.scheme() {
            "http" | "https" => websocket_address(http, address).await.map(drop).map_err(|e| e.to_string()),
            _ => {
                let host = url.host_str().ok_or("no host")?;
                let port = url.port_or_known_default().ok_or("no port")?;
                let host = host.trim_start_matches('[').trim_end_matches(']');
                tokio::net::TcpStream::connect((host, port)).await.map(drop).map_err(|e| e.to_string())
            }
        }
    };
    match tokio::time::timeout(CHECK_PATIENCE, checked).await {
        Ok(result) => result,
        Err(_) => Err(format!("no answer within {} s", CHECK_PATIENCE.as_secs())),
    }
}

/// The browser's WebSocket address: `address` itself, or what its `/json/version` reports.
async fn websocket_address(http: &reqwest::Client, address: &str) -> Result<String, BrowserError> {
    let unreachable = |reason: String| BrowserError::Unreachable(format!("{}: {reason}", shown(address)));
    let url = Url::parse(address).map_err(|e| unreachable(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Ok(address.to_owned());
    }
    let mut version = url.clone();
    version.set_path(&format!("{}/json/version", url.path().trim_end_matches('/')));
    let answer = http.get(version).send().await.and_then(reqwest::Response::error_for_status);
    let answer: serde_json::Value = answer
        .map_err(|e| unreachable(e.without_url().to_string()))?
        .json()
        .await
        .map_err(|e| unreachable(e.to_string()))?;
    let reported = answer["webSocketDebuggerUrl"]
        .as_str()
        .ok_or_else(|| unreachable("its /json/version names no webSocketDebuggerUrl".into()))?;
    reachable_websocket(&url, reported).map_err(unreachable)
}

/// The reported WebSocket address, at the configured host when the browser reports one that only
/// it can reach.
fn reachable_websocket(configured: &Url, reported: &str) -> Result<String, String> {
    let mut websocket = Url::parse(reported).map_err(|e| format!("its WebSocket address is not a URL: {e}"))?;
    let only_its_own = match websocket.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(address)) => address.is_loopback() || address.is_unspecified(),
        Some(url::Host::Ipv6(address)) => address.is_loopback() || address.is_unspecified(),
        None => true,
    };
    if only_its_own {
        websocket.set_host(configured.host_str()).map_err(|e| e.to_string())?;
        if configured.scheme() == "https" {
            websocket.set_scheme("wss").map_err(|()| "cannot set the scheme".to_owned())?;
        }
    }
    Ok(websocket.to_string())
}

/// Polls the connection and asks the browser, every `HEARTBEAT`, whether it is there, until the
/// connection breaks, the browser stops answering or the run hangs up; then reports it gone.
/// Hanging up drops the connection, which closes the WebSocket.
fn drive(mut handler: Handler, browser: Weak<Browser>, hang_up: CancellationToken) -> Liveness {
    let (gone, liveness) = Liveness::new();
    tokio::spawn(liveness.log_span.clone().within(async move {
        let pumping = async {
            while let Some(event) = handler.next().await {
                if let Err(error) = event {
                    tracing::warn!(%error, "the connection to a remote browser broke");
                    break;
                }
            }
        };
        let beating = async {
            loop {
                tokio::time::sleep(HEARTBEAT).await;
                let Some(browser) = browser.upgrade() else { return };
                if !matches!(tokio::time::timeout(HEARTBEAT_PATIENCE, browser.version()).await, Ok(Ok(_))) {
                    tracing::warn!("a remote browser stopped answering");
                    return;
                }
            }
        };
        tokio::select! {
            () = pumping => {}
            () = beating => {}
            () = hang_up.cancelled() => {}
        }
        let _ = gone.send(true);
    }));
    liveness
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_websocket_only_the_browser_can_reach_is_taken_to_the_configured_host() {
        let configured = Url::parse("http://chromium.internal:9333").unwrap();
        for reported in [
            "ws://127.0.0.1:9222/devtools/browser/abc",
            "ws://localhost:9222/devtools/browser/abc",
            "ws://0.0.0.0:9222/devtools/browser/abc",
            "ws://[::1]:9222/devtools/browser/abc",
        ] {
            assert_eq!(
                reachable_websocket(&configured, reported).unwrap(),
                "ws://chromium.internal:9222/devtools/browser/abc",
                "{reported}"
            );
        }
        let elsewhere = "ws://10.0.0.7:9222/devtools/browser/abc";
        assert_eq!(reachable_websocket(&configured, elsewhere).unwrap(), elsewhere, "a host others can reach is kept");
        let secure = Url::parse("https://grid.example.invalid/").unwrap();
        assert_eq!(reachable_websocket(&secure, "ws://127.0.0.1/x").unwrap(), "wss://grid.example.invalid/x");
    }

    #[test]
    fn shown_addresses_carry_no_token_or_password() {
        assert_eq!(shown("ws://user:pw@browserless:3000/?token=s3cret#x"), "ws://browserless:3000/");
        assert_eq!(shown("http://10.0.0.5:9222"), "http://10.0.0.5:9222/");
        assert_eq!(shown("nonsense"), "(not a URL)");
    }
}
