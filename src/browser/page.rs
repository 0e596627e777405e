//! A run's page and the primitive browser operations every engine builds on.
//!
//! Operations that name an element wait for it (visible, enabled) up to the action timeout, the
//! way a person waits for a page to load; a click that starts a navigation waits for the new page
//! to load before returning. Every CDP call is raced against the browser's liveness, so a crashed
//! Chromium ends the operation at once with `BrowserError::Crashed` instead of a long timeout.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chromiumoxide::cdp::browser_protocol::browser::BrowserContextId;
use chromiumoxide::cdp::browser_protocol::dom::DescribeNodeParams;
use chromiumoxide::cdp::browser_protocol::dom::SetFileInputFilesParams;
use chromiumoxide::cdp::browser_protocol::emulation::SetDeviceMetricsOverrideParams;
use chromiumoxide::cdp::browser_protocol::fetch::{
    self, ContinueRequestParams, EventRequestPaused, FailRequestParams, RequestPattern,
};
use chromiumoxide::cdp::browser_protocol::network::{ErrorReason, Headers, SetExtraHttpHeadersParams};
use chromiumoxide::cdp::browser_protocol::page::CaptureScreenshotFormat;
use chromiumoxide::cdp::browser_protocol::page::{CreateIsolatedWorldParams, FrameId};
use chromiumoxide::cdp::browser_protocol::target::CreateTargetParams;
use chromiumoxide::cdp::js_protocol::runtime::{EvaluateParams, ExecutionContextId};
use chromiumoxide::js::EvaluationResult;
use chromiumoxide::layout::Point;
use chromiumoxide::page::ScreenshotParams;
use chromiumoxide::{Browser, Page};
use futures::StreamExt;
use serde_json::{Value, json};

use super::BrowserError;
use super::launch::Liveness;
use super::observation::OBSERVE;
use super::off_limits::OffLimits;
use super::requests::InFlight;

/// Page-side helpers, see `dom.js`; defined once in each of the appliance's script worlds.
const DOM_HELPERS: &str = include_str!("dom.js");
/// Keeps the run in one tab, see `same_tab.js`.
const SAME_TAB: &str = include_str!("same_tab.js");

/// How long an element may stay covered by another before a click on it fails (an overlay that
/// fades out, a menu that closes).
const COVERED_PATIENCE: Duration = Duration::from_secs(1);
/// How often a waiting operation looks again.
const POLL_INTERVAL: Duration = Duration::from_millis(40);

/// Settings shared by every run's page.
#[derive(Debug, Clone)]
pub struct PageSettings {
    pub viewport_width: u32,
    pub viewport_height: u32,
    /// How long element operations wait for their element.
    pub action_timeout: Duration,
    /// Where each run context's downloads go, in a folder of its own.
    pub downloads_root: PathBuf,
    /// Where the page may not go: the appliance itself (none for tests of the browser alone).
    pub off_limits: Option<Arc<OffLimits>>,
}

/// Which option of a `<select>` to choose.
#[derive(Debug, Clone)]
pub enum OptionChoice {
    Value(String),
    Label(String),
}

pub struct RunPage {
    /// The run's tabs and which one it acts in.
    tabs: tokio::sync::Mutex<Tabs>,
    /// The tab the run acts in, for those that follow it (the screencast).
    current_tab: tokio::sync::watch::Sender<Page>,
    /// The browser and context the tabs live in, to open more.
    browser: Arc<Browser>,
    context_id: BrowserContextId,
    settings: PageSettings,
    pub(super) liveness: Liveness,
    action_timeout: Duration,
    /// Where the browser saves this page's downloads; none for a remote browser (which also
    /// cannot be given files: it reads paths on its own machine).
    download_dir: Option<PathBuf>,
    /// The appliance's own JavaScript world in the current document (see `world`).
    world: tokio::sync::Mutex<Option<ExecutionContextId>>,
    /// Its worlds in cross-origin iframes, by frame.
    frame_worlds: tokio::sync::Mutex<HashMap<FrameId, ExecutionContextId>>,
    /// Where the mouse pointer is, in the viewport (see `mouse`).
    pointer: std::sync::Mutex<(f64, f64)>,
    /// The script that fills a profile's local storage (see `storage`), for every new tab.
    restoring: std::sync::Mutex<Option<String>>,
}

/// A run's tabs, in the order they were opened.
struct Tabs {
    tabs: Vec<Tab>,
    current: usize,
}

/// One tab, and the requests it has in flight.
struct Tab {
    page: Page,
    requests: Arc<InFlight>,
}

/// Where part of a selector is evaluated: a script world, and the offset of its frame's
/// viewport in the page's.
struct Scope {
    context: ExecutionContextId,
    dx: f64,
    dy: f64,
}

impl RunPage {
    pub(super) async fn new(
        page: Page,
        browser: Arc<Browser>,
        context_id: BrowserContextId,
        liveness: Liveness,
        settings: &PageSettings,
        download_dir: Option<PathBuf>,
    ) -> Result<RunPage, BrowserError> {
        let run_page = RunPage {
            tabs: tokio::sync::Mutex::new(Tabs { tabs: Vec::new(), current: 0 }),
            current_tab: tokio::sync::watch::Sender::new(page.clone()),
            browser,
            context_id,
            settings: settings.clone(),
            liveness,
            action_timeout: settings.action_timeout,
            download_dir,
            world: tokio::sync::Mutex::new(None),
            frame_worlds: tokio::sync::Mutex::new(HashMap::new()),
            pointer: std::sync::Mutex::new((0.0, 0.0)),
            restoring: std::sync::Mutex::new(None),
        };
        let requests = run_page.set_up(&page).await?;
        run_page.tabs.lock().await.tabs.push(Tab { page, requests });
        Ok(run_page)
    }

    /// Follows the tab the run acts in.
    pub(super) fn watch_current_tab(&self) -> tokio::sync::watch::Receiver<Page> {
        self.current_tab.subscribe()
    }

    /// The tab the run acts in.
    pub(super) async fn page(&self) -> Page {
        let tabs = self.tabs.lock().await;
        tabs.tabs[tabs.current].page.clone()
    }

    /// Where the mouse pointer is.
    pub(super) fn pointer(&self) -> Point {
        let (x, y) = *self.pointer.lock().unwrap_or_else(|p| p.into_inner());
        Point::new(x, y)
    }

    /// Notes where the mouse pointer went.
    pub(super) fn pointer_moved(&self, to: Point) {
        *self.pointer.lock().unwrap_or_else(|p| p.into_inner()) = (to.x, to.y);
    }

    /// The requests in flight of the tab the run acts in.
    pub(super) async fn requests(&self) -> Arc<InFlight> {
        let tabs = self.tabs.lock().await;
        tabs.tabs[tabs.current].requests.clone()
    }

    /// Readies a tab for a run: the fixed viewport, one-tab links, no way to the appliance, and
    /// its requests followed.
    async fn set_up(&self, page: &Page) -> Result<Arc<InFlight>, BrowserError> {
        let metrics = SetDeviceMetricsOverrideParams::new(
            i64::from(self.settings.viewport_width),
            i64::from(self.settings.viewport_height),
            1.0,
            false,
        );
        self.guard(page.execute(metrics)).await?;
        self.guard(page.evaluate_on_new_document(SAME_TAB)).await?;
        let restoring = self.restoring.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(script) = restoring {
            self.guard(page.evaluate_on_new_document(script)).await?;
        }
        if let Some(off_limits) = &self.settings.off_limits {
            self.guard(page.evaluate_on_new_document(off_limits.guard_script())).await?;
            self.keep_away(page, off_limits.clone()).await?;
        }
        InFlight::follow(page).await
    }

    /// Opens a new tab at `url`, in the run's context, and acts in it from now on.
    pub async fn new_tab(&self, url: &str) -> Result<usize, BrowserError> {
        let page = self.blank_tab().await?;
        let requests = self.set_up(&page).await?;
        let index = {
            let mut tabs = self.tabs.lock().await;
            tabs.tabs.push(Tab { page: page.clone(), requests });
            tabs.current = tabs.tabs.len() - 1;
            tabs.current
        };
        self.current_tab.send_replace(page);
        self.forget_worlds().await;
        self.goto(url).await?;
        Ok(index)
    }

    /// A page of its own in the run's context (a tab the run's other work does not act in), for a
    /// plan block that runs beside others: it shares the run's cookies and storage.
    pub async fn open_beside(&self) -> Result<RunPage, BrowserError> {
        let page = self.blank_tab().await?;
        let settings = self.settings.clone();
        let beside = RunPage::new(
            page,
            self.browser.clone(),
            self.context_id.clone(),
            self.liveness.clone(),
            &settings,
            self.download_dir.clone(),
        )
        .await?;
        let restoring = self.restoring.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(script) = restoring {
            beside.add_restoring_script(script).await?;
        }
        Ok(beside)
    }

    /// Runs `script` before the page's own scripts in every document of this page's tabs, and of
    /// the tabs it opens later.
    pub(super) async fn add_restoring_script(&self, script: String) -> Result<(), BrowserError> {
        *self.restoring.lock().unwrap_or_else(|p| p.into_inner()) = Some(script.clone());
        for page in self.tab_pages().await {
            self.guard(page.evaluate_on_new_document(script.clone())).await?;
        }
        Ok(())
    }

    /// Every tab of this page.
    pub(super) async fn tab_pages(&self) -> Vec<Page> {
        self.tabs.lock().await.tabs.iter().map(|tab| tab.page.clone()).collect()
    }

    pub(super) fn browser(&self) -> &Arc<Browser> {
        &self.browser
    }

    pub(super) fn context_id(&self) -> &BrowserContextId {
        &self.context_id
    }

    /// A new blank tab in the run's context.
    async fn blank_tab(&self) -> Result<Page, BrowserError> {
        let target = CreateTargetParams::builder()
            .url("about:blank")
            .browser_context_id(self.context_id.clone())
            .build()
            .map_err(BrowserError::Cdp)?;
        self.guard(self.browser.new_page(target)).await
    }

    /// Closes every tab of a page opened beside the run's own.
    pub async fn close_tabs(self) {
        let tabs = std::mem::take(&mut self.tabs.lock().await.tabs);
        for tab in tabs {
            let _ = self.guard(tab.page.close()).await;
        }
    }

    /// Acts in tab `index` (0 is the first) from now on.
    pub async fn switch_tab(&self, index: usize) -> Result<(), BrowserError> {
        let page = {
            let mut tabs = self.tabs.lock().await;
            if index >= tabs.tabs.len() {
                return Err(BrowserError::Refused {
                    target: format!("tab {index}"),
                    reason: format!("there are {} tabs (0 to {})", tabs.tabs.len(), tabs.tabs.len() - 1),
                });
            }
            tabs.current = index;
            tabs.tabs[index].page.clone()
        };
        self.forget_worlds().await;
        self.guard(page.bring_to_front()).await?;
        self.current_tab.send_replace(page);
        Ok(())
    }

    /// The tabs, as `(title, url, current)`, once there is more than one (none otherwise: a
    /// single tab needs no listing, and asking costs two browser calls a step).
    pub async fn tab_list(&self) -> Vec<(String, String, bool)> {
        let (pages, current) = {
            let tabs = self.tabs.lock().await;
            (tabs.tabs.iter().map(|tab| tab.page.clone()).collect::<Vec<_>>(), tabs.current)
        };
        if pages.len() < 2 {
            return Vec::new();
        }
        let mut list = Vec::new();
        for (index, page) in pages.iter().enumerate() {
            let title = self.guard(page.get_title()).await.ok().flatten().unwrap_or_default();
            let url = self.guard(page.url()).await.ok().flatten().unwrap_or_default();
            list.push((title, url, index == current));
        }
        list
    }

    async fn forget_worlds(&self) {
        *self.world.lock().await = None;
        self.frame_worlds.lock().await.clear();
    }

    /// Fails every request of the page (navigations, redirects and frames included) that would
    /// reach the appliance, as if it were unreachable; lets the others go on.
    async fn keep_away(&self, page: &Page, off_limits: Arc<OffLimits>) -> Result<(), BrowserError> {
        let mut paused = self.guard(page.event_listener::<EventRequestPaused>()).await?;
        let patterns =
            off_limits.patterns().into_iter().map(|pattern| RequestPattern::builder().url_pattern(pattern).build());
        self.guard(page.execute(fetch::EnableParams::builder().patterns(patterns).build())).await?;
        let page = page.clone();
        let log_span = self.liveness.log_span.clone();
        tokio::spawn(async move {
            while let Some(request) = paused.next().await {
                // Each request is decided on its own: a slow lookup of one host holds up no other.
                let (page, off_limits) = (page.clone(), off_limits.clone());
                tokio::spawn(log_span.clone().within(async move {
                    let id = request.request_id.clone();
                    if off_limits.reach(&request.request.url).await {
                        tracing::warn!(url = %request.request.url, "a run's page tried to reach the appliance; refused");
                        let _ = page.execute(FailRequestParams::new(id, ErrorReason::BlockedByClient)).await;
                    } else {
                        let _ = page.execute(ContinueRequestParams::new(id)).await;
                    }
                }));
            }
        });
        Ok(())
    }

    /// What the browser's own tasks (its connection, the page's request guards) log from now
    /// on is within `span`: the run that drives it, or none.
    pub fn log_within(&self, span: tracing::Span) {
        self.liveness.log_span.set(span);
    }

    pub(super) fn settings(&self) -> &PageSettings {
        &self.settings
    }

    pub fn action_timeout(&self) -> Duration {
        self.action_timeout
    }

    /// Races a CDP call against the browser going away.
    pub(super) async fn guard<T>(
        &self,
        call: impl Future<Output = chromiumoxide::Result<T>>,
    ) -> Result<T, BrowserError> {
        if !self.liveness.is_alive() {
            return Err(BrowserError::Crashed);
        }
        tokio::select! {
            result = call => result.map_err(|error| {
                if self.liveness.is_alive() { BrowserError::Cdp(error.to_string()) } else { BrowserError::Crashed }
            }),
            _ = self.liveness.gone() => Err(BrowserError::Crashed),
        }
    }

    /// The appliance's own JavaScript world in the main frame: the page's scripts can neither
    /// see it nor change the functions it uses. It is made once per document and made again
    /// after a navigation.
    pub(super) async fn world(&self) -> Result<ExecutionContextId, BrowserError> {
        let mut cached = self.world.lock().await;
        if let Some(id) = *cached {
            return Ok(id);
        }
        let frame = self
            .guard(self.page().await.mainframe())
            .await?
            .ok_or_else(|| BrowserError::Cdp("no main frame".into()))?;
        let params = CreateIsolatedWorldParams::builder()
            .frame_id(frame)
            .world_name("skyvern")
            .build()
            .map_err(BrowserError::Cdp)?;
        let id = self.guard(self.page().await.execute(params)).await?.result.execution_context_id;
        self.install_helpers(id).await?;
        *cached = Some(id);
        Ok(id)
    }

    /// Defines the page-side helpers once in a new world, so that each later call sends only
    /// its arguments, and starts watching the page for changes (see `settle`).
    pub(super) async fn install_helpers(&self, world: ExecutionContextId) -> Result<(), BrowserError> {
        let install = format!(
            "globalThis.__skyvernDom = ({DOM_HELPERS}); globalThis.__skyvernObserve = ({OBSERVE}); __skyvernDom(\"watch\", {{}}).ok"
        );
        self.evaluate_in(world, install, true).await.map(drop)
    }

    /// Evaluates `expression` in the appliance's world of the main frame.
    pub(super) async fn evaluate(&self, expression: String, by_value: bool) -> Result<EvaluationResult, BrowserError> {
        for attempt in 0..2 {
            match self.evaluate_in(self.world().await?, expression.clone(), by_value).await {
                // The document changed, and its world with it: make the new one.
                Err(BrowserError::Cdp(message)) if attempt == 0 && message.contains("context") => {
                    *self.world.lock().await = None;
                    self.frame_worlds.lock().await.clear();
                }
                other => return other,
            }
        }
        Err(BrowserError::Cdp("the page's script context keeps disappearing".into()))
    }

    pub(super) async fn evaluate_in(
        &self,
        context: ExecutionContextId,
        expression: String,
        by_value: bool,
    ) -> Result<EvaluationResult, BrowserError> {
        let params = EvaluateParams::builder()
            .expression(expression)
            .context_id(context)
            .return_by_value(by_value)
            .await_promise(true)
            .build()
            .map_err(BrowserError::Cdp)?;
        self.guard(self.page().await.evaluate_expression(params)).await
    }

    /// The appliance's world inside the cross-origin iframe that `host` (a selector run in
    /// `context`) names.
    pub(super) async fn frame_world(
        &self,
        context: ExecutionContextId,
        host: &str,
    ) -> Result<ExecutionContextId, BrowserError> {
        let expression = format!("__skyvernDom(\"element\", {})", json!({ "selector": host }));
        let element = self.evaluate_in(context, expression, false).await?;
        let object_id =
            element.object().object_id.clone().ok_or_else(|| BrowserError::Cdp("the frame went away".into()))?;
        let described =
            self.guard(self.page().await.execute(DescribeNodeParams::builder().object_id(object_id).build())).await?;
        let frame = described.result.node.frame_id.clone().ok_or_else(|| BrowserError::Cdp("not a frame".into()))?;
        if let Some(world) = self.frame_worlds.lock().await.get(&frame) {
            return Ok(*world);
        }
        let params = CreateIsolatedWorldParams::builder()
            .frame_id(frame.clone())
            .world_name("skyvern")
            .build()
            .map_err(BrowserError::Cdp)?;
        let world = self.guard(self.page().await.execute(params)).await?.result.execution_context_id;
        self.install_helpers(world).await?;
        self.frame_worlds.lock().await.insert(frame, world);
        Ok(world)
    }

    /// Follows a piercing selector across cross-origin iframes: the world its last part runs in,
    /// that part, and the frame's offset.
    async fn locate(&self, selector: &str) -> Result<(Scope, String), BrowserError> {
        let mut scope = Scope { context: self.world().await?, dx: 0.0, dy: 0.0 };
        let mut rest = selector.to_owned();
        while rest.contains(" >>> ") {
            let expression = format!("__skyvernDom(\"boundary\", {})", json!({ "selector": rest }));
            let boundary = self.evaluate_in(scope.context, expression, true).await?;
            let boundary = boundary.value().cloned().unwrap_or(Value::Null);
            if boundary["cross"] != true {
                break;
            }
            let host = boundary["host"].as_str().unwrap_or_default().to_owned();
            scope = Scope {
                context: self.frame_world(scope.context, &host).await?,
                dx: scope.dx + boundary["x"].as_f64().unwrap_or(0.0),
                dy: scope.dy + boundary["y"].as_f64().unwrap_or(0.0),
            };
            rest = boundary["rest"].as_str().unwrap_or_default().to_owned();
        }
        Ok((scope, rest))
    }

    /// Runs one `dom.js` operation once, in the frame its selector leads to. Points come back in
    /// the page's viewport.
    pub(super) async fn dom(&self, op: &str, mut args: Value) -> Result<Value, BrowserError> {
        let Some(selector) = args["selector"].as_str().filter(|s| s.contains(" >>> ")).map(str::to_owned) else {
            let expression = format!("__skyvernDom({}, {args})", Value::from(op));
            return Ok(self.evaluate(expression, true).await?.value().cloned().unwrap_or(Value::Null));
        };
        let (scope, rest) = match self.locate(&selector).await {
            Err(BrowserError::Cdp(message)) if message.contains("context") => {
                *self.world.lock().await = None;
                self.frame_worlds.lock().await.clear();
                self.locate(&selector).await?
            }
            other => other?,
        };
        args["selector"] = Value::String(rest);
        let expression = format!("__skyvernDom({}, {args})", Value::from(op));
        let mut result =
            self.evaluate_in(scope.context, expression, true).await?.value().cloned().unwrap_or(Value::Null);
        if let (Some(x), Some(y)) = (result["x"].as_f64(), result["y"].as_f64()) {
            result["x"] = json!(x + scope.dx);
            result["y"] = json!(y + scope.dy);
        }
        Ok(result)
    }

    /// Runs a `dom.js` operation until it succeeds, refuses, or `timeout` passes.
    async fn dom_until(&self, op: &str, args: Value, what: &str, timeout: Duration) -> Result<Value, BrowserError> {
        let started = Instant::now();
        loop {
            // While a navigation swaps documents an evaluation can fail; that is "not yet".
            let (retry, error, covered) = match self.dom(op, args.clone()).await {
                Ok(result) if result["ok"] == true => return Ok(result),
                Ok(result) => (
                    result["retry"] == true,
                    result["error"].as_str().unwrap_or("failed").to_owned(),
                    result["covered"].as_str().map(str::to_owned),
                ),
                Err(BrowserError::Cdp(message)) => (true, message, None),
                Err(other) => return Err(other),
            };
            if !retry {
                return Err(BrowserError::Refused { target: what.to_owned(), reason: error });
            }
            if let Some(by) = covered
                && started.elapsed() >= COVERED_PATIENCE.min(timeout)
            {
                return Err(BrowserError::Covered { target: what.to_owned(), by });
            }
            if started.elapsed() >= timeout {
                return Err(BrowserError::NotFound {
                    target: what.to_owned(),
                    waited_ms: timeout.as_millis() as u64,
                    reason: error,
                });
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Sends these headers with every request of the page.
    pub async fn set_extra_headers(&self, headers: &BTreeMap<String, String>) -> Result<(), BrowserError> {
        let headers = Headers::new(json!(headers));
        self.guard(self.page().await.execute(SetExtraHttpHeadersParams::new(headers))).await?;
        Ok(())
    }

    /// A point of the element that a click reaches (its centre unless something covers it),
    /// scrolled into view.
    async fn point_of(&self, selector: &str, must_be_enabled: bool) -> Result<Point, BrowserError> {
        let args = json!({ "selector": selector, "enabled": must_be_enabled });
        let point = self.dom_until("point", args, selector, self.action_timeout).await?;
        Ok(Point::new(point["x"].as_f64().unwrap_or(0.0), point["y"].as_f64().unwrap_or(0.0)))
    }

    /// Clicks the element with real mouse events where nothing covers it; waits for a navigation
    /// it starts.
    pub async fn click(&self, selector: &str) -> Result<(), BrowserError> {
        let point = self.point_of(selector, true).await?;
        self.navigating(self.click_at(point)).await
    }

    /// Moves the mouse over the element.
    pub async fn hover(&self, selector: &str) -> Result<(), BrowserError> {
        let point = self.point_of(selector, false).await?;
        self.glide_to(point).await
    }

    /// Sets a field's value at once, firing `input` and `change`.
    /// `shown`, when the value holds secrets, is the value as the model wrote it: the field is
    /// then masked on screen and read back as that (see `holdSecret` in `dom.js`).
    pub async fn fill(&self, selector: &str, value: &str, shown: Option<&str>) -> Result<(), BrowserError> {
        let args = json!({ "selector": selector, "value": value, "shown": shown });
        self.dom_until("fill", args, selector, self.action_timeout).await?;
        Ok(())
    }

    /// Focuses a field and types text into it as keyboard input (`shown`: as for `fill`).
    pub async fn type_text(&self, selector: &str, text: &str, shown: Option<&str>) -> Result<(), BrowserError> {
        let args = json!({ "selector": selector, "shown": shown });
        self.dom_until("focus", args, selector, self.action_timeout).await?;
        let insert = chromiumoxide::cdp::browser_protocol::input::InsertTextParams::new(text);
        self.guard(self.page().await.execute(insert)).await?;
        Ok(())
    }

    pub async fn select_option(&self, selector: &str, choice: &OptionChoice) -> Result<String, BrowserError> {
        let args = match choice {
            OptionChoice::Value(value) => json!({ "selector": selector, "value": value }),
            OptionChoice::Label(label) => json!({ "selector": selector, "label": label }),
        };
        let result = self.dom_until("select", args, selector, self.action_timeout).await?;
        Ok(result["value"].as_str().unwrap_or_default().to_owned())
    }

    pub async fn set_checked(&self, selector: &str, checked: bool) -> Result<(), BrowserError> {
        let args = json!({ "selector": selector, "checked": checked });
        self.dom_until("check", args, selector, self.action_timeout).await?;
        Ok(())
    }

    /// Presses a key (`Enter`, `Tab`, `ArrowDown`, `a`, …) on the element, or on the focused one.
    pub async fn press_key(&self, key: &str, selector: Option<&str>) -> Result<(), BrowserError> {
        if let Some(selector) = selector {
            self.dom_until("focus", json!({ "selector": selector }), selector, self.action_timeout).await?;
        }
        // Key events go to whatever has focus; the element is only chromiumoxide's way in.
        let element = self.guard(self.page().await.find_element("html")).await?;
        let press = async {
            self.guard(element.press_key(key)).await.map(drop).map_err(|error| match error {
                BrowserError::Cdp(reason) => BrowserError::Refused { target: format!("key {key}"), reason },
                other => other,
            })
        };
        self.navigating(press).await
    }

    /// Scrolls the page, or the element, by (x, y) pixels.
    pub async fn scroll(&self, selector: Option<&str>, x: f64, y: f64) -> Result<(), BrowserError> {
        let args = json!({ "selector": selector, "x": x, "y": y });
        self.dom_until("scroll", args, selector.unwrap_or("the page"), self.action_timeout).await?;
        Ok(())
    }

    pub async fn wait_for_selector(&self, selector: &str, timeout: Duration) -> Result<(), BrowserError> {
        self.dom_until("present", json!({ "selector": selector }), selector, timeout).await?;
        Ok(())
    }

    pub async fn wait_for_text(&self, text: &str, timeout: Duration) -> Result<(), BrowserError> {
        let what = format!("text \"{text}\"");
        self.dom_until("text", json!({ "text": text }), &what, timeout).await?;
        Ok(())
    }

    /// Reads the fields described by `fields` (see `dom.js`), waiting for `wait_for` first.
    /// Fields that step into frames are read one element at a time, so that cross-origin
    /// frames are read in their own world.
    pub async fn extract(&self, fields: &Value, wait_for: &[String]) -> Result<Value, BrowserError> {
        for selector in wait_for {
            self.wait_for_selector(selector, self.action_timeout).await?;
        }
        let piercing = |selector: &Value| selector.as_str().is_some_and(|s| s.contains(" >>> "));
        let (framed, plain): (serde_json::Map<String, Value>, serde_json::Map<String, Value>) =
            fields.as_object().cloned().unwrap_or_default().into_iter().partition(|(_, field)| {
                piercing(field) || field.as_array().is_some_and(|all| all.iter().any(piercing))
            });
        let result = self.dom_until("extract", json!({ "fields": plain }), "extraction", self.action_timeout).await?;
        let mut values = result["value"].as_object().cloned().unwrap_or_default();
        for (name, field) in framed {
            let value = match field {
                Value::Array(selectors) => {
                    let mut read = Vec::new();
                    for selector in selectors {
                        read.push(self.read(selector.as_str().unwrap_or_default()).await?);
                    }
                    Value::Array(read)
                }
                selector => self.read(selector.as_str().unwrap_or_default()).await?,
            };
            values.insert(name, value);
        }
        Ok(Value::Object(values))
    }

    /// The text (or form value) of one element, wherever it is; null when it is not there.
    async fn read(&self, selector: &str) -> Result<Value, BrowserError> {
        let result = self.dom_until("read", json!({ "selector": selector }), selector, self.action_timeout).await?;
        Ok(result["value"].clone())
    }

    /// The visible viewport as a JPEG.
    pub async fn screenshot(&self, full_page: bool) -> Result<Vec<u8>, BrowserError> {
        let mut params =
            ScreenshotParams::builder().format(CaptureScreenshotFormat::Jpeg).quality(80).full_page(full_page).build();
        // Encoding speed over size: a screenshot follows every action.
        params.cdp_params.optimize_for_speed = Some(true);
        self.guard(self.page().await.screenshot(params)).await
    }

    /// Gives a file input these files (local paths), as if a person had picked them.
    pub async fn upload(&self, selector: &str, files: &[PathBuf]) -> Result<(), BrowserError> {
        // A remote browser reads the paths on its own machine, where the files are not.
        if self.download_dir.is_none() {
            return Err(BrowserError::Refused {
                target: selector.to_owned(),
                reason: "files are given only to pages in a local browser".into(),
            });
        }
        self.dom_until("file_input", json!({ "selector": selector }), selector, self.action_timeout).await?;
        let (scope, rest) = self.locate(selector).await?;
        let expression = format!("__skyvernDom(\"element\", {})", json!({ "selector": rest }));
        let element = self.evaluate_in(scope.context, expression, false).await?;
        let Some(object_id) = element.object().object_id.clone() else {
            return Err(BrowserError::Refused { target: selector.to_owned(), reason: "the element went away".into() });
        };
        let paths = files.iter().map(|path| path.to_string_lossy().into_owned());
        let set =
            SetFileInputFilesParams::builder().files(paths).object_id(object_id).build().map_err(BrowserError::Cdp)?;
        self.guard(self.page().await.execute(set)).await?;
        Ok(())
    }

    /// Clicks the element and waits for the download it starts; returns the saved file.
    pub async fn download(&self, selector: &str, timeout: Duration) -> Result<PathBuf, BrowserError> {
        let Some(dir) = &self.download_dir else {
            return Err(BrowserError::Refused {
                target: selector.to_owned(),
                reason: "downloads are kept only from local browsers".into(),
            });
        };
        let before = finished_files(dir).await;
        self.click(selector).await?;
        let started = Instant::now();
        let mut last_size = None;
        loop {
            let fresh: Vec<(PathBuf, u64)> =
                finished_files(dir).await.into_iter().filter(|f| !before.contains(f)).collect();
            if let [(path, size)] = fresh.as_slice() {
                // Complete once it is no longer a partial file and its size holds still.
                if last_size == Some(*size) {
                    return Ok(path.clone());
                }
                last_size = Some(*size);
            }
            if started.elapsed() >= timeout {
                return Err(BrowserError::NotFound {
                    target: format!("a download from {selector}"),
                    waited_ms: timeout.as_millis() as u64,
                    reason: "no file arrived".into(),
                });
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    pub(super) async fn close(self) {
        if self.liveness.is_alive() {
            for tab in std::mem::take(&mut self.tabs.lock().await.tabs) {
                let _ = tokio::time::timeout(Duration::from_secs(2), tab.page.close()).await;
            }
        }
        if let Some(dir) = &self.download_dir {
            let _ = tokio::fs::remove_dir_all(dir).await;
        }
    }
}

/// The finished files of a download folder (partial `.crdownload` files excluded), with sizes.
async fn finished_files(dir: &Path) -> Vec<(PathBuf, u64)> {
    let mut files = Vec::new();
    if let Ok(mut entries) = tokio::fs::read_dir(dir).await {
        while let Ok(Some(entry)) = entries.next_entry().await {
            let path = entry.path();
            let partial = path.extension().is_some_and(|e| e == "crdownload");
            if let (false, Ok(meta)) = (partial, entry.metadata().await) {
                files.push((path, meta.len()));
            }
        }
    }
    files
}
