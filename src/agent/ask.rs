//! Asking the model a question that needs no browser: a plan's `text_prompt` blocks and the
//! prompt branches of its conditionals. The answer is JSON, checked against a schema; an answer
//! that does not fit is sent back once with the reason, as the agent's own answers are.

use serde_json::Value;

use super::llm::{ChatRequest, Message, Role};
use super::{Agent, decide, llm_error};
use crate::engine::{RunRecorder, conform};
use crate::ids::StepRunId;
use crate::runs::RunError;

const SYSTEM: &str = "You answer the user's request with JSON only, following the JSON Schema they give. \
No prose, no code fences.";

impl Agent {
    /// Asks `prompt` and returns the answer, conformed to `schema`; every call is traced on
    /// `step_run` with its tokens and cost.
    pub async fn ask_json(
        &self,
        recorder: &RunRecorder,
        step_run: &StepRunId,
        model: Option<String>,
        prompt: &str,
        schema: &Value,
    ) -> Result<Value, RunError> {
        let text = format!(
            "{prompt}\n\nPlease respond to the prompt above using the following JSON definition:\n{}",
            serde_json::to_string_pretty(schema).unwrap_or_default()
        );
        let mut request = ChatRequest {
            model: model.unwrap_or_else(|| self.llm.default_model().to_owned()),
            system: SYSTEM.to_owned(),
            messages: vec![Message::text(Role::User, recorder.secrets.redact(&text))],
        };
        let mut retried = false;
        loop {
            let reply = match self.llm.chat(&request).await {
                Ok(reply) => reply,
                Err(error) => {
                    self.trace(recorder, step_run, &request, None, None, Some(error.to_string())).await;
                    return Err(llm_error(&error));
                }
            };
            let answer = decide::json_answer(&reply.text).and_then(|value| conform(value, schema));
            match answer {
                Ok(value) => {
                    self.trace(recorder, step_run, &request, Some(&reply), Some(value.clone()), None).await;
                    return Ok(value);
                }
                Err(reason) => {
                    self.trace(recorder, step_run, &request, Some(&reply), None, Some(reason.clone())).await;
                    if retried {
                        let message = format!("the model's answer does not match the JSON schema: {reason}");
                        return Err(RunError::new("llm", "answer_invalid", message));
                    }
                    retried = true;
                    request.messages.push(Message::text(Role::Assistant, reply.text));
                    let again =
                        format!("Your previous response failed validation: {reason}. Answer again with JSON only.");
                    request.messages.push(Message::text(Role::User, again));
                }
            }
        }
    }
}
