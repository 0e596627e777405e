//! The `agent` engine: an LLM drives the browser from a plain-language goal.
//!
//! Each step observes the page (`observe`), asks the model (`prompt`, `llm`), reads its answer
//! (`decide`, with one repair round-trip), and acts (`act`) through the same action layer as the
//! `code` engine. Every model call is traced with its tokens and cost; every decision is a
//! "Decision" thought on the timeline. A completed run leaves its replayable script.

mod act;
mod ask;
mod decide;
pub mod llm;
mod observe;
mod parts;
mod prompt;

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::Serialize;
use serde_json::{Map, Value, json};
use tokio::time::Instant;

use self::act::Move;
use self::decide::Decision;
use self::llm::{ChatRequest, LlmClient, LlmError, Message, Part, Role};
use self::observe::{ELEMENT_LIMIT, Observation};
use crate::artifacts::ArtifactType;
use crate::browser::RunPage;
use crate::config::ModelPrice;
use crate::engine::{Action, Outcome, RunRecorder, ScriptStep, conform, run_step, system_error};
use crate::ids::StepRunId;
use crate::metrics::{Metrics, ModelOutcome, Tokens};
use crate::runs::{ItemOutcome, ItemStatus, RunError, TaskSpec, TimelineKind};
use crate::store::{NewTrace, Store};

/// What the model reads in its history after a person held control.
const HANDED_BACK: &str =
    "A person took control of the browser, then handed it back; the page may have changed since the last step.";

/// What the agent needs besides the run: the model and its prices.
#[derive(Clone)]
pub struct Agent {
    pub llm: LlmClient,
    pub prices: BTreeMap<String, ModelPrice>,
    pub default_max_steps: u32,
    pub store: Store,
    /// Where model calls, tokens and cost are counted.
    pub metrics: Metrics,
}

/// The state of one run's loop.
#[derive(Default)]
struct Progress {
    history: Vec<String>,
    replay: Vec<ScriptStep>,
    extracted: Map<String, Value>,
    invalid_output_reported: bool,
    /// When the actions since the page was last observed began, when the last one ended, and
    /// the last keystroke: the page settles after them.
    acting_since: Option<Instant>,
    acted_at: Option<Instant>,
    typed_at: Option<Instant>,
}

/// Where one step's own time went before the model was asked, in milliseconds.
#[derive(Serialize)]
struct StepTiming {
    settle: f64,
    observe: f64,
    prompt: f64,
    screenshot: f64,
}

fn milliseconds(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

impl Agent {
    /// Drives the run until the goal is met, the model gives up, or the steps run out.
    pub async fn run(&self, recorder: &RunRecorder, page: &RunPage, spec: &TaskSpec) -> Outcome {
        let max_steps = spec.max_steps.unwrap_or(self.default_max_steps);
        let mut progress = Progress::default();
        if let Some(url) = &spec.url {
            let first = recorder.begin_step("Open the start page", "navigation").await;
            let first = match first {
                Ok(step) => step,
                Err(error) => return Outcome::Failed(system_error(error)),
            };
            let opened = run_step(recorder, page, &first, &Action::Goto { url: url.clone() }.into()).await;
            let status = if matches!(opened, Ok(Ok(_))) { ItemStatus::Completed } else { ItemStatus::Failed };
            if let Err(error) = recorder.finish_step(&first, status, None, None).await {
                return Outcome::Failed(system_error(error));
            }
            match opened {
                Ok(Ok(_)) => {}
                Ok(Err(error)) => {
                    return Outcome::Failed(crate::engine::action_error(1, &format!("go to {url}"), &error));
                }
                Err(error) => return Outcome::Failed(error),
            }
        }
        for number in 1..=max_steps {
            match self.step(recorder, page, spec, &mut progress, number, max_steps).await {
                Ok(None) => continue,
                Ok(Some(outcome)) => return outcome,
                Err(error) => return Outcome::Failed(error),
            }
        }
        Outcome::Failed(RunError::new("agent", "max_steps_reached", format!("reached the maximum steps ({max_steps})")))
    }

    /// One observe/decide/act step, recorded as a step that always ends (failed when the step
    /// could not be taken); `Some` when the run ends.
    async fn step(
        &self,
        recorder: &RunRecorder,
        page: &RunPage,
        spec: &TaskSpec,
        progress: &mut Progress,
        number: u32,
        max_steps: u32,
    ) -> Result<Option<Outcome>, RunError> {
        let step_run = recorder.begin_step(&format!("Step {number}"), "agent_step").await.map_err(system_error)?;
        let taken = self.take_step(recorder, page, spec, progress, &step_run, (number, max_steps)).await;
        let (status, failure) = match &taken {
            Ok(Some(outcome)) if !matches!(outcome, Outcome::Completed { .. }) => (ItemStatus::Failed, None),
            Ok(_) => (ItemStatus::Completed, None),
            Err(error) => (ItemStatus::Failed, Some(error.message.clone())),
        };
        recorder.finish_step(&step_run, status, None, failure).await.map_err(system_error)?;
        taken
    }

    /// Observes the page, asks the model, and acts on its decision, as step `number` of at most
    /// `max_steps`.
    async fn take_step(
        &self,
        recorder: &RunRecorder,
        page: &RunPage,
        spec: &TaskSpec,
        progress: &mut Progress,
        step_run: &StepRunId,
        (number, max_steps): (u32, u32),
    ) -> Result<Option<Outcome>, RunError> {
        if recorder.hand_over_if_asked(step_run).await.map_err(system_error)? {
            progress.history.push(HANDED_BACK.into());
        }
        let settled = match (progress.acting_since.take(), progress.acted_at.take()) {
            (Some(since), Some(ended)) => {
                page.settle(since, ended, progress.typed_at.take()).await.as_secs_f64() * 1000.0
            }
            _ => 0.0,
        };
        let observing = Instant::now();
        let observed = page.observe(ELEMENT_LIMIT).await.map_err(|e| browser_error(&e))?;
        let observation =
            Observation::parse(observed).map_err(|message| RunError::new("agent", "observe_failed", message))?;
        let tabs = page.tab_list().await;
        let observe = milliseconds(observing);
        let prompting = Instant::now();
        let message = prompt::step_message(spec, &observation, &tabs, &progress.history, number, max_steps);
        // Page text may show a secret that was typed in (a field's value): the model sees its placeholder.
        let mut parts = vec![Part::Text { text: recorder.secrets.redact(&message) }];
        let prompt = milliseconds(prompting);
        let picturing = Instant::now();
        if self.llm.vision()
            && let Some(jpeg) = self.picture(recorder, page).await
        {
            let artifact = recorder.save_artifact(step_run, ArtifactType::ScreenshotLlm, "jpg", jpeg.clone()).await;
            let jpeg_base64 = base64::engine::general_purpose::STANDARD.encode(jpeg);
            parts.push(Part::Image { jpeg_base64, artifact_id: artifact.ok().map(|a| a.id.to_string()) });
        }
        let timing = StepTiming { settle: settled, observe, prompt, screenshot: milliseconds(picturing) };
        let model = spec.model.clone().unwrap_or_else(|| self.llm.default_model().to_owned());
        let mut request = ChatRequest {
            model,
            system: prompt::SYSTEM.to_owned(),
            messages: vec![Message { role: Role::User, parts }],
        };
        let decision = self.decide(step_run, &mut request, recorder).await?;

        let thought = json!({
            "tag": "Decision",
            "reasoning": decision.reasoning,
            "actions": decision.actions,
            "timing_ms": timing,
        });
        let item = recorder
            .start_item(step_run, TimelineKind::Thought, "Decision".into(), thought.clone())
            .await
            .map_err(system_error)?;
        recorder
            .finish_item(
                item,
                ItemOutcome { status: ItemStatus::Completed, detail: thought, screenshot_artifact_id: None },
            )
            .await
            .map_err(system_error)?;

        self.act(recorder, page, spec, step_run, &observation, &decision, progress).await
    }

    /// The page as the model sees it: the live view's latest picture of it (taken once the page
    /// settled), or a capture when the page has not painted yet.
    async fn picture(&self, recorder: &RunRecorder, page: &RunPage) -> Option<Vec<u8>> {
        match recorder.latest_picture() {
            Some(jpeg) => Some(jpeg.to_vec()),
            None => page.screenshot(false).await.ok(),
        }
    }

    /// Asks the model until its answer reads as a decision (one repair round-trip at most).
    async fn decide(
        &self,
        step_run: &StepRunId,
        request: &mut ChatRequest,
        recorder: &RunRecorder,
    ) -> Result<Decision, RunError> {
        let mut repaired = false;
        loop {
            let reply = match self.llm.chat(request).await {
                Ok(reply) => reply,
                Err(error) => {
                    self.trace(recorder, step_run, request, None, None, Some(error.to_string())).await;
                    return Err(llm_error(&error));
                }
            };
            let error = match decide::parse(&reply.text) {
                Ok(decision) => {
                    let parsed = serde_json::to_value(&decision).ok();
                    self.trace(recorder, step_run, request, Some(&reply), parsed, None).await;
                    return Ok(decision);
                }
                Err(error) => error,
            };
            self.trace(recorder, step_run, request, Some(&reply), None, Some(error.clone())).await;
            if repaired {
                let message =
                    format!("the model's answer could not be read twice ({error}); it is kept in the run's traces");
                return Err(RunError::new("agent", "unreadable_answer", message));
            }
            repaired = true;
            request.messages.push(Message::text(Role::Assistant, reply.text));
            request.messages.push(Message::text(Role::User, prompt::repair_message(&error)));
        }
    }

    /// Carries out a decision's actions in order; stops at the first that fails (the model sees
    /// why at the next step) or that ends the run.
    async fn act(
        &self,
        recorder: &RunRecorder,
        page: &RunPage,
        spec: &TaskSpec,
        step_run: &StepRunId,
        observation: &Observation,
        decision: &Decision,
        progress: &mut Progress,
    ) -> Result<Option<Outcome>, RunError> {
        let selectors = observation.selectors();
        for action in &decision.actions {
            if recorder.hand_over_if_asked(step_run).await.map_err(system_error)? {
                // The decision was made on a page the person may have changed: look again.
                progress.history.push(HANDED_BACK.into());
                return Ok(None);
            }
            let described = serde_json::to_string(action).unwrap_or_default();
            let number = progress.history.len() + 1;
            let hand_overs = recorder.hand_overs();
            match act::prepare(action, &selectors, page).await {
                Err(mistake) => {
                    progress.history.push(format!("{number}. {described} → not done: {mistake}"));
                    return Ok(None);
                }
                Ok(Move::Browser(step)) => match self.perform(recorder, page, step_run, &step, progress).await? {
                    Ok(result) => {
                        if let (Action::Extract { .. }, Some(Value::Object(fields))) = (&step.action, &result) {
                            progress.extracted.extend(fields.clone());
                        }
                        let shown = result.map(|r| format!(" → {r}")).unwrap_or_else(|| " → done".into());
                        progress.history.push(format!("{number}. {described}{shown}"));
                        progress.replay.push(step);
                        if recorder.hand_overs() != hand_overs {
                            // A person held control during this wait: look at the page again.
                            progress.history.push(HANDED_BACK.into());
                            return Ok(None);
                        }
                    }
                    Err(crate::browser::BrowserError::Crashed) => {
                        return Err(browser_error(&crate::browser::BrowserError::Crashed));
                    }
                    Err(error) => {
                        progress.history.push(format!("{number}. {described} → failed: {error}"));
                        return Ok(None);
                    }
                },
                Ok(Move::Complete) => return self.complete(recorder, step_run, spec, progress).await,
                Ok(Move::Terminate(reason)) => {
                    let reason =
                        if reason.is_empty() { "the agent judged the goal cannot be met".into() } else { reason };
                    return Ok(Some(Outcome::Terminated(RunError::new("agent", "terminated", reason))));
                }
                Ok(Move::AskUser(question)) => {
                    let answer = recorder.ask_person(step_run, &question).await.map_err(system_error)?;
                    progress.history.push(format!("{number}. asked a person: {question} → they answered: {answer}"));
                    return Ok(None);
                }
                Ok(Move::ReportError(code)) => {
                    let Some(meaning) = spec.error_code_mapping.get(&code) else {
                        progress
                            .history
                            .push(format!("{number}. {described} → not done: `{code}` is not one of the error codes"));
                        return Ok(None);
                    };
                    return Ok(Some(Outcome::Terminated(RunError::new("user_defined", &code, meaning.clone()))));
                }
            }
        }
        Ok(None)
    }

    /// Runs one browser step, noting when it ended (and whether it typed) for the page to settle.
    async fn perform(
        &self,
        recorder: &RunRecorder,
        page: &RunPage,
        step_run: &StepRunId,
        step: &ScriptStep,
        progress: &mut Progress,
    ) -> Result<Result<Option<Value>, crate::browser::BrowserError>, RunError> {
        progress.acting_since.get_or_insert_with(Instant::now);
        let result = run_step(recorder, page, step_run, step).await;
        let ended = Instant::now();
        progress.acted_at = Some(ended);
        if step.action.types() {
            progress.typed_at = Some(ended);
        }
        result
    }

    /// Ends the run with its extraction, shaped by the schema; an output that does not fit is
    /// sent back to the model once, then fails the run naming the field.
    async fn complete(
        &self,
        recorder: &RunRecorder,
        step_run: &StepRunId,
        spec: &TaskSpec,
        progress: &mut Progress,
    ) -> Result<Option<Outcome>, RunError> {
        let extracted = (!progress.extracted.is_empty()).then(|| Value::Object(progress.extracted.clone()));
        let output = match (&spec.data_extraction_schema, extracted) {
            (Some(schema), Some(output)) => conform(output, schema),
            (Some(Value::Object(_)), None) => Err("output is required by the schema but nothing was extracted".into()),
            (_, output) => Ok(output.unwrap_or(Value::Null)),
        };
        match output {
            Ok(output) => {
                let script = serde_json::to_vec_pretty(&progress.replay).unwrap_or_default();
                recorder
                    .save_artifact(step_run, ArtifactType::ScriptFile, "json", script)
                    .await
                    .map_err(system_error)?;
                Ok(Some(Outcome::Completed { output: (!output.is_null()).then_some(output) }))
            }
            Err(reason) if !progress.invalid_output_reported => {
                progress.invalid_output_reported = true;
                progress
                    .history
                    .push(format!("complete → refused: {reason}; extract the missing or wrong fields, then complete"));
                Ok(None)
            }
            Err(reason) => Err(RunError::new("extraction", "extraction_invalid", reason)),
        }
    }

    /// Stores one model call with its tokens and cost, and counts it; a failure to store is
    /// logged, not fatal.
    async fn trace(
        &self,
        recorder: &RunRecorder,
        step_run: &StepRunId,
        request: &ChatRequest,
        reply: Option<&llm::ChatReply>,
        parsed: Option<Value>,
        error: Option<String>,
    ) {
        let usage = reply.map(|r| r.usage).unwrap_or_default();
        let price = self.prices.get(&request.model).copied().unwrap_or_default();
        let fresh_input = (usage.input - usage.cached).max(0) as f64;
        let cost =
            (fresh_input * price.input + usage.cached as f64 * price.cached_input + usage.output as f64 * price.output)
                / 1_000_000.0;
        let outcome = match (reply, &error) {
            (Some(_), None) => ModelOutcome::Answered,
            (Some(_), Some(_)) => ModelOutcome::Unusable,
            (None, _) => ModelOutcome::Failed,
        };
        let counted = |tokens: i64| u64::try_from(tokens).unwrap_or(0);
        let tokens =
            Tokens { input: counted(usage.input), cached: counted(usage.cached), output: counted(usage.output) };
        self.metrics.model_call(&request.model, outcome, tokens, cost);
        let trace = NewTrace {
            run_id: recorder.run_id.clone(),
            step_run_id: Some(step_run.clone()),
            provider: self.llm.provider_name().to_owned(),
            model: request.model.clone(),
            request: serde_json::to_value(request).unwrap_or_default(),
            response_text: reply.map(|r| r.text.clone()),
            response: reply.map(|r| r.raw.clone()),
            parsed,
            error,
            input_tokens: usage.input,
            cached_tokens: usage.cached,
            output_tokens: usage.output,
            cost_usd: cost,
            latency_ms: reply.map(|r| r.latency.as_millis() as i64).unwrap_or(0),
        };
        if let Err(error) = self.store.insert_trace(trace).await {
            tracing::warn!(%error, "a model call could not be traced");
        }
    }
}

fn llm_error(error: &LlmError) -> RunError {
    RunError::new("llm", error.code(), error.to_string())
}

fn browser_error(error: &crate::browser::BrowserError) -> RunError {
    crate::engine::action_error(0, "observe the page", error)
}
