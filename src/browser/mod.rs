//! Chromium: the only module that speaks CDP (through chromiumoxide).
//!
//! `launch` starts and cleans up Chromium processes, `slots` admits runs by free slot (local or
//! on a remote endpoint), `pool` gives each one an isolated browser context, `remote` reaches
//! browsers on other machines, `page` holds the primitive operations (click, fill,
//! select, …) that the engines compose, `screencast` streams the page as frames and `input`
//! forwards a person's input to it; `cdp_link` passes a client's raw CDP messages to a browser
//! session's Chromium; `storage` captures a context's cookies and local storage and restores
//! them into another; `log_span` makes what a browser's own tasks log part of the run that
//! drives it.

pub mod cdp_link;
mod input;
mod launch;
mod log_span;
mod mouse;
mod navigation;
mod observation;
mod off_limits;
mod page;
mod pool;
mod remote;
mod requests;
mod screencast;
mod settle;
mod slots;
mod storage;

pub use input::PersonInput;
pub use launch::{Launcher, LocalChromium, executable_version};
pub use off_limits::OffLimits;
pub use page::{OptionChoice, PageSettings, RunPage};
pub use pool::{BrowserLocation, BrowserPool, EndpointStats, PoolStats, RemoteEndpoints, RunBrowser};
pub use remote::{check as check_remote_endpoint, shown as shown_address};
pub use screencast::ScreencastFrame;
pub use slots::Slot;
pub use storage::{BrowserStorage, StoredCookie};

/// Why a browser operation did not happen.
#[derive(Debug, Clone, thiserror::Error)]
pub enum BrowserError {
    #[error("Chromium could not be started: {0}")]
    Launch(String),
    /// A remote browser did not answer or refused the connection.
    #[error("the remote browser cannot be reached: {0}")]
    Unreachable(String),
    #[error("the browser process exited (Chromium crashed or was killed)")]
    Crashed,
    #[error("navigation to {url} failed: {reason}")]
    Navigation { url: String, reason: String },
    #[error("`{target}` was not found within {waited_ms} ms ({reason})")]
    NotFound { target: String, waited_ms: u64, reason: String },
    #[error("`{target}`: {reason}")]
    Refused { target: String, reason: String },
    /// Another element lies over the whole of it, so a click would land on that one.
    #[error("'{target}' is covered by {by}")]
    Covered { target: String, by: String },
    #[error("browser protocol error: {0}")]
    Cdp(String),
}
