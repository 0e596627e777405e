//! Admission: how many runs may hold a browser at once, and where each one's browser is.
//!
//! The pool's slots are the local ones (`browser.pool_size`, one warm Chromium each) and those of
//! each remote endpoint. A run takes a local slot while one is free, then one on the remote
//! endpoint with the fewest runs among those that answer; an endpoint that is down takes none.
//! A slot frees when its `Slot` is dropped, which wakes every waiter to look again.

use std::pin::pin;
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

/// Where a slot's browser is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Place {
    Local,
    /// The remote endpoint at this index of `browser.remote`.
    Remote(usize),
}

/// The right to drive one browser; the slot frees when this is dropped.
pub struct Slot {
    pub(super) place: Place,
    slots: Arc<Slots>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.slots.release(self.place);
    }
}

/// How many runs one place takes and holds.
#[derive(Debug, Clone, Copy)]
pub(super) struct Usage {
    pub capacity: usize,
    pub busy: usize,
    /// Whether it takes new runs (a remote endpoint that answered its last check).
    pub up: bool,
}

impl Usage {
    fn has_room(&self) -> bool {
        self.up && self.busy < self.capacity
    }
}

pub(super) struct Slots {
    usage: Mutex<Usages>,
    freed: Notify,
}

struct Usages {
    local: Usage,
    remote: Vec<Usage>,
}

impl Slots {
    /// Remote endpoints start down, until their first check.
    pub fn new(local: usize, remote: &[usize]) -> Arc<Slots> {
        let remote = remote.iter().map(|&capacity| Usage { capacity, busy: 0, up: false }).collect();
        Arc::new(Slots {
            usage: Mutex::new(Usages { local: Usage { capacity: local, busy: 0, up: true }, remote }),
            freed: Notify::new(),
        })
    }

    /// Waits until a place has room, and takes a slot there.
    pub async fn acquire(self: &Arc<Self>) -> Slot {
        loop {
            let mut freed = pin!(self.freed.notified());
            freed.as_mut().enable();
            if let Some(place) = self.take() {
                return Slot { place, slots: self.clone() };
            }
            freed.await;
        }
    }

    fn take(&self) -> Option<Place> {
        let mut usage = self.lock();
        if usage.local.has_room() {
            usage.local.busy += 1;
            return Some(Place::Local);
        }
        let (index, remote) =
            usage.remote.iter_mut().enumerate().filter(|(_, usage)| usage.has_room()).min_by_key(|(_, u)| u.busy)?;
        remote.busy += 1;
        Some(Place::Remote(index))
    }

    fn release(&self, place: Place) {
        let mut usage = self.lock();
        let freed = match place {
            Place::Local => &mut usage.local,
            Place::Remote(index) => &mut usage.remote[index],
        };
        freed.busy = freed.busy.saturating_sub(1);
        drop(usage);
        self.freed.notify_waiters();
    }

    /// Marks a remote endpoint as taking runs or not; returns whether that changed.
    pub fn set_up(&self, index: usize, up: bool) -> bool {
        let mut usage = self.lock();
        let changed = usage.remote[index].up != up;
        usage.remote[index].up = up;
        drop(usage);
        if changed && up {
            self.freed.notify_waiters();
        }
        changed
    }

    pub fn local(&self) -> Usage {
        self.lock().local
    }

    pub fn remote(&self) -> Vec<Usage> {
        self.lock().remote.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Usages> {
        self.usage.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn local_slots_go_first_then_the_least_busy_endpoint_that_is_up() {
        let slots = Slots::new(1, &[2, 2, 2]);
        slots.set_up(1, true);
        slots.set_up(2, true);
        let local = slots.acquire().await;
        assert_eq!(local.place, Place::Local);
        let first = slots.acquire().await;
        let second = slots.acquire().await;
        assert_eq!([first.place, second.place], [Place::Remote(1), Place::Remote(2)], "endpoint 0 is down");
        drop(local);
        assert_eq!(slots.acquire().await.place, Place::Local, "a freed local slot is taken again");
    }

    #[tokio::test]
    async fn a_waiter_gets_a_slot_when_one_frees_or_an_endpoint_comes_up() {
        let slots = Slots::new(0, &[1]);
        let waiting = tokio::spawn({
            let slots = slots.clone();
            async move { slots.acquire().await.place }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiting.is_finished(), "no slot while the only endpoint is down");
        slots.set_up(0, true);
        let place = tokio::time::timeout(Duration::from_secs(5), waiting).await.unwrap().unwrap();
        assert_eq!(place, Place::Remote(0));
        assert_eq!(slots.remote()[0].busy, 0, "the waiter's slot was dropped with its task");
        let held = slots.acquire().await;
        let next = tokio::spawn({
            let slots = slots.clone();
            async move { slots.acquire().await.place }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!next.is_finished(), "the endpoint's one slot is held");
        drop(held);
        assert_eq!(tokio::time::timeout(Duration::from_secs(5), next).await.unwrap().unwrap(), Place::Remote(0));
    }
}
