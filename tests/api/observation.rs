//! What the model sees: pages written by others (MiniWoB++'s task pages, built with jQuery UI
//! and d3) and fixture pages, read as a person reads them, and acted on.

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::scripted_llm::{ScriptedLlm, element};

/// The page part of a prompt: one line per element.
fn page_lines(prompt: &str) -> Vec<String> {
    let page = prompt.split_once("The page now:").map_or(prompt, |(_, page)| page);
    page.lines().filter(|line| line.starts_with('[')).map(str::to_owned).collect()
}

/// A line without its own id, with the ids of controls inside its text written `[ref]`.
fn without_ids(line: &str) -> String {
    let line = line.split_once("] ").map_or(line, |(_, rest)| rest);
    let mut out = String::new();
    let mut rest = line;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        match rest[open..].find(']') {
            Some(close) if rest[open + 1..open + close].chars().all(|c| c.is_ascii_alphanumeric()) => {
                out.push_str("[ref]");
                rest = &rest[open + close + 1..];
            }
            _ => {
                out.push('[');
                rest = &rest[open + 1..];
            }
        }
    }
    out + rest
}

/// The user prompt of the `index`th model call.
fn prompt(llm: &ScriptedLlm, index: usize) -> String {
    let body = &llm.received()[index];
    match &body["messages"].as_array().unwrap().last().unwrap()["content"] {
        Value::String(text) => text.clone(),
        other => other.as_array().unwrap().iter().filter_map(|p| p["text"].as_str()).collect(),
    }
}

/// Runs the agent on `url` to its end; returns the run.
async fn run_agent(app: &TestApp, url: &str) -> Value {
    let run = app.create_run(json!({"prompt": "Do the task on the page", "url": url})).await;
    app.wait_until_final(run["run_id"].as_str().unwrap()).await
}

/// What the model sees of `url` at its first step.
async fn first_sight(page: &str) -> Vec<String> {
    let llm = ScriptedLlm::start();
    llm.decide(|_| json!([{"action": "terminate", "reason": "only looking"}]));
    let app = llm.appliance("openai", |_| {}).await;
    run_agent(&app, &app.fixtures.url(page)).await;
    page_lines(&prompt(&llm, 0))
}

/// The text in the quotes after `marker` in `line` (a JSON string's content, unescaped).
fn quoted_after(line: &str, marker: &str) -> String {
    let start = line.find(marker).unwrap_or_else(|| panic!("no {marker:?} in {line}")) + marker.len();
    let literal: String = std::iter::once('"').chain(line[start..].chars()).collect();
    let mut stream = serde_json::Deserializer::from_str(&literal).into_iter::<String>();
    stream.next().unwrap().unwrap()
}

/// MiniWoB++ shows a START cover over each task until it is clicked; the reward of the last
/// episode is shown as "Last reward: 0.83" (negative when the task was done wrong).
fn start_the_episode(llm: &ScriptedLlm) {
    llm.decide(|page| json!([{"action": "click", "element": element(page, "\"START\""), "intent": "start the task"}]));
}

fn read_the_reward(llm: &ScriptedLlm) {
    llm.decide(|page| {
        let line = page_lines(page).into_iter().find(|line| line.contains("Last reward:")).unwrap();
        let reward = quoted_after(&line, "\"Last reward: ").trim_end_matches('"').to_owned();
        json!([
            {"action": "extract", "fields": {"reward": {"element": element(page, "Last reward:"), "part": reward}}},
            {"action": "complete"}
        ])
    });
}

fn reward_of(run: &Value) -> f64 {
    assert_eq!(run["status"], "completed", "{run}");
    run["output"]["reward"].as_str().unwrap().parse().unwrap()
}

/// The word in quotes right after `marker` in the task's line of the page ("Enter \"Juan\"…").
fn quoted_in_task(page: &str, marker: &str) -> String {
    let line = page_lines(page).into_iter().find(|line| line.contains(marker)).expect("the task is one line");
    quoted_after(&line, &format!("{marker} \\\"")).split('"').next().unwrap().to_owned()
}

/// Runs the MiniWoB++ task with the decisions already queued, then reads the reward; asserts
/// MiniWoB++ judged the task done.
async fn rewarded(llm: &ScriptedLlm, task: &str, seed: u32) -> (TestApp, Value) {
    read_the_reward(llm);
    let app = llm.appliance("openai", |_| {}).await;
    let run = run_agent(&app, &app.fixtures.miniwob(task, seed)).await;
    assert!(reward_of(&run) > 0.0, "MiniWoB++ judged the task done: {run}");
    (app, run)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_stays_in_its_sentence_with_controls_in_place_and_nothing_said_twice() {
    let lines: Vec<String> = first_sight("inline-text.html").await.iter().map(|line| without_ids(line)).collect();
    let expected = [
        r#"h2 "Welcome, Ada!""#,
        r#"p "Read [ref] before you start.""#,
        r#"a "the terms" href=/terms.html"#,
        r#"div "Your nickname is shown to others""#,
        r#"th "Name""#,
        r#"td "Ada Lovelace""#,
        r#"a "Edit" href=#edit"#,
        r#"li "Price: $5 [ref]""#,
        r#"button "Buy""#,
        r#"div "Enter \"Juan\" into the text field""#,
        r#"input type=text "Home town" value="Paris""#,
    ];
    assert_eq!(lines, expected, "the page as the model reads it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn elements_that_act_on_a_click_are_marked_clickable_and_can_be_clicked() {
    let llm = ScriptedLlm::start();
    llm.decide(|page| json!([{"action": "click", "element": element(page, "Listener span")}])).decide(
        |page| json!([{"action": "extract", "fields": {"status": element(page, "Chose")}}, {"action": "complete"}]),
    );
    let app = llm.appliance("openai", |_| {}).await;
    let run = run_agent(&app, &app.fixtures.url("clickables.html")).await;
    assert_eq!(run["output"], json!({"status": "Chose the listener span"}), "{run}");

    let lines: Vec<String> = page_lines(&prompt(&llm, 0)).iter().map(|line| without_ids(line)).collect();
    let expected = [
        r#"p "Nothing chosen""#,
        r#"span clickable "Listener span""#,
        r#"div clickable "Onclick div""#,
        r#"div role=button clickable "Role button""#,
        r#"li clickable "Tabbable item""#,
        r#"span clickable "Pointer span in bold""#,
        r#"div "A plain span in a sentence""#,
        r#"p "Main text""#,
    ];
    assert_eq!(lines, expected, "the page as the model reads it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_reads_a_miniwob_task_whose_words_are_split_by_markup_and_does_it() {
    let llm = ScriptedLlm::start();
    start_the_episode(&llm);
    llm.decide(|page| {
        let name = quoted_in_task(page, "Enter");
        let lines = page_lines(page);
        assert_eq!(lines.iter().filter(|line| line.contains(&name)).count(), 1, "the name is said once: {page}");
        json!([
            {"action": "fill", "element": element(page, "input type=text"), "text": name},
            {"action": "click", "element": element(page, "\"Submit\"")}
        ])
    });
    rewarded(&llm, "enter-text", 3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_clicks_a_link_that_is_a_span_inside_a_paragraph_of_a_miniwob_task() {
    let llm = ScriptedLlm::start();
    start_the_episode(&llm);
    llm.decide(|page| {
        let name = quoted_in_task(page, "Click on the link");
        let lines = page_lines(page);
        let link = lines
            .iter()
            .find(|line| line.contains(&format!("span clickable \"{name}\"")))
            .unwrap_or_else(|| panic!("the link {name:?} is a clickable line of its own: {page}"));
        let paragraph = lines.iter().find(|line| line.matches("[e").count() > 2).expect("the paragraph");
        let link_id = &link[1..link.find(']').unwrap()];
        assert!(paragraph.contains(&format!("[{link_id}]")), "the link stands in its paragraph: {paragraph}");
        json!([{"action": "click", "element": link_id}])
    });
    rewarded(&llm, "click-link", 5).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suggestions_a_jquery_ui_autocomplete_shows_after_typing_are_in_the_next_observation() {
    let llm = ScriptedLlm::start();
    start_the_episode(&llm);
    llm.decide(|page| {
        let start = quoted_in_task(page, "starts with");
        json!([{"action": "type", "element": element(page, "input type=text"), "text": start}])
    })
    .decide(|page| {
        let lines = page_lines(page);
        let start = quoted_in_task(page, "starts with");
        let task = lines.iter().find(|line| line.contains("starts with")).unwrap();
        let end = task.split_once("ends with \\\"").map(|(_, rest)| rest.split('\\').next().unwrap().to_owned());
        let suggestions: Vec<&String> =
            lines.iter().filter(|line| line.contains(" clickable ") && line.contains(&format!("\"{start}"))).collect();
        assert!(!suggestions.is_empty(), "the suggestions are on the page the model sees: {page}");
        let pick = suggestions
            .iter()
            .find(|line| end.as_ref().is_none_or(|end| line.ends_with(&format!("{end}\""))))
            .unwrap_or_else(|| panic!("a suggestion ending with {end:?}: {page}"));
        json!([{"action": "click", "element": &pick[1..pick.find(']').unwrap()]}])
    })
    .decide(|page| json!([{"action": "click", "element": element(page, "\"Submit\"")}]));
    let (app, run) = rewarded(&llm, "use-autocomplete", 2).await;
    let decisions: Vec<Value> = app.timeline(run["run_id"].as_str().unwrap()).await;
    let waits: Vec<f64> = decisions.iter().filter_map(|item| item["detail"]["timing_ms"]["settle"].as_f64()).collect();
    // The pause counts from the keystrokes, which ended a moment before the wait began.
    assert!(waits[2] >= 400.0, "after typing, the page gets its pause to react: {waits:?}");
    assert!(waits[1] < 400.0 && waits[3] < 400.0, "after clicks, no pause is imposed: {waits:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_a_page_fetches_after_a_click_is_in_the_next_observation() {
    let llm = ScriptedLlm::start();
    llm.decide(|page| json!([{"action": "click", "element": element(page, "Check availability")}]))
        .decide(|page| json!([{"action": "extract", "fields": {"answer": element(page, "Seats left")}}, {"action": "complete"}]));
    let app = llm.appliance("openai", |_| {}).await;
    let run = run_agent(&app, &app.fixtures.url("slow-answer.html")).await;
    assert_eq!(run["output"], json!({"answer": "Seats left: 3"}), "{run}");
}
