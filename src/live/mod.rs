//! Watching and steering runs while their worker holds a browser (and browser sessions between
//! their runs, whose attendant plays the worker's part, see `sessions`).
//!
//! Each such run has a `LiveRun`. Its screencast frames fan out to any number of viewers through
//! a broadcast channel whose slow receivers skip ahead: a viewer that does not read loses frames
//! and never slows the run or the other viewers. Each viewer is sent frames as it acknowledges
//! them (`pacing`), so a slow link always gets the newest picture. The latest frame is kept for viewers who join
//! while the page holds still. One viewer at a time may hold control (`control`); the engine
//! hands it over at its next safe point, and only that viewer's input reaches the page, in
//! order, through the worker (`serve_input`). The wire format is in `messages`.

mod control;
mod messages;
mod pacing;

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio_util::sync::CancellationToken;

pub use control::{Control, ControlRefused, ControlState, Viewer};
pub use messages::{FromViewer, LiveFrame, ToViewer};
pub use pacing::Pacing;

use crate::browser::{PersonInput, RunPage, ScreencastFrame};
use crate::ids::RunId;

/// How many frames a viewer may fall behind before it skips to the latest.
const FRAMES_KEPT: usize = 4;
/// Input events of the controlling viewer waiting for the page.
const INPUT_QUEUE: usize = 64;

/// The runs that can be watched now.
#[derive(Clone)]
pub struct LiveRuns {
    /// JPEG quality of the frames, 1 to 100.
    pub jpeg_quality: u8,
    runs: Arc<Mutex<HashMap<RunId, Arc<LiveRun>>>>,
    /// Bumped whenever a run becomes watchable, for viewers who wait for it to start.
    opened: Arc<watch::Sender<u64>>,
    viewers: Arc<AtomicU64>,
}

/// An input event on its way to the page, with the way back for its result.
struct InputRequest {
    viewer_id: u64,
    input: PersonInput,
    done: oneshot::Sender<Result<(), String>>,
}

/// One run's live view (or a browser session's, between its runs).
pub struct LiveRun {
    pub control: Control,
    frames: broadcast::Sender<Arc<LiveFrame>>,
    latest: Mutex<Option<Arc<LiveFrame>>>,
    sequence: AtomicU64,
    input: mpsc::Sender<InputRequest>,
    /// Held by whoever applies input to the page now: the run's worker, or a session's
    /// attendant during each of its turns.
    pending_input: tokio::sync::Mutex<mpsc::Receiver<InputRequest>>,
    ended: CancellationToken,
}

impl LiveRuns {
    pub fn new(jpeg_quality: u8) -> LiveRuns {
        LiveRuns {
            jpeg_quality,
            runs: Arc::default(),
            opened: Arc::new(watch::Sender::new(0)),
            viewers: Arc::default(),
        }
    }

    /// Makes a run watchable (its worker has opened its browser).
    pub fn open(&self, run_id: &RunId) -> Arc<LiveRun> {
        let run = Arc::new(LiveRun::default());
        self.runs.lock().unwrap_or_else(|p| p.into_inner()).insert(run_id.clone(), run.clone());
        self.opened.send_modify(|count| *count += 1);
        run
    }

    /// Ends a run's live view: its viewers are told and disconnected.
    pub fn close(&self, run_id: &RunId) {
        if let Some(run) = self.runs.lock().unwrap_or_else(|p| p.into_inner()).remove(run_id) {
            run.end();
        }
    }

    pub fn get(&self, run_id: &RunId) -> Option<Arc<LiveRun>> {
        self.runs.lock().unwrap_or_else(|p| p.into_inner()).get(run_id).cloned()
    }

    /// Follows runs becoming watchable.
    pub fn watch_opened(&self) -> watch::Receiver<u64> {
        self.opened.subscribe()
    }

    /// A new viewer, numbered across all runs.
    pub fn new_viewer(&self, name: String) -> Viewer {
        Viewer { id: self.viewers.fetch_add(1, Ordering::Relaxed) + 1, name }
    }
}

impl Default for LiveRun {
    fn default() -> LiveRun {
        let (input, pending_input) = mpsc::channel(INPUT_QUEUE);
        LiveRun {
            control: Control::default(),
            frames: broadcast::Sender::new(FRAMES_KEPT),
            latest: Mutex::new(None),
            sequence: AtomicU64::new(0),
            input,
            pending_input: tokio::sync::Mutex::new(pending_input),
            ended: CancellationToken::new(),
        }
    }
}

impl LiveRun {
    /// Ends the live view: its viewers are told and disconnected.
    pub fn end(&self) {
        self.ended.cancel();
    }

    /// Sends a frame to every viewer.
    pub fn publish(&self, frame: ScreencastFrame) {
        let frame = Arc::new(LiveFrame::new(self.sequence.fetch_add(1, Ordering::Relaxed) + 1, frame));
        *self.latest.lock().unwrap_or_else(|p| p.into_inner()) = Some(frame.clone());
        // No viewer is not an error.
        let _ = self.frames.send(frame);
    }

    /// The latest frame.
    pub fn latest(&self) -> Option<Arc<LiveFrame>> {
        self.latest.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The first frame after the one numbered `seen`, or the latest one once `patience` passed
    /// or `enough` resolved (none when the page never painted).
    pub async fn frame_after(
        &self,
        seen: u64,
        patience: std::time::Duration,
        enough: impl std::future::Future<Output = ()>,
    ) -> Option<Arc<LiveFrame>> {
        let mut frames = self.frames.subscribe();
        if let Some(latest) = self.latest().filter(|frame| frame.sequence > seen) {
            return Some(latest);
        }
        let next = async {
            loop {
                match frames.recv().await {
                    Ok(frame) => return Some(frame),
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        };
        tokio::select! {
            Some(frame) = next => Some(frame),
            () = tokio::time::sleep(patience) => self.latest(),
            () = enough => self.latest(),
        }
    }

    /// The number of the latest frame (0 before the first).
    pub fn sequence(&self) -> u64 {
        self.sequence.load(Ordering::Relaxed)
    }

    /// The latest frame, and the frames to come.
    pub fn subscribe(&self) -> (Option<Arc<LiveFrame>>, broadcast::Receiver<Arc<LiveFrame>>) {
        let receiver = self.frames.subscribe();
        (self.latest.lock().unwrap_or_else(|p| p.into_inner()).clone(), receiver)
    }

    /// Resolves when the run is over.
    pub async fn ended(&self) {
        self.ended.cancelled().await
    }

    /// Sends a viewer's input to the page, if that viewer holds control; resolves once done.
    pub async fn forward(&self, viewer: &Viewer, input: PersonInput) -> Result<(), String> {
        if !self.control.is_held_by(viewer.id) {
            return Err("you do not hold control of this run: send take_control and wait until it is granted".into());
        }
        let (done, result) = oneshot::channel();
        let unavailable = || "the run's page no longer takes input".to_owned();
        self.input.send(InputRequest { viewer_id: viewer.id, input, done }).await.map_err(|_| unavailable())?;
        result.await.unwrap_or_else(|_| Err(unavailable()))
    }

    /// The worker's side: applies forwarded input to `page`, in order, until dropped (the run
    /// or the session's turn is over). Input that arrives after its viewer handed control back
    /// is refused.
    pub async fn serve_input(&self, page: &RunPage) -> Infallible {
        let mut pending = self.pending_input.lock().await;
        while let Some(InputRequest { viewer_id, input, done }) = pending.recv().await {
            let result = if self.control.is_held_by(viewer_id) {
                page.dispatch(&input).await.map_err(|error| error.to_string())
            } else {
                Err("control was handed back before this input reached the page".into())
            };
            let _ = done.send(result);
        }
        std::future::pending().await
    }
}
