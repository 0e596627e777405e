//! A browser session's CDP endpoint: `GET /cdp/{session_id}/{token}` upgrades to a WebSocket that
//! passes CDP messages to and from the session's own Chromium, for clients that drive it
//! themselves (Playwright's `connect_over_cdp`). Only with `sessions.expose_cdp`; the token, in
//! the session's `browser_address`, is what authenticates (a CDP client sends no API key), so an
//! unknown session and a wrong token get the same 404. The connection ends with the session.
//!
//! The session's Chromium serves no other run while the session lasts (the pool gives each slot a
//! process of its own), so the client sees the session's tabs only.

use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::AggregatedMessage;
use futures::StreamExt;

use super::AppState;
use super::error::{ApiError, Code, ErrorBody};
use super::routes::Routes;
use crate::browser::cdp_link::{self, CdpMessage};
use crate::ids::SessionId;

#[utoipa::path(
    get,
    path = "/cdp/{browser_session_id}/{token}",
    tag = "browser sessions",
    summary = "A browser session's CDP endpoint (WebSocket)",
    description = "Authenticated by the token in the session's `browser_address`, not by an API key; only with `sessions.expose_cdp`.",
    params(
        ("browser_session_id" = String, Path, description = "The browser session's id"),
        ("token" = String, Path, description = "The token in its `browser_address`"),
    ),
    responses(
        (status = 101, description = "Switched to a WebSocket that carries CDP messages to and from the session's Chromium"),
        (status = 400, description = "Not a WebSocket upgrade", body = ErrorBody),
        (status = 404, description = "No such endpoint", body = ErrorBody),
    ),
)]
async fn cdp_endpoint(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    request: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let (session, token) = path.into_inner();
    let no_such = || ApiError::not_found("a CDP endpoint at this address");
    let id = SessionId::parse(&session).map_err(|_| no_such())?;
    let address = state.sessions.cdp_address(&id, &token).ok_or_else(no_such)?;
    let mut link = cdp_link::connect(&address).await.map_err(|error| ApiError::internal(&error))?;
    let (response, mut client, messages) = actix_ws::handle(&request, body).map_err(|error| {
        ApiError::new(Code::NotWebSocket, format!("the CDP endpoint is a WebSocket; connect with an upgrade ({error})"))
    })?;
    let mut messages = messages
        .max_frame_size(cdp_link::MAX_MESSAGE_BYTES)
        .aggregate_continuations()
        .max_continuation_size(cdp_link::MAX_MESSAGE_BYTES);
    let sessions = state.sessions.clone();
    actix_web::rt::spawn(async move {
        let ending = sessions.ending(&id);
        tokio::pin!(ending);
        loop {
            let going_on = tokio::select! {
                () = &mut ending => false,
                message = messages.next() => match message {
                    Some(Ok(AggregatedMessage::Text(text))) => {
                        link.to_browser.send(CdpMessage::Text(text.to_string())).await.is_ok()
                    }
                    Some(Ok(AggregatedMessage::Binary(bytes))) => {
                        link.to_browser.send(CdpMessage::Binary(bytes.to_vec())).await.is_ok()
                    }
                    Some(Ok(AggregatedMessage::Ping(bytes))) => client.pong(&bytes).await.is_ok(),
                    Some(Ok(AggregatedMessage::Pong(_))) => true,
                    Some(Ok(AggregatedMessage::Close(_)) | Err(_)) | None => false,
                },
                message = link.from_browser.recv() => match message {
                    Some(CdpMessage::Text(text)) => client.text(text).await.is_ok(),
                    Some(CdpMessage::Binary(bytes)) => client.binary(bytes).await.is_ok(),
                    None => false,
                },
            };
            if !going_on {
                break;
            }
        }
        let _ = client.close(None).await;
    });
    Ok(response)
}

pub(super) fn routes(routes: &mut Routes) {
    routes.add(__path_cdp_endpoint, cdp_endpoint);
}
