//! The live view's messages, JSON text over the WebSocket.
//!
//! From the appliance: `hello` (the viewer's id, the run's status, who holds control), `frame`
//! (a JPEG in base64 with its size, the page's URL, Chromium's capture time and the appliance's
//! receipt time in ms since the Unix epoch, and a sequence number whose gaps count the frames this viewer skipped), `status`, `control`,
//! `error` and, when the run is over, `end` before the socket closes. A browser session's live
//! view says `hello` with its `session_id` and `turn` whenever a run takes or gives back the
//! session's turn (`run_id`, null when no run holds it), and `end` with the session's status.
//! From a viewer: `ack` with the `sequence` of each frame it has drawn (see `pacing`),
//! `take_control`, `release_control`, and while it holds control the input of
//! `browser::PersonInput` (`mouse`, `wheel`, `key`, `text`, `navigate`, `back`, `forward`, `reload`).

use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

use super::control::{ControlState, Viewer};
use crate::browser::{PersonInput, ScreencastFrame};
use crate::runs::RunStatus;

/// A frame as viewers receive it; its message is written once, whatever the number of viewers.
pub struct LiveFrame {
    pub sequence: u64,
    pub frame: ScreencastFrame,
    message: OnceLock<Arc<str>>,
}

impl LiveFrame {
    pub fn new(sequence: u64, frame: ScreencastFrame) -> LiveFrame {
        LiveFrame { sequence, frame, message: OnceLock::new() }
    }

    pub fn message(&self) -> Arc<str> {
        self.message
            .get_or_init(|| {
                let frame = &self.frame;
                let message = ToViewer::Frame {
                    sequence: self.sequence,
                    width: frame.width,
                    height: frame.height,
                    url: &frame.url,
                    timestamp: frame.captured_at_ms,
                    received_at: frame.received_at_ms,
                    data: &frame.jpeg_base64,
                };
                message.to_json().into()
            })
            .clone()
    }
}

/// A message to a viewer.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToViewer<'a> {
    Hello {
        run_id: &'a str,
        viewer_id: u64,
        status: RunStatus,
        control: &'a ControlState,
    },
    Frame {
        sequence: u64,
        width: u32,
        height: u32,
        url: &'a str,
        timestamp: f64,
        received_at: f64,
        data: &'a str,
    },
    Status {
        status: RunStatus,
    },
    Control {
        held_by: Option<&'a Viewer>,
        requested_by: Option<&'a Viewer>,
        you_hold_control: bool,
    },
    Error {
        message: &'a str,
    },
    End {
        status: RunStatus,
        recording_url: Option<&'a str>,
    },
    #[serde(rename = "hello")]
    SessionHello {
        session_id: &'a str,
        viewer_id: u64,
        status: &'a str,
        run_id: Option<&'a str>,
        control: &'a ControlState,
    },
    /// Which run holds a session's turn (none: the page is the viewers' to watch and drive).
    Turn {
        run_id: Option<&'a str>,
    },
    #[serde(rename = "end")]
    SessionEnd {
        status: &'a str,
    },
}

impl ToViewer<'_> {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A message from a viewer.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromViewer {
    /// The viewer has drawn the frame `sequence`.
    Ack {
        sequence: u64,
    },
    TakeControl,
    ReleaseControl,
    #[serde(untagged)]
    Input(PersonInput),
}

impl FromViewer {
    /// Reads a message; the error says what is wrong with it.
    pub fn parse(text: &str) -> Result<FromViewer, String> {
        serde_json::from_str(text).map_err(|error| {
            format!(
                "not a live view message ({error}); send ack, take_control, release_control, or while you \
                 hold control mouse, wheel, key, text, navigate, back, forward or reload"
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viewer_messages_are_read_by_their_type() {
        assert!(matches!(FromViewer::parse(r#"{"type":"take_control"}"#), Ok(FromViewer::TakeControl)));
        assert!(matches!(FromViewer::parse(r#"{"type":"ack","sequence":7}"#), Ok(FromViewer::Ack { sequence: 7 })));
        let click = r#"{"type":"mouse","event":"pressed","x":10,"y":20}"#;
        assert!(matches!(FromViewer::parse(click), Ok(FromViewer::Input(PersonInput::Mouse { .. }))));
        assert!(FromViewer::parse(r#"{"type":"mouse","event":"pressed"}"#).is_err(), "a click needs a place");
        assert!(FromViewer::parse(r#"{"type":"teleport"}"#).is_err());
        assert!(FromViewer::parse("not json").is_err());
    }
}
