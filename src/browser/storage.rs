//! A browser context's storage: what a profile keeps and a run leaves behind.
//!
//! **Captured**: every cookie of the context (`Storage.getCookies` with its id), and the
//! `localStorage` of the origins its tabs show at that moment (read in a script world of the
//! appliance's own, so the page cannot change what is read). IndexedDB, sessionStorage, cache
//! and service workers are not kept.
//!
//! **Restored** into a fresh context, before its first navigation: the cookies are set into the
//! context (`Storage.setCookies`), and each tab gets a script that runs before the page's own
//! (`Page.addScriptToEvaluateOnNewDocument`) and fills the `localStorage` of a saved origin the
//! first time that origin loads; a marker item (never captured) says it was filled, so what the
//! site changes later is not overwritten by a reload or a second tab.

use std::collections::BTreeMap;

use chromiumoxide::cdp::browser_protocol::network::{Cookie, CookieParam, CookieSameSite, TimeSinceEpoch};
use chromiumoxide::cdp::browser_protocol::page::CreateIsolatedWorldParams;
use chromiumoxide::cdp::browser_protocol::storage::{GetCookiesParams, SetCookiesParams};
use chromiumoxide::cdp::js_protocol::runtime::EvaluateParams;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::BrowserError;
use super::page::RunPage;

/// The `localStorage` item that says a saved origin was filled in this context.
const RESTORED_MARKER: &str = "__skyvern_profile_restored";

/// Reads the origin and its `localStorage` items; `null` where there is none (about:blank).
const READ_LOCAL_STORAGE: &str = r#"(() => {
  try {
    if (!window.localStorage || location.origin === "null") return null;
    const items = {};
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      items[key] = localStorage.getItem(key);
    }
    return { origin: location.origin, items };
  } catch (e) {
    return null;
  }
})()"#;

/// Cookies and local storage, by origin.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BrowserStorage {
    pub cookies: Vec<StoredCookie>,
    /// Origin (`https://example.org`) → key → value.
    pub local_storage: BTreeMap<String, BTreeMap<String, String>>,
}

/// One cookie, as a browser keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredCookie {
    pub name: String,
    pub value: String,
    pub domain: String,
    pub path: String,
    /// Seconds since the epoch; `None` for a cookie that lasts as long as the browser session.
    pub expires: Option<f64>,
    pub http_only: bool,
    pub secure: bool,
    /// `Strict`, `Lax` or `None`, as the site set it.
    pub same_site: Option<String>,
}

impl From<Cookie> for StoredCookie {
    fn from(cookie: Cookie) -> StoredCookie {
        StoredCookie {
            expires: (!cookie.session && cookie.expires > 0.0).then_some(cookie.expires),
            same_site: cookie.same_site.map(|same_site| same_site.as_ref().to_owned()),
            name: cookie.name,
            value: cookie.value,
            domain: cookie.domain,
            path: cookie.path,
            http_only: cookie.http_only,
            secure: cookie.secure,
        }
    }
}

impl From<&StoredCookie> for CookieParam {
    fn from(cookie: &StoredCookie) -> CookieParam {
        let mut param = CookieParam::new(cookie.name.clone(), cookie.value.clone());
        param.domain = Some(cookie.domain.clone());
        param.path = Some(cookie.path.clone());
        param.secure = Some(cookie.secure);
        param.http_only = Some(cookie.http_only);
        param.same_site = cookie.same_site.as_deref().and_then(|text| text.parse::<CookieSameSite>().ok());
        param.expires = cookie.expires.map(TimeSinceEpoch::new);
        param
    }
}

impl BrowserStorage {
    /// The script that fills a saved origin's `localStorage` once; `None` when nothing is saved.
    fn restoring_script(&self) -> Option<String> {
        if self.local_storage.values().all(BTreeMap::is_empty) {
            return None;
        }
        let saved = json!(self.local_storage);
        let marker = json!(RESTORED_MARKER);
        Some(format!(
            r#"(() => {{
  const items = ({saved})[location.origin];
  if (!items) return;
  try {{
    if (localStorage.getItem({marker}) !== null) return;
    for (const [key, value] of Object.entries(items)) localStorage.setItem(key, value);
    localStorage.setItem({marker}, "1");
  }} catch (e) {{}}
}})();"#
        ))
    }
}

impl RunPage {
    /// The context's cookies and the `localStorage` of the origins its tabs show.
    pub async fn storage(&self) -> Result<BrowserStorage, BrowserError> {
        let params = GetCookiesParams::builder().browser_context_id(self.context_id().clone()).build();
        let cookies = self.guard(self.browser().execute(params)).await?.result.cookies;
        let mut local_storage = BTreeMap::new();
        for page in self.tab_pages().await {
            let Some(frame) = self.guard(page.mainframe()).await? else { continue };
            let world = CreateIsolatedWorldParams::builder()
                .frame_id(frame)
                .world_name("skyvern-storage")
                .build()
                .map_err(BrowserError::Cdp)?;
            let context = self.guard(page.execute(world)).await?.result.execution_context_id;
            let read = EvaluateParams::builder()
                .expression(READ_LOCAL_STORAGE)
                .context_id(context)
                .return_by_value(true)
                .build()
                .map_err(BrowserError::Cdp)?;
            let found = self.guard(page.evaluate_expression(read)).await?.value().cloned().unwrap_or(Value::Null);
            if let Ok(Some(Found { origin, mut items })) = serde_json::from_value::<Option<Found>>(found) {
                items.remove(RESTORED_MARKER);
                local_storage.insert(origin, items);
            }
        }
        Ok(BrowserStorage { cookies: cookies.into_iter().map(StoredCookie::from).collect(), local_storage })
    }

    /// Puts `storage` into this page's fresh context: its cookies now, its local storage as each
    /// saved origin first loads (in this page's tabs and the ones opened later).
    pub async fn restore(&self, storage: &BrowserStorage) -> Result<(), BrowserError> {
        if !storage.cookies.is_empty() {
            let mut params = SetCookiesParams::new(storage.cookies.iter().map(CookieParam::from).collect());
            params.browser_context_id = Some(self.context_id().clone());
            self.guard(self.browser().execute(params)).await?;
        }
        if let Some(script) = storage.restoring_script() {
            self.add_restoring_script(script).await?;
        }
        Ok(())
    }
}

/// What `READ_LOCAL_STORAGE` finds in a tab.
#[derive(Deserialize)]
struct Found {
    origin: String,
    items: BTreeMap<String, String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_to_fill_needs_no_script_and_a_saved_origin_is_filled_once() {
        assert_eq!(BrowserStorage::default().restoring_script(), None);
        let mut storage = BrowserStorage::default();
        storage.local_storage.insert("http://127.0.0.1:8080".into(), BTreeMap::from([("theme".into(), "dark".into())]));
        let script = storage.restoring_script().unwrap();
        assert!(script.contains(r#""http://127.0.0.1:8080":{"theme":"dark"}"#), "{script}");
        assert!(script.contains(RESTORED_MARKER));
    }

    #[test]
    fn a_session_cookie_keeps_no_expiry_and_a_lasting_one_keeps_its_own() {
        let stored = |session: bool, expires: f64| {
            let cookie: Cookie = serde_json::from_value(json!({
                "name": "sid", "value": "v", "domain": "example.org", "path": "/", "expires": expires, "size": 4,
                "httpOnly": true, "secure": false, "session": session, "priority": "Medium",
                "sourceScheme": "NonSecure", "sourcePort": 80, "sameSite": "Lax"
            }))
            .unwrap();
            StoredCookie::from(cookie)
        };
        assert_eq!(stored(true, -1.0).expires, None);
        let lasting = stored(false, 2_000_000_000.0);
        assert_eq!((lasting.expires, lasting.same_site.as_deref()), (Some(2_000_000_000.0), Some("Lax")));
        let param = CookieParam::from(&lasting);
        assert_eq!((param.http_only, param.expires.map(|e| *e.inner())), (Some(true), Some(2_000_000_000.0)));
    }
}
