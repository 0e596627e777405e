//! From the model's actions (naming element ids) to script steps (naming selectors), so the
//! agent acts through the same layer as the `code` engine and leaves a replayable script.

use std::collections::HashMap;

use super::decide::{AgentAction, Direction, FieldSource};
use super::parts;
use crate::browser::RunPage;
use crate::engine::{Action, Field, FieldSpec, ScriptStep};

/// How far one scroll goes, in CSS pixels.
const SCROLL_STEP: f64 = 600.0;
/// Longest wait the model may ask for at once.
const MAX_WAIT_SECONDS: f64 = 10.0;

/// What an agent action amounts to.
#[derive(Debug, Clone)]
pub enum Move {
    Browser(ScriptStep),
    Complete,
    Terminate(String),
    ReportError(String),
    AskUser(String),
}

/// Translates one action; an unknown element id, or a part of a text that is not there, is the
/// model's mistake, reported back to it. Parts of texts are looked up on the page (`parts`).
pub async fn prepare(
    action: &AgentAction,
    selectors: &HashMap<String, String>,
    page: &RunPage,
) -> Result<Move, String> {
    let parts = parts_read(action);
    match translate(action, selectors)? {
        Move::Browser(step) if !parts.is_empty() => parts::anchor(page, step, &parts).await.map(Move::Browser),
        other => Ok(other),
    }
}

/// The fields an extraction reads from parts of elements' texts, as (field, part).
fn parts_read(action: &AgentAction) -> Vec<(String, String)> {
    let AgentAction::Extract { fields, .. } = action else { return Vec::new() };
    fields
        .iter()
        .filter_map(|(name, source)| match source {
            FieldSource::Part { part, .. } => Some((name.clone(), part.clone())),
            FieldSource::One(_) | FieldSource::Many(_) => None,
        })
        .collect()
}

fn translate(action: &AgentAction, selectors: &HashMap<String, String>) -> Result<Move, String> {
    let find = |id: &String| selectors.get(id).cloned().ok_or_else(|| format!("element {id} is not on the page"));
    let step =
        |action: Action, intent: &Option<String>| Ok(Move::Browser(ScriptStep { action, intent: intent.clone() }));
    match action {
        AgentAction::Click { element, intent } => step(Action::Click { selector: find(element)? }, intent),
        AgentAction::Fill { element, text, intent } => {
            step(Action::Fill { selector: find(element)?, value: text.clone() }, intent)
        }
        AgentAction::Type { element, text, intent } => {
            step(Action::Type { selector: find(element)?, text: text.clone() }, intent)
        }
        AgentAction::SelectOption { element, option, intent } => {
            step(Action::SelectOption { selector: find(element)?, value: None, label: Some(option.clone()) }, intent)
        }
        AgentAction::Check { element, checked, intent } => {
            step(Action::Check { selector: find(element)?, checked: *checked }, intent)
        }
        AgentAction::Hover { element, intent } => step(Action::Hover { selector: find(element)? }, intent),
        AgentAction::Scroll { direction, element, intent } => {
            let y = match direction {
                Direction::Down => SCROLL_STEP,
                Direction::Up => -SCROLL_STEP,
            };
            step(Action::Scroll { selector: element.as_ref().map(find).transpose()?, x: 0.0, y }, intent)
        }
        AgentAction::PressKey { key, element, intent } => {
            step(Action::PressKey { key: key.clone(), selector: element.as_ref().map(find).transpose()? }, intent)
        }
        AgentAction::Goto { url, intent } => {
            crate::runs::web_url(url)?;
            step(Action::Goto { url: url.clone() }, intent)
        }
        AgentAction::Back { intent } => step(Action::Back, intent),
        AgentAction::NewTab { url, intent } => {
            crate::runs::web_url(url)?;
            step(Action::NewTab { url: url.clone() }, intent)
        }
        AgentAction::SwitchTab { tab, intent } => step(Action::SwitchTab { index: *tab }, intent),
        AgentAction::Upload { element, file, intent } => {
            step(Action::Upload { selector: find(element)?, file: file.clone() }, intent)
        }
        AgentAction::Download { element, intent } => {
            step(Action::Download { selector: find(element)?, timeout_ms: None }, intent)
        }
        AgentAction::Wait { seconds, intent } => {
            step(Action::Wait { ms: (seconds.clamp(0.0, MAX_WAIT_SECONDS) * 1000.0) as u64 }, intent)
        }
        AgentAction::Extract { fields, intent } => {
            let fields = fields
                .iter()
                .map(|(name, source)| {
                    let field = match source {
                        FieldSource::One(id) => Field::Selector(find(id)?),
                        FieldSource::Many(ids) => Field::Each(ids.iter().map(find).collect::<Result<_, _>>()?),
                        FieldSource::Part { element, .. } => Field::Detailed(FieldSpec {
                            selector: find(element)?,
                            attribute: None,
                            all: false,
                            fields: None,
                            after: None,
                            before: None,
                        }),
                    };
                    Ok((name.clone(), field))
                })
                .collect::<Result<_, String>>()?;
            step(Action::Extract { fields }, intent)
        }
        AgentAction::Complete { .. } => Ok(Move::Complete),
        AgentAction::Terminate { reason, .. } => Ok(Move::Terminate(reason.clone())),
        AgentAction::ReportError { code, .. } => Ok(Move::ReportError(code.clone())),
        AgentAction::AskUser { question, .. } => Ok(Move::AskUser(question.clone())),
    }
}
