//! A session's attendant: between runs, it shows the session's page to the viewers of its live
//! view and lets one of them drive it.
//!
//! While anyone watches, the attendant queues for the session's turn as a run does. Holding it, it
//! casts the page to the viewers. A viewer who asks for control gets it at once (no engine acts on
//! the page) and keeps the turn until handing control back or leaving: a run that arrives
//! meanwhile waits until then. While a person drives, the page is recorded; the video becomes one
//! of the session's recordings when control is handed back. Watching alone never holds up a run:
//! when a run asks for the turn and nobody holds or asks for control, the attendant gives the turn
//! up and queues again behind that run. A viewer who asks for control while a run holds the turn
//! gets it when the run is over, before the runs queued after the request.
//!
//! A session ends on time even while a person drives it: control ends with the session, the
//! recording up to that moment is kept, then the browser closes and the viewers are told (`end`).

use std::sync::{Arc, Mutex};

use tokio::sync::OwnedMutexGuard;

use super::OpenSession;
use crate::browser::RunBrowser;
use crate::recording::{Owner, Recorder, Recording, RecordingError};

pub(super) struct Attendant {
    pub(super) session: Arc<OpenSession>,
    pub(super) recorder: Recorder,
    pub(super) jpeg_quality: u8,
}

impl Attendant {
    /// Attends the session until it ends.
    pub(super) async fn attend(self) {
        let session = &self.session;
        let mut viewers = session.viewers.subscribe();
        loop {
            let watched = tokio::select! {
                () = session.ending.cancelled() => return,
                watched = viewers.wait_for(|viewers| *viewers > 0) => watched.is_ok(),
            };
            if !watched {
                return;
            }
            let turn = tokio::select! {
                () = session.ending.cancelled() => return,
                turn = session.turn.clone().lock_owned() => turn,
            };
            let browser = session.browser.lock().unwrap_or_else(|p| p.into_inner()).clone();
            match browser.filter(|_| !session.ending.is_cancelled()) {
                Some(browser) => self.hold(browser, turn).await,
                None => return,
            }
        }
    }

    /// Casts the page and serves the person in control for one turn.
    async fn hold(&self, browser: Arc<RunBrowser>, turn: OwnedMutexGuard<()>) {
        let (session, live) = (&self.session, &self.session.live);
        let recording: Mutex<Option<Recording>> = Mutex::new(None);
        let casting = browser.page.screencast(self.jpeg_quality, |frame| {
            if let Some(recording) = recording.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
                recording.push(&frame);
            }
            live.publish(frame);
        });
        tokio::select! {
            () = self.steer(&recording) => {}
            () = casting => {}
            never = live.serve_input(&browser.page) => match never {},
            () = session.ending.cancelled() => {}
            () = browser.gone() => {}
        }
        if let Some(holder) = live.control.holder() {
            live.control.release(holder.id);
        }
        finish(&recording).await;
        // The keeper closes the browser holding the last turn: this clone goes first.
        drop(browser);
        drop(turn);
    }

    /// Grants control to who asks and records them driving; returns when the turn is to be
    /// given up (nobody holds or asks for control, and a run waits or nobody watches).
    async fn steer(&self, recording: &Mutex<Option<Recording>>) {
        let session = &self.session;
        let mut control = session.live.control.watch();
        let mut viewers = session.viewers.subscribe();
        let mut waiting_runs = session.waiting_runs.subscribe();
        loop {
            let state = control.borrow_and_update().clone();
            if state.held_by.is_none() && state.requested_by.is_some() {
                session.live.control.grant();
                let started = self.recorder.start(Owner::Session(session.id.clone())).await;
                match started {
                    Ok(started) => *recording.lock().unwrap_or_else(|p| p.into_inner()) = Some(started),
                    Err(RecordingError::Disabled) => {}
                    Err(error) => tracing::warn!(session_id = %session.id, %error, "a person driving is not recorded"),
                }
                continue;
            }
            if state.held_by.is_none() {
                finish(recording).await;
                if *waiting_runs.borrow_and_update() > 0 || *viewers.borrow_and_update() == 0 {
                    return;
                }
            }
            let changed = tokio::select! {
                changed = control.changed() => changed.is_ok(),
                changed = viewers.changed() => changed.is_ok(),
                changed = waiting_runs.changed() => changed.is_ok(),
            };
            if !changed {
                return;
            }
        }
    }
}

/// Closes the recording in progress, if any, and keeps it as the session's.
async fn finish(recording: &Mutex<Option<Recording>>) {
    let finished = recording.lock().unwrap_or_else(|p| p.into_inner()).take();
    if let Some(finished) = finished {
        finished.finish().await;
    }
}
