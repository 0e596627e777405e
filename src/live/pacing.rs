//! How frames go to one viewer. A viewer acknowledges each frame it has drawn (as CDP's
//! `screencastFrameAck` does); at most `IN_FLIGHT` frames it has not acknowledged are on their
//! way at any time, and a frame that cannot go yet waits, only the newest one kept. So a viewer on
//! a slow link is sent the newest picture whenever it is ready for one, and no socket buffer
//! fills with frames that grow older while they wait. A viewer that never acknowledges still gets
//! the newest frame once every `UNACKNOWLEDGED_PACE`.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::LiveFrame;

/// Frames a viewer may have on their way without having acknowledged them.
pub const IN_FLIGHT: usize = 2;
/// How often a viewer that does not acknowledge gets a frame.
pub const UNACKNOWLEDGED_PACE: Duration = Duration::from_secs(1);

/// One viewer's frames in flight and the frame waiting to go.
#[derive(Default)]
pub struct Pacing {
    unacknowledged: VecDeque<u64>,
    waiting: Option<Arc<LiveFrame>>,
    last_sent: Option<(u64, Instant)>,
}

impl Pacing {
    /// A new frame: the one to send now, if the viewer can take one.
    pub fn offer(&mut self, frame: Arc<LiveFrame>) -> Option<Arc<LiveFrame>> {
        if self.last_sent.is_some_and(|(sequence, _)| frame.sequence <= sequence) {
            return None;
        }
        self.waiting = Some(frame);
        self.release()
    }

    /// The viewer drew frame `sequence` (and so every frame before it): the waiting frame, if it
    /// can go now.
    pub fn acknowledge(&mut self, sequence: u64) -> Option<Arc<LiveFrame>> {
        self.unacknowledged.retain(|sent| *sent > sequence);
        self.release()
    }

    /// When the waiting frame goes even without acknowledgements.
    pub fn overdue_at(&self) -> Option<Instant> {
        self.waiting.as_ref()?;
        Some(self.last_sent.map_or_else(Instant::now, |(_, at)| at + UNACKNOWLEDGED_PACE))
    }

    /// The waiting frame, if it is overdue by `now`.
    pub fn overdue(&mut self, now: Instant) -> Option<Arc<LiveFrame>> {
        let due = self.overdue_at()?;
        (now >= due).then(|| self.send_waiting()).flatten()
    }

    fn release(&mut self) -> Option<Arc<LiveFrame>> {
        if self.unacknowledged.len() >= IN_FLIGHT {
            return None;
        }
        self.send_waiting()
    }

    fn send_waiting(&mut self) -> Option<Arc<LiveFrame>> {
        let frame = self.waiting.take()?;
        self.unacknowledged.push_back(frame.sequence);
        if self.unacknowledged.len() > IN_FLIGHT {
            self.unacknowledged.pop_front();
        }
        self.last_sent = Some((frame.sequence, Instant::now()));
        Some(frame)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::browser::ScreencastFrame;

    fn frame(sequence: u64) -> Arc<LiveFrame> {
        let picture = ScreencastFrame {
            jpeg: Arc::from(&b"jpeg"[..]),
            jpeg_base64: Arc::from("anBlZw=="),
            width: 1,
            height: 1,
            url: Arc::from("http://x/"),
            captured_at_ms: 0.0,
            received_at_ms: 0.0,
        };
        Arc::new(LiveFrame::new(sequence, picture))
    }

    fn sent(frame: Option<Arc<LiveFrame>>) -> Option<u64> {
        frame.map(|frame| frame.sequence)
    }

    #[test]
    fn at_most_two_frames_are_in_flight_and_an_acknowledgement_releases_the_newest() {
        let mut pacing = Pacing::default();
        assert_eq!(sent(pacing.offer(frame(1))), Some(1));
        assert_eq!(sent(pacing.offer(frame(2))), Some(2));
        for waiting in 3..=9 {
            assert_eq!(sent(pacing.offer(frame(waiting))), None, "frame {waiting} waits");
        }
        assert_eq!(sent(pacing.acknowledge(1)), Some(9), "the newest goes, the older ones never");
        assert_eq!(sent(pacing.acknowledge(1)), None, "nothing is waiting");
        assert_eq!(sent(pacing.offer(frame(10))), None, "2 and 9 are in flight");
        assert_eq!(sent(pacing.acknowledge(9)), Some(10), "an acknowledgement covers the frames before it");
        assert_eq!(sent(pacing.offer(frame(8))), None, "an older frame never follows a newer one");
    }

    #[test]
    fn a_viewer_that_never_acknowledges_gets_the_newest_frame_once_a_second() {
        let mut pacing = Pacing::default();
        pacing.offer(frame(1));
        pacing.offer(frame(2));
        pacing.offer(frame(3));
        assert_eq!(sent(pacing.overdue(Instant::now())), None);
        pacing.offer(frame(4));
        let a_second_later = Instant::now() + UNACKNOWLEDGED_PACE;
        assert_eq!(sent(pacing.overdue(a_second_later)), Some(4));
        assert!(pacing.overdue_at().is_none(), "nothing waits");
        pacing.offer(frame(5));
        assert_eq!(sent(pacing.overdue(a_second_later)), None, "the next one a second after that");
    }
}
