//! The appliance's own mouse. It moves like a person's: in steps from where the pointer last was
//! to where it goes, so a page that follows the pointer sees it pass by (menus open, items get
//! focus on the way) instead of appearing at its target. jQuery UI's autocomplete, for one,
//! ignores the first item the pointer lands on in a new list until the pointer moves again, and
//! picks that item on a click if the pointer only jumped to another.

use chromiumoxide::cdp::browser_protocol::input::{DispatchMouseEventParams, DispatchMouseEventType, MouseButton};
use chromiumoxide::layout::Point;

use super::{BrowserError, RunPage};

/// About how far the pointer goes in one step, in CSS pixels. Each step costs the page a frame
/// (Chromium hands pointer moves to pages once a frame), so steps are few and long.
const STEP_PIXELS: f64 = 300.0;
/// The fewest and most steps of one move: two at least, so the pointer enters its target from
/// somewhere else.
const FEWEST_STEPS: usize = 2;
const MOST_STEPS: usize = 4;

impl RunPage {
    /// Moves the pointer to `to` in steps.
    pub(super) async fn glide_to(&self, to: Point) -> Result<(), BrowserError> {
        let from = self.pointer();
        let distance = (to.x - from.x).hypot(to.y - from.y);
        let steps = ((distance / STEP_PIXELS).ceil() as usize).clamp(FEWEST_STEPS, MOST_STEPS);
        let page = self.page().await;
        for step in 1..=steps {
            let share = step as f64 / steps as f64;
            let at = Point::new(from.x + (to.x - from.x) * share, from.y + (to.y - from.y) * share);
            let moved = DispatchMouseEventParams::new(DispatchMouseEventType::MouseMoved, at.x, at.y);
            self.guard(page.execute(moved)).await?;
        }
        self.pointer_moved(to);
        Ok(())
    }

    /// Moves the pointer to `at` and clicks the left button there.
    pub(super) async fn click_at(&self, at: Point) -> Result<(), BrowserError> {
        self.glide_to(at).await?;
        let page = self.page().await;
        for kind in [DispatchMouseEventType::MousePressed, DispatchMouseEventType::MouseReleased] {
            let params = DispatchMouseEventParams::builder()
                .r#type(kind)
                .x(at.x)
                .y(at.y)
                .button(MouseButton::Left)
                .click_count(1)
                .build()
                .map_err(BrowserError::Cdp)?;
            self.guard(page.execute(params)).await?;
        }
        Ok(())
    }
}
