//! A person's input, forwarded to the run's page while they hold control: mouse, wheel and
//! keyboard events as CDP input (so the page sees trusted events), typed text, and navigation.
//!
//! Coordinates are the viewport's CSS pixels, which are the pixels of the screencast frames.

use chromiumoxide::cdp::browser_protocol::input::{
    DispatchKeyEventParams, DispatchKeyEventType, DispatchMouseEventParams, DispatchMouseEventType, InsertTextParams,
    MouseButton,
};
use chromiumoxide::cdp::js_protocol::runtime::EvaluateParams;
use serde::Deserialize;

use super::{BrowserError, RunPage};

/// One input event from a person.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum PersonInput {
    Mouse {
        event: MouseEvent,
        x: f64,
        y: f64,
        #[serde(default)]
        button: Button,
        #[serde(default = "one")]
        click_count: i64,
        #[serde(default)]
        modifiers: i64,
    },
    Wheel {
        x: f64,
        y: f64,
        #[serde(default)]
        delta_x: f64,
        #[serde(default)]
        delta_y: f64,
        #[serde(default)]
        modifiers: i64,
    },
    Key {
        event: KeyEvent,
        /// The DOM `key` (`a`, `Enter`, `ArrowDown`).
        key: String,
        /// The DOM `code` (`KeyA`, `Enter`).
        #[serde(default)]
        code: Option<String>,
        /// The text the key types, for a key down that types.
        #[serde(default)]
        text: Option<String>,
        /// The DOM `keyCode`, which Chromium needs to act on keys such as Enter or Backspace.
        #[serde(default)]
        key_code: Option<i64>,
        #[serde(default)]
        modifiers: i64,
    },
    /// Text inserted at the focus, as an input method would.
    Text {
        text: String,
    },
    Navigate {
        url: String,
    },
    Back,
    Forward,
    Reload,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MouseEvent {
    Pressed,
    Released,
    Moved,
}

#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Button {
    None,
    #[default]
    Left,
    Middle,
    Right,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyEvent {
    Down,
    Up,
}

fn one() -> i64 {
    1
}

impl RunPage {
    /// Sends a person's input to the tab the run acts in.
    pub async fn dispatch(&self, input: &PersonInput) -> Result<(), BrowserError> {
        let tab = self.page().await;
        match input {
            PersonInput::Mouse { event, x, y, button, click_count, modifiers } => {
                let kind = match event {
                    MouseEvent::Pressed => DispatchMouseEventType::MousePressed,
                    MouseEvent::Released => DispatchMouseEventType::MouseReleased,
                    MouseEvent::Moved => DispatchMouseEventType::MouseMoved,
                };
                let button = match button {
                    Button::None => MouseButton::None,
                    Button::Left => MouseButton::Left,
                    Button::Middle => MouseButton::Middle,
                    Button::Right => MouseButton::Right,
                };
                let params = DispatchMouseEventParams::builder()
                    .r#type(kind)
                    .x(*x)
                    .y(*y)
                    .button(button)
                    .click_count(*click_count)
                    .modifiers(*modifiers)
                    .build()
                    .map_err(BrowserError::Cdp)?;
                self.guard(tab.execute(params)).await?;
                self.pointer_moved(chromiumoxide::layout::Point::new(*x, *y));
            }
            PersonInput::Wheel { x, y, delta_x, delta_y, modifiers } => {
                let params = DispatchMouseEventParams::builder()
                    .r#type(DispatchMouseEventType::MouseWheel)
                    .x(*x)
                    .y(*y)
                    .delta_x(*delta_x)
                    .delta_y(*delta_y)
                    .modifiers(*modifiers)
                    .build()
                    .map_err(BrowserError::Cdp)?;
                self.guard(tab.execute(params)).await?;
            }
            PersonInput::Key { event, key, code, text, key_code, modifiers } => {
                let kind = match (event, text) {
                    (KeyEvent::Down, Some(_)) => DispatchKeyEventType::KeyDown,
                    (KeyEvent::Down, None) => DispatchKeyEventType::RawKeyDown,
                    (KeyEvent::Up, _) => DispatchKeyEventType::KeyUp,
                };
                let mut params = DispatchKeyEventParams::new(kind);
                params.key = Some(key.clone());
                params.code = code.clone();
                params.text = text.clone().filter(|_| matches!(event, KeyEvent::Down));
                params.windows_virtual_key_code = *key_code;
                params.modifiers = Some(*modifiers);
                self.guard(tab.execute(params)).await?;
            }
            PersonInput::Text { text } => {
                self.guard(tab.execute(InsertTextParams::new(text.clone()))).await?;
            }
            PersonInput::Navigate { url } => {
                let web = url::Url::parse(url).is_ok_and(|parsed| matches!(parsed.scheme(), "http" | "https"));
                if !web {
                    let reason = "only http and https addresses can be opened".to_owned();
                    return Err(BrowserError::Refused { target: url.clone(), reason });
                }
                self.goto(url).await?
            }
            PersonInput::Back | PersonInput::Forward => {
                let step = if matches!(input, PersonInput::Back) { "history.back()" } else { "history.forward()" };
                let params = EvaluateParams::builder().expression(step).build().map_err(BrowserError::Cdp)?;
                self.guard(tab.evaluate_expression(params)).await?;
            }
            PersonInput::Reload => {
                self.guard(tab.reload()).await?;
            }
        }
        Ok(())
    }
}
