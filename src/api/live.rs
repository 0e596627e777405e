//! The live view: `GET /v1/runs/{id}/live` upgrades to a WebSocket (authenticated like every
//! `/v1` route) that streams the run's page and carries control requests and input; messages
//! are described in `live::messages`. `GET /v1/browser_sessions/{id}/live` is the same for a
//! browser session's page between its runs (see `sessions::attendant`): it says which run holds
//! the session's turn meanwhile (`turn`), and a request for control made then is granted once
//! that run is over.
//!
//! A viewer of a run still queued waits for it to start; a viewer of a finished run (or an ended
//! session) gets `end` at once. Each viewer has one task: it forwards frames as the viewer acknowledges them
//! (`live::Pacing`: the newest, at most two unacknowledged on their way),
//! status and control changes, and reads the viewer's messages; input goes to the page through
//! a queue of its own, so a slow navigation never holds up the frames. A viewer who goes away
//! gives control back.

use std::sync::Arc;
use std::time::Duration;

use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use actix_ws::{Message, MessageStream, Session};
use futures::StreamExt;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, mpsc};

use super::AppState;
use super::auth::{API_KEY_HEADER, Caller};
use super::error::{ApiError, Code, ErrorBody};
use super::path_ids::{RunPath, SessionPath};
use super::routes::Routes;
use crate::browser::PersonInput;
use crate::events::Event;
use crate::ids::RunId;
use crate::live::{ControlState, FromViewer, LiveFrame, LiveRun, Pacing, ToViewer, Viewer};
use crate::metrics::Watched;
use crate::views::recording_url;

/// Input a viewer may send ahead of the page.
const INPUT_AHEAD: usize = 64;
/// How long the last messages to a viewer who does not read may take.
const FAREWELL_PATIENCE: Duration = Duration::from_secs(2);
/// The largest message a viewer may send.
const MAX_MESSAGE_BYTES: usize = 64 * 1024;

#[utoipa::path(
    get,
    path = "/v1/runs/{run_id}/live",
    tag = "events",
    summary = "A run's live view (WebSocket)",
    params(RunPath),
    responses(
        (status = 101, description = "Switched to a WebSocket: frames, status and control changes to the viewer; acknowledgements, control requests and input from it"),
        (status = 400, description = "Not a WebSocket upgrade", body = ErrorBody),
        (status = 403, description = "Opened from another site", body = ErrorBody),
        (status = 404, description = "No such run", body = ErrorBody),
    ),
)]
async fn live_view(
    state: web::Data<AppState>,
    path: web::Path<RunPath>,
    request: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    refuse_other_sites(&request)?;
    let run = state.store.run(&path.id()?).await?;
    let (response, viewer, socket, messages) = connect(&state, &request, body)?;
    actix_web::rt::spawn(watch(state.into_inner(), run.id, viewer, socket, messages));
    Ok(response)
}

#[utoipa::path(
    get,
    path = "/v1/browser_sessions/{browser_session_id}/live",
    tag = "events",
    summary = "A browser session's live view (WebSocket)",
    params(SessionPath),
    responses(
        (status = 101, description = "Switched to a WebSocket: frames, status and control changes to the viewer; acknowledgements, control requests and input from it"),
        (status = 400, description = "Not a WebSocket upgrade", body = ErrorBody),
        (status = 403, description = "Opened from another site", body = ErrorBody),
        (status = 404, description = "No such browser session", body = ErrorBody),
    ),
)]
async fn session_live_view(
    state: web::Data<AppState>,
    path: web::Path<SessionPath>,
    request: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    refuse_other_sites(&request)?;
    let session = state.store.session(&path.id()?).await?;
    let (response, viewer, socket, messages) = connect(&state, &request, body)?;
    actix_web::rt::spawn(watch_session(state.into_inner(), session, viewer, socket, messages));
    Ok(response)
}

/// Upgrades the request to a WebSocket: the answer, and the new viewer named after its API key.
fn connect(
    state: &AppState,
    request: &HttpRequest,
    body: web::Payload,
) -> Result<(HttpResponse, Viewer, Session, MessageStream), ApiError> {
    let name = request.extensions().get::<Caller>().map(|caller| caller.key_name.clone()).unwrap_or_default();
    let (response, socket, messages) = actix_ws::handle(request, body).map_err(|error| {
        ApiError::new(Code::NotWebSocket, format!("the live view is a WebSocket; connect with an upgrade ({error})"))
    })?;
    Ok((response, state.live.new_viewer(name), socket, messages.max_frame_size(MAX_MESSAGE_BYTES)))
}

pub(super) fn routes(routes: &mut Routes) {
    routes.add(__path_live_view, live_view).add(__path_session_live_view, session_live_view);
}

/// A browser sends the login cookie with a WebSocket opened by any page; only the appliance's
/// own pages may use it (a client with the `x-api-key` header is no browser page).
fn refuse_other_sites(request: &HttpRequest) -> Result<(), ApiError> {
    let headers = request.headers();
    if headers.contains_key(API_KEY_HEADER) {
        return Ok(());
    }
    let Some(origin) = headers.get("origin").and_then(|origin| origin.to_str().ok()) else { return Ok(()) };
    let origin_host = url::Url::parse(origin).ok().map(|url| match url.port() {
        Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_owned(),
    });
    let host = headers.get("host").and_then(|host| host.to_str().ok());
    if origin_host.is_some() && origin_host.as_deref() == host {
        Ok(())
    } else {
        Err(ApiError::new(Code::OtherSite, "the live view opens only from the appliance's own pages"))
    }
}

/// One viewer's connection, from hello to end.
async fn watch(state: Arc<AppState>, run_id: RunId, viewer: Viewer, mut session: Session, mut messages: MessageStream) {
    let _counted = state.metrics.viewer_connected(Watched::Run);
    let mut statuses = state.store.subscribe_events();
    let mut connection = Connection { state: &state, viewer: &viewer, session: session.clone() };
    let over = match connection.until_live(&run_id, &mut statuses, &mut messages).await {
        Ok(live) => {
            let mut news = RunNews { run_id: &run_id, statuses: &mut statuses };
            let over = connection.follow(&live, &mut news, &mut messages).await;
            live.control.release(viewer.id);
            over
        }
        Err(over) => over,
    };
    if over == Over::Ended {
        let farewell = async {
            if let Ok(run) = state.store.run(&run_id).await {
                let artifacts = state.store.run_artifacts(&run_id, Vec::new()).await.unwrap_or_default();
                let recording = recording_url(&artifacts, &state.links);
                let end = ToViewer::End { status: run.status, recording_url: recording.as_deref() };
                let _ = session.text(end.to_json()).await;
            }
            let _ = session.close(None).await;
        };
        let _ = tokio::time::timeout(FAREWELL_PATIENCE, farewell).await;
    }
}

/// One viewer's connection to a browser session's live view, from hello to end.
async fn watch_session(
    state: Arc<AppState>,
    stored: crate::sessions::Session,
    viewer: Viewer,
    mut socket: Session,
    mut messages: MessageStream,
) {
    let _counted = state.metrics.viewer_connected(Watched::Session);
    let session_id = stored.id;
    let mut connection = Connection { state: &state, viewer: &viewer, session: socket.clone() };
    let view = state.sessions.watch(&session_id).ok();
    let control = view.as_ref().map(|view| view.live.control.watch().borrow().clone()).unwrap_or_default();
    let holder = view.as_ref().and_then(|view| view.turn.borrow().clone());
    let status = if view.is_some() { "running" } else { stored.status.as_str() };
    let hello = ToViewer::SessionHello {
        session_id: session_id.as_str(),
        viewer_id: viewer.id,
        status,
        run_id: holder.as_ref().map(RunId::as_str),
        control: &control,
    };
    let over = match view {
        Some(view) if connection.send(&hello).await => {
            let mut news = SessionNews { turn: view.turn.clone() };
            let over = connection.follow(&view.live, &mut news, &mut messages).await;
            view.live.control.release(viewer.id);
            over
        }
        Some(_) => Over::ViewerGone,
        None => {
            if connection.send(&hello).await {
                Over::Ended
            } else {
                Over::ViewerGone
            }
        }
    };
    if over == Over::Ended {
        let farewell = async {
            if let Ok(ended) = state.store.session(&session_id).await {
                let _ = socket.text(ToViewer::SessionEnd { status: ended.status.as_str() }.to_json()).await;
            }
            let _ = socket.close(None).await;
        };
        let _ = tokio::time::timeout(FAREWELL_PATIENCE, farewell).await;
    }
}

/// Why a connection stops.
#[derive(Debug, PartialEq, Eq)]
enum Over {
    /// The run reached a final status (or the session ended): the viewer is told, then
    /// disconnected.
    Ended,
    /// The viewer left, or cannot be written to.
    ViewerGone,
}

/// What a live view tells its viewers besides frames and control: a run's statuses, or which
/// run holds a session's turn.
trait News {
    /// The next message to send (none: nothing to say this time); `Err` once no more will come.
    async fn next(&mut self) -> Result<Option<String>, ()>;
}

struct RunNews<'a> {
    run_id: &'a RunId,
    statuses: &'a mut broadcast::Receiver<Arc<Event>>,
}

impl News for RunNews<'_> {
    async fn next(&mut self) -> Result<Option<String>, ()> {
        match self.statuses.recv().await.as_deref().map(|event| event.status_change_of(self.run_id)) {
            Ok(Some(status)) if !status.is_terminal() => Ok(Some(ToViewer::Status { status }.to_json())),
            Ok(_) | Err(RecvError::Lagged(_)) => Ok(None),
            Err(RecvError::Closed) => Err(()),
        }
    }
}

struct SessionNews {
    turn: tokio::sync::watch::Receiver<Option<RunId>>,
}

impl News for SessionNews {
    async fn next(&mut self) -> Result<Option<String>, ()> {
        self.turn.changed().await.map_err(drop)?;
        let holder = self.turn.borrow_and_update().clone();
        Ok(Some(ToViewer::Turn { run_id: holder.as_ref().map(RunId::as_str) }.to_json()))
    }
}

struct Connection<'a> {
    state: &'a AppState,
    viewer: &'a Viewer,
    session: Session,
}

/// What came from the viewer.
enum Incoming {
    Message(FromViewer),
    Invalid(String),
    Ping(actix_web::web::Bytes),
    Nothing,
    Gone,
}

impl Connection<'_> {
    async fn send(&mut self, message: &ToViewer<'_>) -> bool {
        self.session.text(message.to_json()).await.is_ok()
    }

    /// Says hello and waits until the run can be watched.
    async fn until_live(
        &mut self,
        run_id: &RunId,
        statuses: &mut broadcast::Receiver<Arc<Event>>,
        messages: &mut MessageStream,
    ) -> Result<Arc<LiveRun>, Over> {
        let mut opened = self.state.live.watch_opened();
        let status = self.state.store.run(run_id).await.map_err(|_| Over::ViewerGone)?.status;
        let live = self.state.live.get(run_id);
        let control = live.as_ref().map(|live| live.control.watch().borrow().clone()).unwrap_or_default();
        let hello = ToViewer::Hello { run_id: run_id.as_str(), viewer_id: self.viewer.id, status, control: &control };
        if !self.send(&hello).await {
            return Err(Over::ViewerGone);
        }
        if status.is_terminal() {
            return Err(Over::Ended);
        }
        loop {
            if let Some(live) = self.state.live.get(run_id) {
                return Ok(live);
            }
            let going_on = tokio::select! {
                changed = opened.changed() => changed.is_ok(),
                change = statuses.recv() => match change.as_deref().map(|event| event.status_change_of(run_id)) {
                    Ok(Some(status)) => {
                        if status.is_terminal() {
                            return Err(Over::Ended);
                        }
                        self.send(&ToViewer::Status { status }).await
                    }
                    Ok(None) | Err(RecvError::Lagged(_)) => true,
                    Err(RecvError::Closed) => false,
                },
                incoming = read(messages) => match incoming {
                    Incoming::Message(_) => {
                        let message = "the run has not started yet: control can be taken once it runs";
                        self.send(&ToViewer::Error { message }).await
                    }
                    other => self.answer(other).await,
                },
            };
            if !going_on {
                return Err(Over::ViewerGone);
            }
        }
    }

    /// Answers what is not a request: pings, unreadable messages, a goodbye (false).
    async fn answer(&mut self, incoming: Incoming) -> bool {
        match incoming {
            Incoming::Gone => false,
            Incoming::Nothing | Incoming::Message(_) => true,
            Incoming::Ping(bytes) => self.session.pong(&bytes).await.is_ok(),
            Incoming::Invalid(message) => self.send(&ToViewer::Error { message: &message }).await,
        }
    }

    /// Streams the live page until it ends or the viewer leaves.
    async fn follow(&mut self, live: &Arc<LiveRun>, news: &mut impl News, messages: &mut MessageStream) -> Over {
        let (latest, mut frames) = live.subscribe();
        let mut pacing = Pacing::default();
        if let Some(frame) = latest.and_then(|frame| pacing.offer(frame))
            && !self.send_frame(&frame).await
        {
            return Over::ViewerGone;
        }
        let mut control = live.control.watch();
        let input = self.input_queue(live);
        let streaming = async {
            loop {
                let overdue = pacing.overdue_at();
                let sent = tokio::select! {
                    frame = frames.recv() => match frame {
                        Ok(frame) => match pacing.offer(frame) {
                            Some(frame) => self.send_frame(&frame).await,
                            None => true,
                        },
                        // Fell behind: the next frame received is the newest kept.
                        Err(RecvError::Lagged(_)) => true,
                        Err(RecvError::Closed) => false,
                    },
                    () = sleep_until_some(overdue) => match pacing.overdue(tokio::time::Instant::now()) {
                        Some(frame) => self.send_frame(&frame).await,
                        None => true,
                    },
                    changed = control.changed() => {
                        let state = control.borrow_and_update().clone();
                        changed.is_ok() && self.send(&control_message(&state, self.viewer)).await
                    }
                    next = news.next() => match next {
                        Ok(Some(message)) => self.session.text(message).await.is_ok(),
                        Ok(None) => true,
                        Err(()) => false,
                    },
                    incoming = read(messages) => match incoming {
                        Incoming::Message(FromViewer::Ack { sequence }) => match pacing.acknowledge(sequence) {
                            Some(frame) => self.send_frame(&frame).await,
                            None => true,
                        },
                        Incoming::Message(message) => self.handle(live, message, &input).await,
                        other => self.answer(other).await,
                    },
                };
                if !sent {
                    return;
                }
            }
        };
        tokio::select! {
            _ = streaming => Over::ViewerGone,
            _ = live.ended() => Over::Ended,
        }
    }

    async fn send_frame(&mut self, frame: &LiveFrame) -> bool {
        self.session.text(frame.message().to_string()).await.is_ok()
    }

    /// Acts on a viewer's message; false when the viewer can no longer be written to.
    async fn handle(&mut self, live: &LiveRun, message: FromViewer, input: &mpsc::Sender<PersonInput>) -> bool {
        let refusal = match message {
            FromViewer::Ack { .. } => None,
            FromViewer::TakeControl => live.control.request(self.viewer).err().map(|refused| refused.to_string()),
            FromViewer::ReleaseControl => {
                (!live.control.release(self.viewer.id)).then(|| "you neither hold nor asked for control".to_owned())
            }
            FromViewer::Input(event) if live.control.is_held_by(self.viewer.id) => {
                input.try_send(event).err().map(|_| "too much input at once: this event was dropped".to_owned())
            }
            FromViewer::Input(_) => Some(
                "ignored: you do not hold control of this run (send take_control and wait until it is granted)"
                    .to_owned(),
            ),
        };
        match refusal {
            Some(message) => self.send(&ToViewer::Error { message: &message }).await,
            None => true,
        }
    }

    /// The queue of this viewer's input to the page, applied in order by a task of its own.
    fn input_queue(&self, live: &Arc<LiveRun>) -> mpsc::Sender<PersonInput> {
        let (sender, mut queued) = mpsc::channel::<PersonInput>(INPUT_AHEAD);
        let (live, viewer, mut session) = (live.clone(), self.viewer.clone(), self.session.clone());
        actix_web::rt::spawn(async move {
            while let Some(event) = queued.recv().await {
                if let Err(message) = live.forward(&viewer, event).await {
                    let _ = session.text(ToViewer::Error { message: &message }.to_json()).await;
                }
            }
        });
        sender
    }
}

fn control_message<'a>(state: &'a ControlState, viewer: &Viewer) -> ToViewer<'a> {
    ToViewer::Control {
        held_by: state.held_by.as_ref(),
        requested_by: state.requested_by.as_ref(),
        you_hold_control: state.held_by.as_ref().is_some_and(|holder| holder.id == viewer.id),
    }
}

/// Resolves at `at`, or never.
async fn sleep_until_some(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// The next message from the viewer.
async fn read(messages: &mut MessageStream) -> Incoming {
    match messages.next().await {
        Some(Ok(Message::Text(text))) => match FromViewer::parse(&text) {
            Ok(message) => Incoming::Message(message),
            Err(message) => Incoming::Invalid(message),
        },
        Some(Ok(Message::Ping(bytes))) => Incoming::Ping(bytes),
        Some(Ok(Message::Close(_))) | Some(Err(_)) | None => Incoming::Gone,
        Some(Ok(_)) => Incoming::Nothing,
    }
}
