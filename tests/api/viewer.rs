//! A live-view client for the tests: a WebSocket on a thread of its own, so a blocking read
//! never holds up the runtime the appliance runs on.

use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;
use tungstenite::client::IntoClientRequest;
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

use crate::helpers::{API_KEY, PATIENCE};

type Socket = WebSocket<MaybeTlsStream<TcpStream>>;

/// How a viewer takes the frames it reads.
#[derive(Clone, Copy)]
pub enum Drawing {
    /// Acknowledges each frame as soon as it arrives, as the UI does once it has drawn it.
    AtOnce,
    /// Takes this long to draw each frame before acknowledging it (a slow link or device).
    Taking(Duration),
    /// Never acknowledges.
    Never,
}

#[derive(Clone)]
pub struct Viewer {
    socket: Arc<Mutex<Socket>>,
    drawing: Drawing,
}

impl Viewer {
    /// Connects to the live view of `run_id` on the appliance at `address` (`http://…`), as a
    /// viewer that acknowledges every frame at once.
    pub async fn connect(address: &str, run_id: &str) -> Viewer {
        Self::connect_drawing(address, run_id, Drawing::AtOnce).await
    }

    pub async fn connect_drawing(address: &str, run_id: &str, drawing: Drawing) -> Viewer {
        Self::connect_to(address, &format!("/v1/runs/{run_id}/live"), drawing).await
    }

    /// Connects to the live view at `path` (a run's or a browser session's).
    pub async fn connect_to(address: &str, path: &str, drawing: Drawing) -> Viewer {
        let url = format!("{}{path}", address.replacen("http", "ws", 1));
        let socket = tokio::task::spawn_blocking(move || {
            let mut request = url.into_client_request().unwrap();
            request.headers_mut().insert("x-api-key", API_KEY.parse().unwrap());
            let (socket, _) = tungstenite::connect(request).expect("the live view accepts the connection");
            if let MaybeTlsStream::Plain(stream) = socket.get_ref() {
                stream.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
            }
            socket
        })
        .await
        .unwrap();
        Viewer { socket: Arc::new(Mutex::new(socket)), drawing }
    }

    pub async fn send(&self, message: Value) {
        let socket = self.socket.clone();
        tokio::task::spawn_blocking(move || socket.lock().unwrap().send(Message::text(message.to_string())).unwrap())
            .await
            .unwrap();
    }

    /// Reads messages until one satisfies `wanted`, returning it and those read before it;
    /// panics after `PATIENCE` or if the socket closes first.
    pub async fn read_until(
        &self,
        what: &str,
        wanted: impl Fn(&Value) -> bool + Send + 'static,
    ) -> (Value, Vec<Value>) {
        let (read, ended) = self.read_messages(PATIENCE, wanted).await;
        let mut read: Vec<Value> = read.into_iter().map(|(message, _)| message).collect();
        match ended {
            Ended::Wanted => {
                let message = read.pop().unwrap();
                (message, read)
            }
            Ended::Closed(error) => panic!("the live view closed before {what}: {error}; read {read:?}"),
            Ended::Waited => panic!("no {what} within {PATIENCE:?}"),
        }
    }

    /// Takes control of a run once it runs (its first frame says it does); returns the message
    /// that grants it.
    pub async fn take_control(&self) -> Value {
        self.read_until("a first frame", is_type("frame")).await;
        self.send(serde_json::json!({"type": "take_control"})).await;
        self.read_until("control granted", |m| m["you_hold_control"] == true).await.0
    }

    /// Reads for `span`; returns every message with the moment it arrived.
    pub async fn read_for(&self, span: Duration) -> Vec<(Value, SystemTime)> {
        self.read_messages(span, |_| false).await.0
    }

    /// Reads until the socket closes; returns everything read.
    pub async fn read_to_close(&self) -> Vec<Value> {
        let (read, ended) = self.read_messages(PATIENCE, |_| false).await;
        assert!(matches!(ended, Ended::Closed(_)), "the live view did not close within {PATIENCE:?}");
        read.into_iter().map(|(message, _)| message).collect()
    }

    /// Reads for `span`, until a message satisfies `wanted` (the last one returned) or the
    /// socket closes; returns the messages with the moments they arrived.
    async fn read_messages(
        &self,
        span: Duration,
        wanted: impl Fn(&Value) -> bool + Send + 'static,
    ) -> (Vec<(Value, SystemTime)>, Ended) {
        let (socket, drawing) = (self.socket.clone(), self.drawing);
        tokio::task::spawn_blocking(move || {
            let mut socket = socket.lock().unwrap();
            let deadline = Instant::now() + span;
            let mut read = Vec::new();
            while Instant::now() < deadline {
                match socket.read() {
                    Ok(Message::Text(text)) => {
                        let message: Value = serde_json::from_str(&text).unwrap();
                        let found = wanted(&message);
                        let arrived = SystemTime::now();
                        if message["type"] == "frame" {
                            let ack = serde_json::json!({"type": "ack", "sequence": message["sequence"]});
                            match drawing {
                                Drawing::AtOnce => socket.send(Message::text(ack.to_string())).unwrap_or(()),
                                Drawing::Taking(time) => {
                                    std::thread::sleep(time);
                                    socket.send(Message::text(ack.to_string())).unwrap_or(());
                                }
                                Drawing::Never => {}
                            }
                        }
                        read.push((message, arrived));
                        if found {
                            return (read, Ended::Wanted);
                        }
                    }
                    Ok(_) => {}
                    Err(tungstenite::Error::Io(e))
                        if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
                    Err(error) => return (read, Ended::Closed(error.to_string())),
                }
            }
            (read, Ended::Waited)
        })
        .await
        .unwrap()
    }
}

/// Why reading stopped.
enum Ended {
    Wanted,
    Closed(String),
    Waited,
}

pub fn is_type(kind: &'static str) -> impl Fn(&Value) -> bool + Send + 'static {
    move |message| message["type"] == kind
}
