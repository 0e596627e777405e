//! A webhook receiver, played inside the tests: a small HTTP server on a free port that keeps
//! every request's headers and exact body, and answers with the statuses it is told to (after a
//! delay, to play a slow receiver).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};

use crate::helpers::PATIENCE;

/// One request that reached the receiver.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
    /// The status the receiver answered with.
    pub answered: u16,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(String::as_str).unwrap_or_else(|| panic!("no {name} header: {:?}", self.headers))
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

struct State {
    log: Mutex<Vec<Received>>,
    /// Statuses to answer with first, in order.
    next_answers: Mutex<VecDeque<u16>>,
    /// The status once those are used up.
    answer: AtomicU16,
    delay: Duration,
}

pub struct Receiver {
    pub url: String,
    state: Arc<State>,
    _server: actix_web::dev::ServerHandle,
}

impl Receiver {
    /// A receiver that answers 200 at once.
    pub fn start() -> Receiver {
        Receiver::answering_after(Duration::ZERO)
    }

    /// A receiver that answers 200 after `delay`.
    pub fn answering_after(delay: Duration) -> Receiver {
        let state = Arc::new(State {
            log: Mutex::new(Vec::new()),
            next_answers: Mutex::new(VecDeque::new()),
            answer: AtomicU16::new(200),
            delay,
        });
        let shared = web::Data::from(state.clone());
        let (base, server) = crate::helpers::serve_locally(move |config| {
            config
                .app_data(shared.clone())
                .app_data(web::PayloadConfig::new(4 << 20))
                .default_service(web::to(receive));
        });
        Receiver { url: format!("{base}/hooks"), state, _server: server }
    }

    /// Answers with `statuses` first, in order, then with the usual answer.
    pub fn first_answer_with(&self, statuses: &[u16]) {
        self.state.next_answers.lock().unwrap().extend(statuses);
    }

    /// Answers every request from now on with `status`.
    pub fn answer_with(&self, status: u16) {
        self.state.answer.store(status, Ordering::SeqCst);
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.log.lock().unwrap().clone()
    }

    /// Waits until the requests received satisfy `done`; panics after `PATIENCE`.
    pub async fn wait_for(&self, what: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let received = self.received();
            if done(&received) {
                return received;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the receiver never got {what}; got {} requests",
                received.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits for the `count`-th request.
    pub async fn wait_for_requests(&self, count: usize) -> Vec<Received> {
        self.wait_for(&format!("{count} requests"), |received| received.len() >= count).await
    }
}

async fn receive(state: web::Data<State>, request: HttpRequest, body: web::Bytes) -> HttpResponse {
    tokio::time::sleep(state.delay).await;
    let answered =
        state.next_answers.lock().unwrap().pop_front().unwrap_or_else(|| state.answer.load(Ordering::SeqCst));
    let headers = request
        .headers()
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), value.to_str().unwrap_or_default().to_owned()))
        .collect();
    state.log.lock().unwrap().push(Received { headers, body: body.to_vec(), answered });
    HttpResponse::build(actix_web::http::StatusCode::from_u16(answered).unwrap()).body(format!("answered {answered}"))
}
