//! The hand-over of frames from the screencast to the recording's feeder thread: a mailbox that
//! holds one frame, the latest. A new frame replaces the one waiting, so however far behind the
//! feeder falls, what it takes next is the newest picture and the video never ends on a stale one.

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// What the feeder finds when it looks.
#[derive(Debug, PartialEq, Eq)]
pub enum Delivery<T> {
    Frame(T),
    Nothing,
    Closed,
}

pub struct Mailbox<T> {
    slot: Mutex<Slot<T>>,
    changed: Condvar,
}

struct Slot<T> {
    latest: Option<T>,
    closed: bool,
}

impl<T> Mailbox<T> {
    pub fn new() -> Mailbox<T> {
        Mailbox { slot: Mutex::new(Slot { latest: None, closed: false }), changed: Condvar::new() }
    }

    /// Leaves `frame` for the feeder, in place of one it has not taken yet.
    pub fn put(&self, frame: T) {
        let mut slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        slot.latest = Some(frame);
        self.changed.notify_one();
    }

    /// No more frames will come; the feeder still gets the one waiting.
    pub fn close(&self) {
        self.slot.lock().unwrap_or_else(|p| p.into_inner()).closed = true;
        self.changed.notify_one();
    }

    /// The latest frame, waiting up to `patience` for one.
    pub fn take(&self, patience: Duration) -> Delivery<T> {
        let deadline = Instant::now() + patience;
        let mut slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(frame) = slot.latest.take() {
                return Delivery::Frame(frame);
            }
            if slot.closed {
                return Delivery::Closed;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Delivery::Nothing;
            }
            slot = self.changed.wait_timeout(slot, left).unwrap_or_else(|p| p.into_inner()).0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_feeder_that_fell_behind_takes_the_newest_frame_and_then_learns_the_end() {
        let mailbox = Mailbox::new();
        for frame in 1..=20 {
            mailbox.put(frame);
        }
        assert_eq!(mailbox.take(Duration::ZERO), Delivery::Frame(20));
        assert_eq!(mailbox.take(Duration::from_millis(10)), Delivery::Nothing);
        mailbox.put(21);
        mailbox.close();
        assert_eq!(mailbox.take(Duration::ZERO), Delivery::Frame(21), "the last frame outlives the close");
        assert_eq!(mailbox.take(Duration::from_secs(5)), Delivery::Closed);
    }
}
