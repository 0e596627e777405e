//! Following the event log from a point: first what the table holds after it, then each event
//! as it is committed, with a heartbeat while nothing happens.
//!
//! The follower subscribes to the store's live events before it reads the table, and passes on
//! only ids above the last one it passed on, so the switch from table to live loses nothing and
//! repeats nothing. A follower that falls so far behind that the live events it has not taken
//! were dropped for it is not buffered further: it ends with `Lagged`, saying where to resume.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use futures::Stream;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::time::{Instant, Interval};

use super::{Event, EventFilter};
use crate::store::Store;

/// How many events one read of the table takes.
const PAGE: usize = 500;

/// What a follower receives.
#[derive(Debug, Clone)]
pub enum Followed {
    Event(Arc<Event>),
    /// Nothing happened for a heartbeat's interval.
    Heartbeat,
    /// The follower stops here; it resumes after `resume_after`.
    Lagged {
        resume_after: i64,
        reason: String,
    },
}

struct Follower {
    store: Store,
    filter: EventFilter,
    /// The id of the last event passed on (or read from the table to be passed on).
    cursor: i64,
    live: broadcast::Receiver<Arc<Event>>,
    backlog: VecDeque<Arc<Event>>,
    caught_up: bool,
    heartbeat: Interval,
    over: bool,
}

/// The events matching `filter` after the event `after`, then live ones, without end.
pub fn follow(store: Store, filter: EventFilter, after: i64, heartbeat: Duration) -> impl Stream<Item = Followed> {
    let follower = Follower {
        live: store.subscribe_events(),
        store,
        filter,
        cursor: after,
        backlog: VecDeque::new(),
        caught_up: false,
        heartbeat: tokio::time::interval_at(Instant::now() + heartbeat, heartbeat),
        over: false,
    };
    futures::stream::unfold(follower, |mut follower| async move {
        let next = follower.next().await?;
        Some((next, follower))
    })
}

impl Follower {
    async fn next(&mut self) -> Option<Followed> {
        if self.over {
            return None;
        }
        loop {
            if let Some(event) = self.backlog.pop_front() {
                self.heartbeat.reset();
                return Some(Followed::Event(event));
            }
            if !self.caught_up {
                if let Err(reason) = self.read_table().await {
                    return Some(self.stop(reason));
                }
                continue;
            }
            tokio::select! {
                received = self.live.recv() => match received {
                    Ok(event) if event.id > self.cursor && self.filter.matches(&event) => {
                        self.cursor = event.id;
                        self.heartbeat.reset();
                        return Some(Followed::Event(event));
                    }
                    Ok(_) => {}
                    Err(RecvError::Lagged(missed)) => {
                        return Some(self.stop(format!("the client fell {missed} events behind the live stream")));
                    }
                    Err(RecvError::Closed) => return None,
                },
                _ = self.heartbeat.tick() => return Some(Followed::Heartbeat),
            }
        }
    }

    /// Reads the next page of the table after the cursor into the backlog.
    async fn read_table(&mut self) -> Result<(), String> {
        let page = self.store.events(self.filter.clone(), self.cursor, PAGE).await.map_err(|error| {
            tracing::warn!(%error, "the event log could not be read for a follower");
            "the event log could not be read".to_owned()
        })?;
        self.caught_up = page.len() < PAGE;
        if let Some(last) = page.last() {
            self.cursor = last.id;
        }
        self.backlog.extend(page.into_iter().map(Arc::new));
        Ok(())
    }

    fn stop(&mut self, reason: String) -> Followed {
        self.over = true;
        Followed::Lagged { resume_after: self.cursor, reason }
    }
}
