//! Whose work a browser's own tasks log as. A browser's CDP connection and its pages' request
//! guards are tasks of the browser, started before any run takes it; while a run drives it,
//! what they log belongs to that run. `LogSpan` holds the span of whoever drives the browser now
//! (a run's `run` span, with its id; none between runs), and those tasks log within it.

use std::future::Future;
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::task::Poll;

use tracing::Span;

#[derive(Clone)]
pub struct LogSpan {
    current: Arc<Mutex<Span>>,
}

impl Default for LogSpan {
    fn default() -> LogSpan {
        LogSpan { current: Arc::new(Mutex::new(Span::none())) }
    }
}

impl LogSpan {
    /// From now on, the browser's tasks log within `span`.
    pub fn set(&self, span: Span) {
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) = span;
    }

    fn current(&self) -> Span {
        self.current.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Runs `work`, each step of it within the span set at that moment.
    pub async fn within<F: Future>(self, work: F) -> F::Output {
        let mut work = pin!(work);
        std::future::poll_fn(|context| -> Poll<F::Output> {
            let span = self.current();
            let _entered = span.enter();
            work.as_mut().poll(context)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_task_logs_within_the_span_set_when_it_wakes() {
        // On tokio's test runtime the task runs on this thread, under this subscriber.
        let _subscriber = tracing::subscriber::set_default(tracing_subscriber::registry());
        let log_span = LogSpan::default();
        let (wake, woken) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(log_span.clone().within(async move {
            let before = Span::current().metadata().map(|m| m.name());
            let _ = woken.await;
            (before, Span::current().metadata().map(|m| m.name()))
        }));
        tokio::task::yield_now().await;
        log_span.set(tracing::info_span!("run"));
        wake.send(()).unwrap();
        let (before, after) = task.await.unwrap();
        assert_eq!(before, None, "no span was set when it started");
        assert_eq!(after, Some("run"));
    }
}
