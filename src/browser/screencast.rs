//! The page as a stream of JPEG frames, for the live view and the recording.
//!
//! CDP's screencast sends a frame whenever the page repaints (nothing while it holds still) and
//! the next one only once the last is acknowledged. Each frame is acknowledged on arrival, so the
//! pace is Chromium's whatever the consumers do with it. The cast follows the tab the run acts in
//! and knows that tab's URL from its navigations.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use chromiumoxide::Page;
use chromiumoxide::cdp::browser_protocol::page::{
    EventFrameNavigated, EventNavigatedWithinDocument, EventScreencastFrame, ScreencastFrameAckParams,
    StartScreencastFormat, StartScreencastParams, StopScreencastParams,
};
use futures::StreamExt;

use super::{BrowserError, RunPage};

/// One picture of the page.
#[derive(Debug, Clone)]
pub struct ScreencastFrame {
    pub jpeg: Arc<[u8]>,
    /// The same JPEG in base64, as CDP sent it (what the live view forwards).
    pub jpeg_base64: Arc<str>,
    /// In pixels of the JPEG, which are the viewport's CSS pixels.
    pub width: u32,
    pub height: u32,
    /// The address of the page shown.
    pub url: Arc<str>,
    /// When Chromium drew it, in milliseconds since the Unix epoch (by Chromium's clock).
    pub captured_at_ms: f64,
    /// When the appliance received it, in milliseconds since the Unix epoch.
    pub received_at_ms: f64,
}

impl RunPage {
    /// Casts the page the run acts in to `on_frame`, JPEGs of `quality` (0-100), until the
    /// browser goes away.
    pub async fn screencast(&self, quality: u8, mut on_frame: impl FnMut(ScreencastFrame)) {
        let mut current = self.watch_current_tab();
        loop {
            let tab = current.borrow_and_update().clone();
            tokio::select! {
                ended = self.cast_tab(&tab, quality, &mut on_frame) => {
                    if let Err(error) = ended {
                        if matches!(error, BrowserError::Crashed) {
                            return;
                        }
                        tracing::warn!(%error, "the screencast of a tab stopped");
                    }
                    if current.changed().await.is_err() {
                        return;
                    }
                }
                changed = current.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    let _ = self.guard(tab.execute(StopScreencastParams::default())).await;
                }
            }
        }
    }

    /// Casts one tab until it closes or fails.
    async fn cast_tab(
        &self,
        tab: &Page,
        quality: u8,
        on_frame: &mut impl FnMut(ScreencastFrame),
    ) -> Result<(), BrowserError> {
        let mut frames = self.guard(tab.event_listener::<EventScreencastFrame>()).await?;
        let mut navigated = self.guard(tab.event_listener::<EventFrameNavigated>()).await?;
        let mut moved_within = self.guard(tab.event_listener::<EventNavigatedWithinDocument>()).await?;
        let main_frame = self.guard(tab.mainframe()).await?;
        let mut url: Arc<str> = self.guard(tab.url()).await?.unwrap_or_default().into();
        let viewport = self.settings();
        let start = StartScreencastParams::builder()
            .format(StartScreencastFormat::Jpeg)
            .quality(i64::from(quality.min(100)))
            .max_width(i64::from(viewport.viewport_width))
            .max_height(i64::from(viewport.viewport_height))
            .every_nth_frame(1)
            .build();
        self.guard(tab.execute(start)).await?;
        loop {
            tokio::select! {
                frame = frames.next() => {
                    let Some(frame) = frame else { return Ok(()) };
                    self.guard(tab.execute(ScreencastFrameAckParams::new(frame.session_id))).await?;
                    if let Some(frame) = decode(&frame, &url) {
                        on_frame(frame);
                    }
                }
                Some(event) = navigated.next() => {
                    if event.frame.parent_id.is_none() {
                        url = event.frame.url.as_str().into();
                    }
                }
                Some(event) = moved_within.next() => {
                    if Some(&event.frame_id) == main_frame.as_ref() {
                        url = event.url.as_str().into();
                    }
                }
            }
        }
    }
}

fn decode(frame: &EventScreencastFrame, url: &Arc<str>) -> Option<ScreencastFrame> {
    let base64: &str = frame.data.as_ref();
    let jpeg = base64::engine::general_purpose::STANDARD.decode(base64).ok()?;
    let (width, height) = jpeg_size(&jpeg)?;
    let received_at_ms = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0);
    let captured_at_ms = frame.metadata.timestamp.as_ref().map_or(received_at_ms, |t| t.inner() * 1000.0);
    Some(ScreencastFrame {
        jpeg: jpeg.into(),
        jpeg_base64: base64.into(),
        width,
        height,
        url: url.clone(),
        captured_at_ms,
        received_at_ms,
    })
}

/// The pixel size of a JPEG, from its start-of-frame segment.
pub fn jpeg_size(jpeg: &[u8]) -> Option<(u32, u32)> {
    if jpeg.get(..2)? != [0xFF, 0xD8] {
        return None;
    }
    let mut at = 2;
    loop {
        let (&[prefix, marker], rest) = jpeg.get(at..)?.split_first_chunk::<2>()?;
        if prefix != 0xFF {
            return None;
        }
        let length = usize::from(u16::from_be_bytes(*rest.first_chunk::<2>()?));
        // Start-of-frame markers, except the huffman (C4), arithmetic (CC) and JPG (C8) ones.
        if (0xC0..=0xCF).contains(&marker) && ![0xC4, 0xC8, 0xCC].contains(&marker) {
            let height = u16::from_be_bytes([*rest.get(3)?, *rest.get(4)?]);
            let width = u16::from_be_bytes([*rest.get(5)?, *rest.get(6)?]);
            return Some((u32::from(width), u32::from(height)));
        }
        at += 2 + length;
    }
}

#[cfg(test)]
mod tests {
    use super::jpeg_size;

    #[test]
    fn the_size_of_a_jpeg_is_read_from_its_frame_header() {
        // SOI, an APP0 segment of length 4, then SOF0: length 17, precision 8, height 720, width 1281.
        let jpeg =
            [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x02, 0xD0, 0x05, 0x01];
        assert_eq!(jpeg_size(&jpeg), Some((1281, 720)));
        assert_eq!(jpeg_size(b"not a jpeg"), None);
        assert_eq!(jpeg_size(&jpeg[..10]), None);
    }
}
