//! What each block type does in one attempt: browser blocks hand the agent (or the code engine)
//! a task built from the block's fields, rendered with the run's values, on the scope's page;
//! `text_prompt` asks the model; `wait` waits. Loops and branches are in `control`, HTTP in
//! `http`, approvals in `approval`.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};

use super::{BlockResult, Execution, Scope};
use crate::engine::VERIFICATION_CODE;
use crate::engine::{Action, Outcome, ScriptStep, run_script, run_step};
use crate::ids::{StepId, StepRunId};
use crate::plans::{Block, BlockKind, BrowserTaskBlock, RenderError};
use crate::runs::{Engine, RunError, StepStatus, TaskSpec};

/// A login block's goal when it has none of its own.
const LOGIN_GOAL: &str = "If the page is not a sign-in page, find the site's sign-in page. Dismiss cookie banners or \
    pop-ups that are in the way. Sign in with the credential below. The goal is met once the site shows you are signed in; \
    if signing in fails after a few tries (wrong credential, the account is locked), terminate and say why.";

/// The steps a validation block's check may take (Skyvern's default).
const VALIDATION_STEPS: u32 = 2;

impl Execution<'_> {
    pub(super) async fn perform(
        &self,
        block: &Block,
        scope: &Scope<'_>,
        path: &str,
        step_id: &StepId,
        step_run: &StepRunId,
    ) -> BlockResult {
        let result = match &block.kind {
            BlockKind::Wait(wait) => {
                tokio::time::sleep(Duration::from_secs(wait.wait_sec.max(0).unsigned_abs())).await;
                Ok(BlockResult::completed(json!({"success": true})))
            }
            BlockKind::GotoUrl(goto) => self.goto(scope, step_run, &goto.url).await,
            BlockKind::Task(task)
            | BlockKind::Navigation(task)
            | BlockKind::Extraction(task)
            | BlockKind::Action(task)
            | BlockKind::FileDownload(task)
            | BlockKind::Login(task) => self.browser_task(block, task, scope, step_id).await,
            BlockKind::TaskV2(task) => {
                let spec = self.agent_spec(task.url.as_deref(), &task.prompt, None, Some(task.max_steps), scope);
                match spec {
                    Ok(spec) => Ok(self.run_agent(&spec, scope, step_id).await),
                    Err(error) => Err(error),
                }
            }
            BlockKind::Validation(validation) => {
                let mut goal =
                    String::from("Check the current page against these criteria; do not change anything on the page. ");
                if let Some(criterion) = &validation.complete_criterion {
                    goal.push_str(&format!("Complete if: {criterion}. "));
                }
                if let Some(criterion) = &validation.terminate_criterion {
                    goal.push_str(&format!("Terminate if: {criterion}. "));
                }
                if validation.complete_criterion.is_some() {
                    goal.push_str("If the complete criterion is not met, terminate.");
                }
                let mapping = validation.error_code_mapping.clone().unwrap_or_default();
                match self.agent_spec(None, &goal, None, Some(VALIDATION_STEPS), scope) {
                    Ok(spec) => {
                        Ok(self.run_agent(&TaskSpec { error_code_mapping: mapping, ..spec }, scope, step_id).await)
                    }
                    Err(error) => Err(error),
                }
            }
            BlockKind::Code(code) => self.replay(&code.code, scope, step_id).await,
            BlockKind::TextPrompt(prompt) => self.text_prompt(block, prompt, scope, step_run).await,
            BlockKind::HttpRequest(request) => self.http_request(request, scope).await,
            BlockKind::HumanInteraction(approval) => Ok(self.await_review(block, approval, scope, step_run).await),
            BlockKind::ForLoop(for_loop) => Ok(self.run_for_loop(block, for_loop, scope, path, step_id).await),
            BlockKind::Conditional(conditional) => Ok(self.run_conditional(block, conditional, scope, step_run).await),
        };
        result.unwrap_or_else(|error| BlockResult::failed(format!("Failed to format jinja template: {error}")))
    }

    /// Renders a text of the block with the run's values (and the loop item).
    pub(super) fn render(&self, text: &str, scope: &Scope<'_>) -> Result<String, RenderError> {
        if !text.contains("{{") && !text.contains("{%") {
            return Ok(text.to_owned());
        }
        self.templates.render(text, &self.values.context(scope.item.as_ref()))
    }

    /// Renders every text inside a JSON value.
    pub(super) fn render_json(&self, value: &Value, scope: &Scope<'_>) -> Result<Value, RenderError> {
        Ok(match value {
            Value::String(text) => Value::String(self.render(text, scope)?),
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.render_json(v, scope)).collect::<Result<_, _>>()?)
            }
            Value::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), self.render_json(v, scope)?)))
                    .collect::<Result<_, RenderError>>()?,
            ),
            other => other.clone(),
        })
    }

    async fn goto(&self, scope: &Scope<'_>, step_run: &StepRunId, url: &str) -> Result<BlockResult, RenderError> {
        let url = self.render(url, scope)?;
        if let Err(message) = crate::runs::web_url(&url) {
            return Ok(BlockResult::failed(message));
        }
        let step = ScriptStep::from(Action::Goto { url: url.clone() });
        Ok(match run_step(self.recorder, scope.page, step_run, &step).await {
            Ok(Ok(_)) => BlockResult::completed(task_output(step_run, StepStatus::Completed, None, None)),
            Ok(Err(error)) => BlockResult::failed(format!("could not open {url}: {error}")),
            Err(error) => BlockResult::failed(error.message),
        })
    }

    /// Skyvern's task-like blocks: the agent with the block's goals, URL, schema and limits.
    async fn browser_task(
        &self,
        block: &Block,
        task: &BrowserTaskBlock,
        scope: &Scope<'_>,
        step_id: &StepId,
    ) -> Result<BlockResult, RenderError> {
        let mut goal = String::new();
        for (lead, text) in [
            ("", &task.navigation_goal),
            ("Extract: ", &task.data_extraction_goal),
            ("The goal is met when: ", &task.complete_criterion),
            ("Give up (terminate) when: ", &task.terminate_criterion),
        ] {
            if let Some(text) = text.as_deref().filter(|t| !t.trim().is_empty()) {
                goal.push_str(lead);
                goal.push_str(text);
                goal.push('\n');
            }
        }
        if let BlockKind::Action(_) = block.kind
            && let Some(selector) = &task.selector
        {
            goal.push_str(&format!("The element to act on: {selector}\n"));
        }
        let schema = task.data_schema.as_ref().map(|schema| self.render_json(schema, scope)).transpose()?;
        let mut spec = self.agent_spec(task.url.as_deref(), goal.trim_end(), schema, task.max_steps_per_run, scope)?;
        if let BlockKind::Login(_) = block.kind {
            // Placeholders are not templates: the sentence joins the goal once it is rendered.
            match self.login_goal(task) {
                Ok(login) => {
                    let rendered = spec.prompt.unwrap_or_default();
                    spec.prompt = Some(format!("{}\n{login}", rendered.trim_end()).trim_start().to_owned());
                }
                Err(reason) => return Ok(BlockResult::failed(reason)),
            }
        }
        let mut mapping = self.job.plan.definition.error_code_mapping.clone().unwrap_or_default();
        mapping.extend(task.error_code_mapping.clone().unwrap_or_default());
        spec.error_code_mapping = mapping;
        spec.model =
            block.common.model.as_ref().and_then(|m| m.get("model_name")).and_then(Value::as_str).map(str::to_owned);
        Ok(self.run_agent(&spec, scope, step_id).await)
    }

    /// What a login block adds to its goal: signing in (Skyvern's default when the block has no
    /// goal of its own) with the placeholders of the credential its `parameter_keys` name.
    fn login_goal(&self, task: &BrowserTaskBlock) -> Result<String, String> {
        let parameters = &self.job.plan.definition.parameters;
        let credential = task
            .parameter_keys
            .iter()
            .flatten()
            .find_map(|key| parameters.iter().find(|p| p.key == *key)?.credential_id(&self.job.spec.parameters));
        let Some(id) = credential else {
            return Err("the login block's credential parameter has no credential id".into());
        };
        let mut goal = String::new();
        if task.navigation_goal.as_deref().is_none_or(|g| g.trim().is_empty()) {
            goal.push_str(LOGIN_GOAL);
            goal.push('\n');
        }
        goal.push_str(&format!(
            "Sign in with the user name {{{{credential.{id}.username}}}} and the password {{{{credential.{id}.password}}}}. \
             If the site asks for a verification code, type {VERIFICATION_CODE}.\n"
        ));
        Ok(goal)
    }

    /// The task the agent gets for a block.
    fn agent_spec(
        &self,
        url: Option<&str>,
        goal: &str,
        schema: Option<Value>,
        max_steps: Option<u32>,
        scope: &Scope<'_>,
    ) -> Result<TaskSpec, RenderError> {
        let url = url.map(|url| self.render(url, scope)).transpose()?.filter(|url| !url.trim().is_empty());
        let mut prompt = self.render(goal, scope)?;
        if let Some(system) = &self.job.plan.definition.workflow_system_prompt {
            prompt = format!("{system}\n\n{prompt}");
        }
        Ok(TaskSpec {
            engine: Engine::Agent,
            prompt: Some(prompt),
            url,
            title: None,
            script: Vec::new(),
            data_extraction_schema: schema,
            time_budget: None,
            extra_http_headers: BTreeMap::new(),
            browser_address: None,
            browser_session_id: None,
            browser_profile_id: None,
            webhook_url: None,
            max_steps,
            model: None,
            error_code_mapping: BTreeMap::new(),
            secret_names: Vec::new(),
            file_names: Vec::new(),
            totp: self.job.spec.totp.clone(),
        })
    }

    /// Runs the agent on the scope's page, its steps under the block's step.
    async fn run_agent(&self, spec: &TaskSpec, scope: &Scope<'_>, step_id: &StepId) -> BlockResult {
        let Some(agent) = self.tools.agent else {
            return BlockResult::failed("no LLM provider is configured");
        };
        let recorder = self.recorder.within(step_id.clone());
        let outcome = Box::pin(agent.run(&recorder, scope.page, spec)).await;
        let mut result = outcome_result(outcome, step_id);
        match self.tools.store.step_downloads(step_id).await {
            Ok(files) if !files.is_empty() => {
                if let Some(output) = result.output.as_mut() {
                    output["downloaded_files"] = files.iter().map(downloaded_file).collect();
                }
            }
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(run_id = %self.recorder.run_id, %error, "a block's downloads could not be listed")
            }
        }
        result
    }

    /// A `code` block: the code engine replays its action script, rendered with the run's values.
    async fn replay(
        &self,
        script: &[ScriptStep],
        scope: &Scope<'_>,
        step_id: &StepId,
    ) -> Result<BlockResult, RenderError> {
        let rendered = self.render_json(&serde_json::to_value(script).unwrap_or_default(), scope)?;
        let script: Vec<ScriptStep> = match serde_json::from_value(rendered) {
            Ok(script) => script,
            Err(error) => return Ok(BlockResult::failed(format!("the rendered action script does not read: {error}"))),
        };
        if let Err(error) = crate::engine::script::validate(&script) {
            return Ok(BlockResult::failed(format!("the rendered action script is not valid: {error}")));
        }
        let spec = TaskSpec { engine: Engine::Code, script, ..self.agent_spec(None, "", None, None, scope)? };
        let recorder = self.recorder.within(step_id.clone());
        let outcome = Box::pin(run_script(&recorder, scope.page, &spec)).await;
        Ok(outcome_result(outcome, step_id))
    }

    async fn text_prompt(
        &self,
        block: &Block,
        prompt: &crate::plans::TextPromptBlock,
        scope: &Scope<'_>,
        step_run: &StepRunId,
    ) -> Result<BlockResult, RenderError> {
        let schema = match &prompt.json_schema {
            Some(schema) => self.render_json(schema, scope)?,
            None => {
                json!({"type": "object", "properties": {"llm_response": {"type": "string"}}, "required": ["llm_response"]})
            }
        };
        let prompt = self.render(&prompt.prompt, scope)?;
        let Some(agent) = self.tools.agent else { return Ok(BlockResult::failed("no LLM provider is configured")) };
        Ok(match agent.ask_json(self.recorder, step_run, model_of(block), &prompt, &schema).await {
            Ok(answer) => BlockResult::completed(answer),
            Err(error) => BlockResult::failed(error.message),
        })
    }
}

/// The model a block asks for (`model.model_name`); Skyvern's `llm_key` names its own
/// deployments and is not a model name, so it is not used.
fn model_of(block: &Block) -> Option<String> {
    block.common.model.as_ref().and_then(|m| m.get("model_name")).and_then(Value::as_str).map(str::to_owned)
}

/// A browser block's result from its engine's outcome, with Skyvern's task output.
fn outcome_result(outcome: Outcome, step_id: &StepId) -> BlockResult {
    let (status, extracted, error) = match outcome {
        Outcome::Completed { output } => (StepStatus::Completed, output, None),
        Outcome::Failed(error) => (StepStatus::Failed, None, Some(error)),
        Outcome::Terminated(error) => (StepStatus::Terminated, None, Some(error)),
        Outcome::TimedOut(error) => (StepStatus::TimedOut, None, Some(error)),
    };
    let output = task_output(step_id, status, extracted, error.as_ref());
    BlockResult { status, output: Some(output), reason: error.map(|e| e.message), branch: None, run_timed_out: false }
}

/// Skyvern's `FileInfo` of a file the block downloaded.
fn downloaded_file(file: &crate::artifacts::Artifact) -> Value {
    json!({
        "url": format!("/v1/artifacts/{}/content", file.id),
        "artifact_id": file.id,
        "filename": file.filename,
        "checksum": file.sha256,
        "file_size": file.size_bytes,
        "modified_at": file.created_at,
    })
}

/// Skyvern's `TaskOutput` for a browser block.
fn task_output(
    task_id: &impl serde::Serialize,
    status: StepStatus,
    extracted: Option<Value>,
    error: Option<&RunError>,
) -> Value {
    json!({
        "task_id": task_id,
        "status": status,
        "extracted_information": extracted,
        "failure_reason": error.map(|e| &e.message),
        "errors": error.map(|e| vec![e]).unwrap_or_default(),
        "downloaded_files": [],
    })
}
