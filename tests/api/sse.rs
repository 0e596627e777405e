//! A Server-Sent Events client for the tests: reads a stream frame by frame, as a browser's
//! `EventSource` would, with a timeout on every read.

use serde_json::Value;

use crate::helpers::{API_KEY, PATIENCE};

/// One frame of the stream.
#[derive(Debug, Clone, Default)]
pub struct Frame {
    pub id: Option<i64>,
    pub event: Option<String>,
    pub data: Option<Value>,
    pub comment: Option<String>,
}

pub struct EventStream {
    response: reqwest::Response,
    buffer: String,
}

impl EventStream {
    /// Opens `path` on the appliance at `address` with the API key, after `last_event_id` if given.
    pub async fn open(address: &str, path: &str, last_event_id: Option<i64>) -> EventStream {
        let mut request = reqwest::Client::new()
            .get(format!("{address}{path}"))
            .header("accept", "text/event-stream")
            .header("x-api-key", API_KEY);
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id.to_string());
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200, "the stream opens");
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        EventStream { response, buffer: String::new() }
    }

    /// The next frame, or `None` when the stream ended.
    pub async fn next_frame(&mut self) -> Option<Frame> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let text: String = self.buffer.drain(..end + 2).collect();
                return Some(parse(&text));
            }
            let chunk =
                tokio::time::timeout(PATIENCE, self.response.chunk()).await.expect("a frame in time").unwrap()?;
            self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }

    /// The next frame that carries an event (skipping comments and the reconnection hint).
    pub async fn next_event(&mut self) -> Option<Value> {
        loop {
            let frame = self.next_frame().await?;
            if let Some(data) = frame.data {
                assert_eq!(frame.event, None, "events are plain messages: {data}");
                assert_eq!(frame.id, data["id"].as_i64(), "the frame's id is the event's");
                return Some(data);
            }
        }
    }

    /// Events until (and with) the first one `last` accepts.
    pub async fn events_until(&mut self, last: impl Fn(&Value) -> bool) -> Vec<Value> {
        let mut events = Vec::new();
        while let Some(event) = self.next_event().await {
            let done = last(&event);
            events.push(event);
            if done {
                return events;
            }
        }
        panic!("the stream ended before the awaited event: {events:?}");
    }
}

fn parse(text: &str) -> Frame {
    let mut frame = Frame::default();
    for line in text.lines() {
        if let Some(comment) = line.strip_prefix(':') {
            frame.comment = Some(comment.trim().to_owned());
        } else if let Some((field, value)) = line.split_once(": ") {
            match field {
                "id" => frame.id = Some(value.parse().unwrap()),
                "event" => frame.event = Some(value.to_owned()),
                "data" => frame.data = Some(serde_json::from_str(value).unwrap()),
                "retry" => {}
                other => panic!("unknown field {other} in {text:?}"),
            }
        }
    }
    frame
}
