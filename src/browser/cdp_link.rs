//! A raw CDP connection to a browser, for a client of the appliance that drives a browser
//! session itself: messages pass through unread, in both directions, until either side closes.

use async_tungstenite::tungstenite::Message;
use futures::StreamExt;
use tokio::sync::mpsc;

use super::BrowserError;

/// Messages on their way, each direction.
const QUEUED: usize = 256;
/// The largest message either side may send (a full-page screenshot in base64 is a few MB).
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// One CDP message (CDP speaks JSON text; binary is passed on as it came).
#[derive(Debug)]
pub enum CdpMessage {
    Text(String),
    Binary(Vec<u8>),
}

/// Both directions of a connection to a browser's CDP endpoint; dropping `to_browser` closes it.
pub struct CdpLink {
    pub to_browser: mpsc::Sender<CdpMessage>,
    pub from_browser: mpsc::Receiver<CdpMessage>,
}

/// Connects to the CDP WebSocket at `address` (a browser's own, `ws://127.0.0.1:…`).
pub async fn connect(address: &str) -> Result<CdpLink, BrowserError> {
    let mut config = async_tungstenite::tungstenite::protocol::WebSocketConfig::default();
    config.max_message_size = Some(MAX_MESSAGE_BYTES);
    config.max_frame_size = Some(MAX_MESSAGE_BYTES);
    let (socket, _) = async_tungstenite::tokio::connect_async_with_config(address, Some(config))
        .await
        .map_err(|e| BrowserError::Cdp(format!("cannot reach the browser's CDP endpoint: {e}")))?;
    let (mut sink, mut stream) = socket.split();
    let (to_browser, mut outgoing) = mpsc::channel::<CdpMessage>(QUEUED);
    let (incoming, from_browser) = mpsc::channel::<CdpMessage>(QUEUED);
    tokio::spawn(async move {
        loop {
            tokio::select! {
                message = outgoing.recv() => {
                    let sent = match message {
                        Some(CdpMessage::Text(text)) => sink.send(Message::text(text)).await,
                        Some(CdpMessage::Binary(bytes)) => sink.send(Message::binary(bytes)).await,
                        None => break,
                    };
                    if sent.is_err() {
                        break;
                    }
                }
                message = stream.next() => {
                    let passed = match message {
                        Some(Ok(Message::Text(text))) => CdpMessage::Text(text.as_str().to_owned()),
                        Some(Ok(Message::Binary(bytes))) => CdpMessage::Binary(bytes.to_vec()),
                        Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                        Some(Ok(_)) => continue,
                    };
                    if incoming.send(passed).await.is_err() {
                        break;
                    }
                }
            }
        }
        let _ = sink.close(None).await;
    });
    Ok(CdpLink { to_browser, from_browser })
}
