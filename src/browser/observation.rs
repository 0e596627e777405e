//! The agent's view of the page (`observe.js`), across frames, with the elements that listen for
//! clicks marked first: a `span` with a click handler is as clickable to a person as a button.

use std::collections::BTreeSet;

use chromiumoxide::Page;
use chromiumoxide::cdp::browser_protocol::dom::{BackendNodeId, ResolveNodeParams};
use chromiumoxide::cdp::browser_protocol::dom_debugger::GetEventListenersParams;
use chromiumoxide::cdp::js_protocol::runtime::{
    CallArgument, CallFunctionOnParams, EvaluateParams, ExecutionContextId, ReleaseObjectGroupParams,
};
use serde_json::{Value, json};

use super::{BrowserError, RunPage};

/// The agent's view of the page, see `observe.js`.
pub(super) const OBSERVE: &str = include_str!("observe.js");

/// Events whose listeners make an element act on a click.
const CLICK_EVENTS: [&str; 5] = ["click", "mousedown", "mouseup", "pointerdown", "pointerup"];
/// Most listening elements marked per observation (pages that listen everywhere get the first).
const MOST_LISTENING: usize = 500;
/// The group of the page's objects that marking takes hold of, let go of once it is done (they
/// would otherwise live as long as the page, a few hundred more at every step).
const OBJECT_GROUP: &str = "skyvern-listeners";
/// Adds its arguments to the world's set of listening elements; the page's own listeners on the
/// document's root elements say nothing about what to click.
const MARK_LISTENING: &str = "function (...elements) {
  const marked = (globalThis.__skyvernListened = new WeakSet());
  for (const el of elements) {
    if (el instanceof Element && !['HTML', 'BODY'].includes(el.tagName)) marked.add(el);
  }
}";

impl RunPage {
    /// The agent's view of the page: its visible controls, text blocks and scrollable areas (at
    /// most `limit`), those of cross-origin iframes included (their ids start with `x<n>`).
    pub async fn observe(&self, limit: usize) -> Result<Value, BrowserError> {
        let world = self.world().await?;
        if let Err(error) = self.mark_click_listeners(world).await {
            tracing::debug!(%error, "click listeners could not be read; elements are judged by their markup");
        }
        let result = self.evaluate(format!("__skyvernObserve({limit})"), true).await?;
        let mut observation = result.value().cloned().unwrap_or(Value::Null);
        let frames = observation["frames"].as_array().cloned().unwrap_or_default();
        for (number, frame) in frames.iter().enumerate() {
            let host = frame["selector"].as_str().unwrap_or_default();
            let world = match self.frame_world(self.world().await?, host).await {
                Ok(world) => world,
                Err(error) => {
                    tracing::warn!(%error, host, "a cross-origin frame could not be observed");
                    continue;
                }
            };
            let prefix = json!(format!("{host} >>> "));
            let id_prefix = json!(format!("x{}", number + 1));
            let expression = format!("__skyvernObserve({limit}, {prefix}, {}, {id_prefix})", frame["frame"]);
            match self.evaluate_in(world, expression, true).await {
                Ok(inner) => {
                    let found = inner.value().and_then(|v| v["elements"].as_array()).cloned().unwrap_or_default();
                    if let Some(elements) = observation["elements"].as_array_mut() {
                        elements.extend(found);
                    }
                }
                Err(error) => tracing::warn!(%error, host, "a cross-origin frame could not be observed"),
            }
        }
        Ok(observation)
    }

    /// Tells `observe.js` (through `__skyvernListened` in `world`) which elements of the page,
    /// its shadow roots and frames included, have a click listener.
    async fn mark_click_listeners(&self, world: ExecutionContextId) -> Result<(), BrowserError> {
        let page = self.page().await;
        let marked = self.mark_listening(&page, world).await;
        let _ = self.guard(page.execute(ReleaseObjectGroupParams::new(OBJECT_GROUP))).await;
        marked
    }

    async fn mark_listening(&self, page: &Page, world: ExecutionContextId) -> Result<(), BrowserError> {
        let document = EvaluateParams::builder()
            .expression("document")
            .context_id(world)
            .object_group(OBJECT_GROUP)
            .build()
            .map_err(BrowserError::Cdp)?;
        let document = self.guard(page.execute(document)).await?.result.result;
        let Some(document) = document.object_id else { return Ok(()) };
        let listeners = GetEventListenersParams::builder()
            .object_id(document)
            .depth(-1)
            .pierce(true)
            .build()
            .map_err(BrowserError::Cdp)?;
        let listeners = self.guard(page.execute(listeners)).await?.result.listeners;
        let nodes: BTreeSet<i64> = listeners
            .iter()
            .filter(|listener| CLICK_EVENTS.contains(&listener.r#type.as_str()))
            .filter_map(|listener| listener.backend_node_id.as_ref().map(|id| *id.inner()))
            .take(MOST_LISTENING)
            .collect();
        let resolving = nodes.into_iter().map(|node| {
            let page = page.clone();
            async move {
                let resolve = ResolveNodeParams::builder()
                    .backend_node_id(BackendNodeId::new(node))
                    .execution_context_id(world)
                    .object_group(OBJECT_GROUP)
                    .build();
                self.guard(page.execute(resolve))
                    .await
                    .ok()
                    .and_then(|resolved| resolved.result.object.object_id.clone())
            }
        });
        let elements: Vec<CallArgument> = futures::future::join_all(resolving)
            .await
            .into_iter()
            .flatten()
            .map(|object_id| CallArgument::builder().object_id(object_id).build())
            .collect();
        let mark = CallFunctionOnParams::builder()
            .function_declaration(MARK_LISTENING)
            .execution_context_id(world)
            .arguments(elements)
            .build()
            .map_err(BrowserError::Cdp)?;
        self.guard(page.execute(mark)).await?;
        Ok(())
    }
}
