//! Who steers a run: at most one viewer holds control, and at most one waits for it.
//!
//! A viewer asks (`request`); the engine, at its next safe point, grants the request (`grant`),
//! puts the run in `paused` and waits (`until_released`) until the viewer hands control back or
//! goes away.

use serde::Serialize;
use tokio::sync::watch;

/// One connection to a run's live view, named after the API key it presented.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Viewer {
    pub id: u64,
    pub name: String,
}

/// Who holds control and who asked for it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ControlState {
    pub held_by: Option<Viewer>,
    pub requested_by: Option<Viewer>,
}

/// Why a viewer cannot have control now.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ControlRefused(String);

pub struct Control {
    state: watch::Sender<ControlState>,
}

impl Default for Control {
    fn default() -> Self {
        Control { state: watch::Sender::new(ControlState::default()) }
    }
}

impl Control {
    /// Asks for control on behalf of `viewer`; granted at the engine's next safe point.
    pub fn request(&self, viewer: &Viewer) -> Result<(), ControlRefused> {
        let mut refused = None;
        self.state.send_if_modified(|state| match (&state.held_by, &state.requested_by) {
            (Some(holder), _) | (None, Some(holder)) if holder.id == viewer.id => false,
            (Some(holder), _) => {
                refused = Some(format!("{} holds control of this run", holder.name));
                false
            }
            (None, Some(first)) => {
                refused = Some(format!("{} asked for control of this run first", first.name));
                false
            }
            (None, None) => {
                state.requested_by = Some(viewer.clone());
                true
            }
        });
        refused.map_or(Ok(()), |reason| Err(ControlRefused(reason)))
    }

    /// Gives control back (or withdraws the request) of this viewer; whether it had either.
    pub fn release(&self, viewer_id: u64) -> bool {
        self.state.send_if_modified(|state| {
            let held = state.held_by.as_ref().is_some_and(|v| v.id == viewer_id);
            let asked = state.requested_by.as_ref().is_some_and(|v| v.id == viewer_id);
            if held {
                state.held_by = None;
            }
            if asked {
                state.requested_by = None;
            }
            held || asked
        })
    }

    /// Whether this viewer holds control (its input goes to the page).
    pub fn is_held_by(&self, viewer_id: u64) -> bool {
        self.state.borrow().held_by.as_ref().is_some_and(|v| v.id == viewer_id)
    }

    /// The viewer waiting for control, if any.
    pub fn requested(&self) -> Option<Viewer> {
        self.state.borrow().requested_by.clone()
    }

    /// Who holds control, if anyone.
    pub fn holder(&self) -> Option<Viewer> {
        self.state.borrow().held_by.clone()
    }

    /// Hands control to the viewer who asked; returns them.
    pub fn grant(&self) -> Option<Viewer> {
        let mut granted = None;
        self.state.send_if_modified(|state| {
            granted = state.requested_by.take();
            state.held_by.clone_from(&granted);
            granted.is_some()
        });
        granted
    }

    /// Resolves once someone asks for control.
    pub async fn until_requested(&self) {
        let mut state = self.state.subscribe();
        let _ = state.wait_for(|state| state.requested_by.is_some()).await;
    }

    /// Resolves once nobody holds control.
    pub async fn until_released(&self) {
        let mut state = self.state.subscribe();
        let _ = state.wait_for(|state| state.held_by.is_none()).await;
    }

    /// Follows every change.
    pub fn watch(&self) -> watch::Receiver<ControlState> {
        self.state.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn viewer(id: u64) -> Viewer {
        Viewer { id, name: format!("viewer {id}") }
    }

    #[test]
    fn one_viewer_at_a_time_holds_control() {
        let control = Control::default();
        control.request(&viewer(1)).unwrap();
        assert!(control.request(&viewer(2)).is_err(), "a second viewer waits behind the first");
        assert!(!control.is_held_by(1), "asking is not holding");
        assert_eq!(control.grant(), Some(viewer(1)));
        assert!(control.is_held_by(1));
        assert!(!control.is_held_by(2));
        assert!(control.request(&viewer(2)).is_err());
        assert!(!control.release(2), "a viewer without control has nothing to release");
        assert!(control.release(1));
        assert_eq!(control.holder(), None);
        control.request(&viewer(2)).unwrap();
    }
}
