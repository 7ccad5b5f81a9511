//! A small W3C WebDriver client for the end-to-end test: sessions, elements found by role and
//! accessible name (as a person or a screen reader finds them), typing, clicking, reading,
//! screenshots. Written here because the test needs only these few calls over plain HTTP.

use anyhow::{Context, Result, bail};
use base64::Engine;
use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Finds the first visible element with `role` whose accessible name is `name` (or starts
/// with it when `prefix`). Roles are the implicit ARIA roles of the usual elements or an
/// explicit `role`; names come from aria-label, aria-labelledby, a label, alt or the text.
const FIND_BY_ROLE: &str = r#"
const [role, name, prefix] = arguments;
const implicitRole = (el) => {
  const explicit = el.getAttribute('role');
  if (explicit) return explicit;
  const tag = el.tagName.toLowerCase();
  if (tag === 'button') return 'button';
  if (tag === 'a' && el.hasAttribute('href')) return 'link';
  if (tag === 'img') return 'img';
  if (tag === 'table') return 'table';
  if (/^h[1-6]$/.test(tag)) return 'heading';
  if (tag === 'textarea') return 'textbox';
  if (tag === 'select') return el.multiple || el.size > 1 ? 'listbox' : 'combobox';
  if (tag === 'input') {
    const t = (el.getAttribute('type') || 'text').toLowerCase();
    // A text field with suggestions (a datalist) is a combobox (HTML-AAM).
    if (el.hasAttribute('list') && ['text', 'search', 'tel', 'email', 'url'].includes(t)) return 'combobox';
    if (['text', 'search', 'password', 'tel', 'email', 'url', 'number'].includes(t)) return 'textbox';
    if (['button', 'submit'].includes(t)) return 'button';
  }
  return null;
};
const accessibleName = (el) => {
  const label = el.getAttribute('aria-label');
  if (label) return label.trim();
  const by = el.getAttribute('aria-labelledby');
  if (by) return by.split(/\s+/).map((id) => document.getElementById(id)?.textContent || '').join(' ').trim();
  if (el.labels && el.labels.length) return el.labels[0].textContent.trim();
  if (el.tagName.toLowerCase() === 'img') return (el.getAttribute('alt') || '').trim();
  return (el.textContent || '').replace(/\s+/g, ' ').trim();
};
const usable = (el) => {
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.height > 0 && !el.disabled && !el.closest('[inert]');
};
for (const el of document.querySelectorAll('*')) {
  if (implicitRole(el) !== role || !usable(el)) continue;
  const n = accessibleName(el);
  if (prefix ? n.startsWith(name) : n === name) return el;
}
return null;
"#;

const FIND_BY_LABEL: &str = r#"
const [name] = arguments;
for (const el of document.querySelectorAll('[aria-label]')) {
  if (el.getAttribute('aria-label').trim() === name) return el;
}
return null;
"#;

const IMAGE_LOADED: &str = r#"
const [alt] = arguments;
const img = [...document.querySelectorAll('img')].find((i) => (i.getAttribute('alt') || '').trim() === alt);
return !!img && img.complete && img.naturalWidth > 0 ? [img.naturalWidth, img.naturalHeight] : null;
"#;

const CART_ROWS: &str = r#"
for (const t of document.querySelectorAll('table')) {
  const name = (t.getAttribute('aria-label') || t.querySelector('caption')?.textContent || '').trim();
  if (name === 'Cart') return t.querySelectorAll('tbody tr').length;
}
return 0;
"#;

pub struct Session {
    base: String,
    id: String,
}

/// An element reference.
pub struct Element(Value);

/// Every WebDriver call is bounded: a hung driver fails the test instead of the CI run.
fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new().timeout_connect(Duration::from_secs(5)).timeout(Duration::from_secs(120)).build()
}

fn post(url: &str, body: Value) -> Result<Value> {
    let response = agent().post(url).send_json(body);
    let value: Value = match response {
        Ok(r) => r.into_json()?,
        Err(ureq::Error::Status(code, r)) => {
            let body = r.into_string().unwrap_or_default();
            bail!("WebDriver {url} answered {code}: {body}");
        }
        Err(e) => return Err(e).with_context(|| format!("WebDriver {url}")),
    };
    Ok(value["value"].clone())
}

/// Calls `f` until it succeeds, for up to 20 seconds; the last error says what never came.
pub fn wait_for<T>(what: &str, mut f: impl FnMut() -> Result<T>) -> Result<T> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match f() {
            Ok(v) => return Ok(v),
            Err(e) if Instant::now() >= deadline => return Err(e).context(format!("waited 20 s for {what}")),
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

/// WebKitGTK painting without accelerated compositing (as the app does) answers a screenshot
/// only after the page's next paint: on a still screen (no caret blinking, say the card
/// terminal holding its answer) the screenshot waits until something changes, seconds later.
/// This makes the page repaint every 50 ms for 2 s (opacity 0.999 every other time, which
/// moves a colour by one level at most), then clears the root's inline opacity.
const REPAINT_FOR_A_WHILE: &str = "const root = document.documentElement; let n = 0; \
    const timer = setInterval(() => { root.style.opacity = n % 2 ? '' : '0.999'; n += 1; \
    if (n > 40) { clearInterval(timer); root.style.opacity = ''; } }, 50); return null;";

impl Session {
    /// Opens a session on `application`, retrying while the driver starts.
    pub fn start(base: &str, application: &Path, within: Duration) -> Result<Session> {
        let caps = json!({"capabilities": {"alwaysMatch": {"tauri:options": {"application": application}}}});
        let deadline = Instant::now() + within;
        loop {
            match post(&format!("{base}/session"), caps.clone()) {
                Ok(v) => {
                    let id = v["sessionId"].as_str().context("a session id")?.to_string();
                    return Ok(Session { base: base.to_string(), id });
                }
                Err(e) if Instant::now() >= deadline => return Err(e).context("no WebDriver session"),
                // Only a driver not listening yet is worth another try: any other answer
                // means a session was refused (or an app started), and trying again would
                // start a second app on the same store and lines.
                Err(e) if format!("{e:#}").contains("Connection refused") => {
                    std::thread::sleep(Duration::from_millis(250))
                }
                Err(e) => return Err(e).context("the WebDriver session was refused"),
            }
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/session/{}{path}", self.base, self.id)
    }

    fn script(&self, script: &str, args: Value) -> Result<Value> {
        post(&self.url("/execute/sync"), json!({"script": script, "args": args}))
    }

    /// Runs `script` (a function body) in the page and returns what it returns.
    pub fn script_value(&self, script: &str) -> Result<Value> {
        self.script(script, json!([]))
    }

    fn element(found: Value, what: &str) -> Result<Element> {
        if found.get(ELEMENT_KEY).is_some() { Ok(Element(found)) } else { bail!("no {what} on the screen") }
    }

    pub fn by_role(&self, role: &str, name: &str) -> Result<Element> {
        Self::element(self.script(FIND_BY_ROLE, json!([role, name, false]))?, &format!("{role} named {name:?}"))
    }

    pub fn by_role_prefix(&self, role: &str, name: &str) -> Result<Element> {
        Self::element(self.script(FIND_BY_ROLE, json!([role, name, true]))?, &format!("{role} named {name:?}…"))
    }

    pub fn by_label(&self, name: &str) -> Result<Element> {
        Self::element(self.script(FIND_BY_LABEL, json!([name]))?, &format!("element labelled {name:?}"))
    }

    /// All the text on the screen, as a person reads it.
    pub fn page_text(&self) -> Result<String> {
        Ok(self.script("return document.body.innerText;", json!([]))?.as_str().unwrap_or_default().to_string())
    }

    /// The image named `alt` has loaded; returns its natural size.
    pub fn image_loaded(&self, alt: &str) -> Result<(u64, u64)> {
        let v = self.script(IMAGE_LOADED, json!([alt]))?;
        match (v[0].as_u64(), v[1].as_u64()) {
            (Some(w), Some(h)) => Ok((w, h)),
            _ => bail!("the image {alt:?} has not loaded"),
        }
    }

    pub fn cart_lines_at_least(&self, n: usize) -> Result<()> {
        let rows = self.script(CART_ROWS, json!([]))?.as_u64().unwrap_or(0);
        if rows as usize >= n { Ok(()) } else { bail!("the cart has {rows} lines, not {n}") }
    }

    fn element_id(e: &Element) -> Result<String> {
        Ok(e.0[ELEMENT_KEY].as_str().context("element id")?.to_string())
    }

    /// Clicks `e`, scrolled to the middle of its scroll area first (as a person scrolls to a
    /// button half hidden at the edge before pressing it).
    pub fn click(&self, e: &Element) -> Result<()> {
        self.script("arguments[0].scrollIntoView({ block: 'center' });", json!([e.0]))?;
        post(&self.url(&format!("/element/{}/click", Self::element_id(e)?)), json!({}))?;
        Ok(())
    }

    /// Types as a keyboard (or a keyboard-wedge scanner) does; "\n" is Enter.
    pub fn type_into(&self, e: &Element, text: &str) -> Result<()> {
        let keys = text.replace('\n', "\u{E007}");
        post(&self.url(&format!("/element/{}/value", Self::element_id(e)?)), json!({"text": keys}))?;
        Ok(())
    }

    /// Picks the option of a `<select>` whose text is `label`, as a person choosing it does
    /// (the page hears a change event).
    pub fn select_option(&self, e: &Element, label: &str) -> Result<()> {
        let picked = self.script(
            "const [el, label] = arguments; const o = [...el.options].find((o) => o.text.trim() === label); \
             if (!o) return false; el.value = o.value; el.dispatchEvent(new Event('change', { bubbles: true })); return true;",
            json!([e.0, label]),
        )?;
        if picked.as_bool() == Some(true) { Ok(()) } else { bail!("no option {label:?}") }
    }

    pub fn text(&self, e: &Element) -> Result<String> {
        let id = Self::element_id(e)?;
        let response = agent().get(&self.url(&format!("/element/{id}/text"))).call()?;
        let v: Value = response.into_json()?;
        Ok(v["value"].as_str().unwrap_or_default().to_string())
    }

    pub fn screenshot(&self, path: &Path) -> Result<()> {
        // A page too broken to run it still gets its screenshot (failure screenshots above all).
        let _no_repaint_then = self.script_value(REPAINT_FOR_A_WHILE);
        let v: Value = agent().get(&self.url("/screenshot")).call()?.into_json()?;
        let png = base64::engine::general_purpose::STANDARD.decode(v["value"].as_str().context("screenshot")?)?;
        std::fs::write(path, png)?;
        Ok(())
    }

    pub fn end(&self) {
        let _closing_anyway = agent().delete(&format!("{}/session/{}", self.base, self.id)).call();
    }
}
