//! A plan's blocks, tagged by Skyvern's `block_type`, with Skyvern's field names and defaults.
//!
//! Each block is read in two parts from the same object: the fields every block has
//! (`BlockCommon`) and those of its type (`BlockKind`); unknown fields are ignored, as Skyvern's
//! Pydantic models ignore them. Block types this appliance cannot run are refused by name when the
//! plan is saved rather than failing halfway through a run: `code` holding Python (there is no
//! Python here; an action script of the code engine takes its place) and the integrations
//! (email, S3, PDF, Google Sheets...).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{DefinitionError, Place};
use crate::engine::{Action, ScriptStep, script};

/// One block: its common fields and what its type does.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Block {
    #[serde(flatten)]
    pub common: BlockCommon,
    #[serde(flatten)]
    pub kind: BlockKind,
}

/// The fields every block type has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlockCommon {
    /// The block's name: unique in the plan, an identifier, and how templates reach its output.
    pub label: String,
    /// The block that runs next (Skyvern's graph form); none means the next in the list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_block_label: Option<String>,
    #[serde(default)]
    pub continue_on_failure: bool,
    /// Inside a loop: a failure moves on to the next item instead of failing the loop.
    #[serde(default)]
    pub next_loop_on_failure: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<Map<String, Value>>,
    #[serde(default)]
    pub ignore_workflow_system_prompt: bool,
    /// Extension: blocks of the same list that must finish first; blocks with no dependency
    /// between them may run in parallel.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
}

/// What a block does, by its `block_type`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "block_type", rename_all = "snake_case")]
pub enum BlockKind {
    Task(BrowserTaskBlock),
    TaskV2(TaskV2Block),
    Navigation(BrowserTaskBlock),
    Extraction(BrowserTaskBlock),
    Action(BrowserTaskBlock),
    FileDownload(BrowserTaskBlock),
    /// Signs in with the credential its `parameter_keys` name.
    Login(BrowserTaskBlock),
    GotoUrl(GotoUrlBlock),
    Wait(WaitBlock),
    ForLoop(ForLoopBlock),
    Conditional(ConditionalBlock),
    Validation(ValidationBlock),
    TextPrompt(TextPromptBlock),
    HttpRequest(HttpRequestBlock),
    HumanInteraction(HumanInteractionBlock),
    Code(CodeBlock),
}

/// The agent driving the browser towards a goal: Skyvern's `task`, `navigation`, `extraction`,
/// `action` and `file_download` blocks share these fields and differ in which goal they require.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BrowserTaskBlock {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default)]
    pub title: String,
    #[serde(default = "default_engine")]
    pub engine: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub navigation_goal: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_extraction_goal: Option<String>,
    /// A JSON Schema object, or a text describing the wanted output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_schema: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code_mapping: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub max_retries: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_steps_per_run: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameter_keys: Option<Vec<String>>,
    #[serde(default)]
    pub complete_on_download: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub download_suffix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub download_timeout: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp_verification_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp_identifier: Option<String>,
    #[serde(default)]
    pub disable_cache: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complete_criterion: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminate_criterion: Option<String>,
    #[serde(default = "yes")]
    pub complete_verification: bool,
    #[serde(default)]
    pub include_action_history_in_verification: bool,
    /// `action` blocks: the element to act on, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
}

/// The agent given a free prompt (Skyvern 2.0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskV2Block {
    pub prompt: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp_verification_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp_identifier: Option<String>,
    #[serde(default = "fifty")]
    pub max_iterations: u32,
    #[serde(default = "twenty_five")]
    pub max_steps: u32,
    #[serde(default)]
    pub disable_cache: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GotoUrlBlock {
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaitBlock {
    #[serde(default)]
    pub wait_sec: i64,
}

/// Runs its blocks once per item of a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForLoopBlock {
    /// Read separately, block by block, so an error inside names its place.
    #[serde(skip_deserializing)]
    pub loop_blocks: Vec<Block>,
    /// The parameter or block (its output) whose list is looped over.
    #[serde(default)]
    pub loop_over_parameter_key: String,
    /// A template or a dotted name (`fetch.output.rows`) giving the list, instead of a key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loop_variable_reference: Option<String>,
    #[serde(default)]
    pub complete_if_empty: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_schema: Option<Value>,
}

/// Takes the first branch whose criteria hold, else the default branch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConditionalBlock {
    pub branch_conditions: Vec<BranchCondition>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BranchCondition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criteria: Option<BranchCriteria>,
    /// Where this branch goes; none ends the branch's path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_block_label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub is_default: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BranchCriteria {
    #[serde(default)]
    pub criteria_type: CriteriaType,
    pub expression: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CriteriaType {
    /// A Jinja expression rendered and read as true or false.
    #[default]
    Jinja2Template,
    /// A question the model answers about the page and the run so far.
    Prompt,
}

/// Asks the model whether the page meets a criterion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidationBlock {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complete_criterion: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminate_criterion: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code_mapping: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameter_keys: Option<Vec<String>>,
    #[serde(default)]
    pub disable_cache: bool,
    #[serde(default)]
    pub without_page_information: bool,
}

/// Asks the model a question, without the browser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextPromptBlock {
    pub prompt: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub llm_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameter_keys: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json_schema: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpRequestBlock {
    #[serde(default)]
    pub method: HttpMethod,
    /// Required here (Skyvern's schema makes it optional but fails the run without one).
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<Map<String, Value>>,
    #[serde(default = "thirty")]
    pub timeout: u32,
    #[serde(default = "yes")]
    pub follow_redirects: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub download_filename: Option<String>,
    #[serde(default)]
    pub save_response_as_file: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_response_paths: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameter_keys: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    #[default]
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Head,
    Options,
}

/// Waits for a person to approve or reject before the plan goes on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HumanInteractionBlock {
    #[serde(default = "default_instructions")]
    pub instructions: String,
    #[serde(default = "approve")]
    pub positive_descriptor: String,
    #[serde(default = "reject")]
    pub negative_descriptor: String,
    #[serde(default = "two_hours")]
    pub timeout_seconds: i64,
    /// Kept for Skyvern's clients; this appliance shows the request in its UI and sends no email.
    #[serde(default = "default_sender")]
    pub sender: String,
    #[serde(default)]
    pub recipients: Vec<String>,
    #[serde(default = "default_subject")]
    pub subject: String,
    #[serde(default = "default_body")]
    pub body: String,
}

/// An action script the code engine replays, in place of Skyvern's Python.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CodeBlock {
    pub code: Vec<ScriptStep>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter_keys: Option<Vec<String>>,
}

/// Skyvern's block types this appliance does not run.
const NOT_SUPPORTED: &str = "is not supported by this appliance";

/// The goal a browser-task block type requires.
enum Goal {
    Navigation,
    DataExtraction,
}

impl Block {
    /// Reads a list of blocks (`blocks` or a loop's `loop_blocks`).
    pub(super) fn parse_list(value: Option<&Value>, place: &Place) -> Result<Vec<Block>, DefinitionError> {
        match value {
            Some(Value::Array(items)) => {
                items.iter().enumerate().map(|(index, item)| Block::parse(item, &place.then(index))).collect()
            }
            None | Some(Value::Null) => place.refuse("field required"),
            Some(_) => place.refuse("expected a list of blocks"),
        }
    }

    fn parse(value: &Value, place: &Place) -> Result<Block, DefinitionError> {
        if !value.is_object() {
            return place.refuse("expected a block (an object)");
        }
        let common: BlockCommon = place.typed(value)?;
        let place = place.about(format!("block \"{}\"", common.label));
        let block_type = match value.get("block_type") {
            Some(Value::String(block_type)) => block_type.as_str(),
            None | Some(Value::Null) => return place.then("block_type").refuse("field required"),
            Some(_) => return place.then("block_type").refuse("expected a text"),
        };
        // The browser-task types differ only in the goal they require.
        let browser_task = |required_goal: Option<Goal>| -> Result<BrowserTaskBlock, DefinitionError> {
            let task: BrowserTaskBlock = place.typed(value)?;
            let Some(goal) = required_goal else { return Ok(task) };
            let (field, text) = match goal {
                Goal::Navigation => ("navigation_goal", &task.navigation_goal),
                Goal::DataExtraction => ("data_extraction_goal", &task.data_extraction_goal),
            };
            match text {
                Some(text) if !text.trim().is_empty() => Ok(task),
                _ => place.then(field).refuse(format!("a {block_type} block needs a {field}")),
            }
        };
        let kind = match block_type {
            "task" => BlockKind::Task(browser_task(None)?),
            "action" => BlockKind::Action(browser_task(None)?),
            "navigation" => BlockKind::Navigation(browser_task(Some(Goal::Navigation))?),
            "extraction" => BlockKind::Extraction(browser_task(Some(Goal::DataExtraction))?),
            "file_download" => BlockKind::FileDownload(browser_task(Some(Goal::Navigation))?),
            "task_v2" => BlockKind::TaskV2(place.typed(value)?),
            "goto_url" => BlockKind::GotoUrl(place.typed(value)?),
            "wait" => BlockKind::Wait(place.typed(value)?),
            "for_loop" => {
                let mut for_loop: ForLoopBlock = place.typed(value)?;
                for_loop.loop_blocks = Block::parse_list(value.get("loop_blocks"), &place.then("loop_blocks"))?;
                BlockKind::ForLoop(for_loop)
            }
            "conditional" => BlockKind::Conditional(place.typed(value)?),
            "validation" => BlockKind::Validation(place.typed(value)?),
            "text_prompt" => BlockKind::TextPrompt(place.typed(value)?),
            "http_request" => {
                let method = value.get("method").and_then(Value::as_str).map(str::to_uppercase);
                let mut value = value.clone();
                if let Some(method) = method {
                    value["method"] = Value::String(method);
                }
                let request: HttpRequestBlock = place.typed(&value)?;
                request.refuse_what_is_not_built(&place)?;
                BlockKind::HttpRequest(request)
            }
            "human_interaction" => BlockKind::HumanInteraction(place.typed(value)?),
            "code" => BlockKind::Code(CodeBlock::parse(value, &place)?),
            "login" => BlockKind::Login(browser_task(None)?),
            other => return place.then("block_type").refuse(format!("block type `{other}` {NOT_SUPPORTED}")),
        };
        Ok(Block { common, kind })
    }

    /// How many times a failed attempt is tried again: `max_retries` of the browser-task blocks.
    pub fn max_retries(&self) -> i64 {
        match &self.kind {
            BlockKind::Task(task)
            | BlockKind::Navigation(task)
            | BlockKind::Extraction(task)
            | BlockKind::Action(task)
            | BlockKind::FileDownload(task)
            | BlockKind::Login(task) => task.max_retries.clamp(0, 10),
            _ => 0,
        }
    }

    /// Whether the block acts in a browser tab (a loop may, through its blocks).
    pub fn uses_browser(&self) -> bool {
        !matches!(
            self.kind,
            BlockKind::Wait(_)
                | BlockKind::TextPrompt(_)
                | BlockKind::HttpRequest(_)
                | BlockKind::HumanInteraction(_)
                | BlockKind::Conditional(_)
        )
    }

    /// Whether an attempt that a restart cut short may simply run again: the block did nothing
    /// outside the appliance that running it twice would repeat.
    pub fn runs_again_after_interruption(&self) -> bool {
        matches!(
            self.kind,
            BlockKind::Wait(_)
                | BlockKind::HumanInteraction(_)
                | BlockKind::ForLoop(_)
                | BlockKind::Conditional(_)
                | BlockKind::TextPrompt(_)
                | BlockKind::Validation(_)
        )
    }

    /// The blocks inside this one: a loop's `loop_blocks`, else none.
    pub fn loop_blocks(&self) -> &[Block] {
        match &self.kind {
            BlockKind::ForLoop(for_loop) => &for_loop.loop_blocks,
            _ => &[],
        }
    }
}

impl BlockKind {
    /// Skyvern's `block_type`.
    pub fn type_name(&self) -> &'static str {
        match self {
            BlockKind::Task(_) => "task",
            BlockKind::TaskV2(_) => "task_v2",
            BlockKind::Navigation(_) => "navigation",
            BlockKind::Extraction(_) => "extraction",
            BlockKind::Action(_) => "action",
            BlockKind::FileDownload(_) => "file_download",
            BlockKind::Login(_) => "login",
            BlockKind::GotoUrl(_) => "goto_url",
            BlockKind::Wait(_) => "wait",
            BlockKind::ForLoop(_) => "for_loop",
            BlockKind::Conditional(_) => "conditional",
            BlockKind::Validation(_) => "validation",
            BlockKind::TextPrompt(_) => "text_prompt",
            BlockKind::HttpRequest(_) => "http_request",
            BlockKind::HumanInteraction(_) => "human_interaction",
            BlockKind::Code(_) => "code",
        }
    }
}

impl HttpRequestBlock {
    /// Fields of Skyvern's HTTP request block this appliance does not carry out: refused when the
    /// plan is saved, rather than ignored while it runs.
    fn refuse_what_is_not_built(&self, place: &Place) -> Result<(), DefinitionError> {
        let unsupported = [
            ("files", self.files.as_ref().is_some_and(|files| !files.is_empty())),
            ("save_response_as_file", self.save_response_as_file),
            ("secret_response_paths", self.secret_response_paths.as_ref().is_some_and(|paths| !paths.is_empty())),
        ];
        match unsupported.into_iter().find(|(_, used)| *used) {
            Some((field, _)) => place.then(field).refuse(format!("`{field}` {NOT_SUPPORTED} (yet)")),
            None => Ok(()),
        }
    }
}

impl CodeBlock {
    /// `code` is an action script: a JSON list of actions, or a text holding one. Anything else
    /// is taken for Skyvern's Python, which this appliance cannot run.
    fn parse(value: &Value, place: &Place) -> Result<CodeBlock, DefinitionError> {
        let code_place = place.then("code");
        let script = match value.get("code") {
            Some(Value::String(text)) => match serde_json::from_str::<Value>(text) {
                Ok(script @ Value::Array(_)) => script,
                _ => {
                    return code_place.refuse(
                        "this appliance runs no Python; put a code-engine action script (a JSON list of actions) in `code` instead",
                    );
                }
            },
            Some(script @ Value::Array(_)) => script.clone(),
            None | Some(Value::Null) => return code_place.refuse("field required"),
            Some(_) => return code_place.refuse("expected a JSON list of actions"),
        };
        let code: Vec<ScriptStep> = code_place.typed(&script)?;
        // A URL made by a template is checked once rendered, when the block runs.
        let mut checked = code.clone();
        for step in &mut checked {
            if let Action::Goto { url } | Action::NewTab { url } = &mut step.action
                && url.contains("{{")
            {
                *url = "https://rendered.invalid/".into();
            }
        }
        script::validate(&checked).or_else(|error| code_place.refuse(error))?;
        let parameter_keys = place.then("parameter_keys").typed(value.get("parameter_keys").unwrap_or(&Value::Null))?;
        Ok(CodeBlock { code, parameter_keys })
    }
}

fn default_engine() -> String {
    "skyvern-1.0".into()
}
fn yes() -> bool {
    true
}
fn fifty() -> u32 {
    50
}
fn twenty_five() -> u32 {
    25
}
fn thirty() -> u32 {
    30
}
fn two_hours() -> i64 {
    7200
}
fn approve() -> String {
    "Approve".into()
}
fn reject() -> String {
    "Reject".into()
}
fn default_instructions() -> String {
    "Please review and approve or reject to continue the workflow.".into()
}
fn default_sender() -> String {
    "hello@skyvern.com".into()
}
fn default_subject() -> String {
    "Human interaction required for workflow run".into()
}
fn default_body() -> String {
    "Your interaction is required for a workflow run!".into()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::{accepted, at, refusal};
    use super::*;

    #[test]
    fn an_unknown_block_type_is_refused_by_name() {
        let error = refusal(json!({"parameters": [], "blocks": [
            {"block_type": "wait", "label": "pause"},
            {"block_type": "send_email", "label": "mail_report"}
        ]}));
        assert_eq!(error.location, at("workflow_definition.blocks.1.block_type"));
        assert!(error.message.starts_with("block \"mail_report\": "), "{error}");
        assert!(error.message.contains("`send_email` is not supported"), "{error}");
    }

    #[test]
    fn python_in_a_code_block_is_refused() {
        let error = refusal(json!({"parameters": [], "blocks": [
            {"block_type": "code", "label": "compute", "code": "result = 1 + 1"}
        ]}));
        assert_eq!(error.location, at("workflow_definition.blocks.0.code"));
        assert!(error.message.contains("runs no Python"), "{error}");
    }

    #[test]
    fn a_code_block_holding_an_action_script_is_accepted_as_text_or_list() {
        let script = json!([{"action": "goto", "url": "https://example.com"}, {"action": "click", "selector": "#go"}]);
        let as_text = accepted(json!({"parameters": [], "blocks": [
            {"block_type": "code", "label": "replay", "code": script.to_string()}
        ]}));
        let as_list = accepted(json!({"parameters": [], "blocks": [
            {"block_type": "code", "label": "replay", "code": script}
        ]}));
        assert_eq!(as_text.definition, as_list.definition);
        let BlockKind::Code(code) = &as_list.definition.blocks[0].kind else { panic!("not a code block") };
        assert_eq!(code.code.len(), 2);
    }

    #[test]
    fn an_action_script_with_an_unknown_action_is_refused_where_it_is() {
        let error = refusal(json!({"parameters": [], "blocks": [
            {"block_type": "code", "label": "replay", "code": [{"action": "teleport"}]}
        ]}));
        assert_eq!(error.location[..5], at("workflow_definition.blocks.0.code.0")[..]);
    }

    #[test]
    fn a_login_block_without_a_credential_among_its_parameters_is_refused() {
        let error = refusal(json!({"parameters": [
            {"parameter_type": "workflow", "key": "site", "workflow_parameter_type": "string", "default_value": "x"}
        ], "blocks": [
            {"block_type": "login", "label": "sign_in", "url": "https://example.com", "parameter_keys": ["site"]}
        ]}));
        assert_eq!(error.location, at("workflow_definition.blocks.0.parameter_keys"));
        assert!(error.message.contains("credential"), "{error}");
    }

    #[test]
    fn a_navigation_block_without_a_goal_is_refused() {
        let error = refusal(json!({"parameters": [], "blocks": [{"block_type": "navigation", "label": "open"}]}));
        assert_eq!(error.location, at("workflow_definition.blocks.0.navigation_goal"));
    }

    #[test]
    fn a_block_without_a_label_is_refused_naming_the_field() {
        let error = refusal(json!({"parameters": [], "blocks": [{"block_type": "wait"}]}));
        assert_eq!(error.location, at("workflow_definition.blocks.0.label"));
        assert_eq!(error.message, "field required");
    }

    #[test]
    fn a_wrong_field_type_inside_a_loop_is_located_by_block_index_and_field() {
        let error = refusal(json!({"parameters": [], "blocks": [
            {"block_type": "wait", "label": "pause"},
            {"block_type": "for_loop", "label": "each", "loop_over_parameter_key": "pause", "loop_blocks": [
                {"block_type": "goto_url", "label": "open", "url": 5}
            ]}
        ]}));
        assert_eq!(error.location, at("workflow_definition.blocks.1.loop_blocks.0.url"));
        assert!(error.message.starts_with("block \"open\": "), "{error}");
    }

    #[test]
    fn skyvern_defaults_are_filled_in_and_the_http_method_is_read_in_any_case() {
        let plan = accepted(json!({"parameters": [], "blocks": [
            {"block_type": "http_request", "label": "post", "method": "post", "url": "https://example.com"},
            {"block_type": "human_interaction", "label": "approve", "recipients": []}
        ]}));
        let BlockKind::HttpRequest(request) = &plan.definition.blocks[0].kind else { panic!("not http") };
        assert_eq!((request.method, request.timeout, request.follow_redirects), (HttpMethod::Post, 30, true));
        let BlockKind::HumanInteraction(human) = &plan.definition.blocks[1].kind else { panic!("not human") };
        assert_eq!((human.timeout_seconds, human.positive_descriptor.as_str()), (7200, "Approve"));
    }

    #[test]
    fn http_request_fields_this_appliance_does_not_carry_out_are_refused() {
        let error = refusal(json!({"parameters": [], "blocks": [
            {"block_type": "http_request", "label": "upload", "method": "POST", "url": "https://example.com",
             "files": {"report": "https://example.com/report.pdf"}}
        ]}));
        assert_eq!(error.location, at("workflow_definition.blocks.0.files"));
        assert!(error.message.contains("not supported"), "{error}");
    }

    #[test]
    fn an_unknown_http_method_is_refused() {
        let error = refusal(json!({"parameters": [], "blocks": [
            {"block_type": "http_request", "label": "post", "method": "BREW", "url": "https://example.com"}
        ]}));
        assert_eq!(error.location, at("workflow_definition.blocks.0.method"));
    }
}
