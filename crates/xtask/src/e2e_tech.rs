//! The technician's end-to-end journey on the real app: a fresh till with no devices set up.
//! The technician (PIN 4711) signs in and lands on the technician screen, types the
//! pseudo-terminals of sim-terminal and sim-printer into the port fields, saves both, registers
//! the card terminal with its password, prints a test page (checked in sim-printer's output),
//! and pairs with a local `ringup-server` by a one-time code.

use crate::e2e::{Guard, free_port, spawn, start_driver, start_sim, still_running};
use crate::webdriver::{Session, wait_for};
use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The simulated terminal's password for this journey (not the default, so a registration
/// that did not send the typed one fails).
const PASSWORD: &str = "424242";

fn page_says(s: &Session, what: &str) -> Result<()> {
    wait_for(&format!("the page to say {what:?}"), || {
        if s.page_text()?.contains(what) { Ok(()) } else { bail!("not yet") }
    })
}

/// Clicks `button`, then waits until it has its name back (it says "Saving…" and the like
/// while its call runs).
fn press(s: &Session, button: &str) -> Result<()> {
    s.click(&wait_for(&format!("the {button:?} button"), || s.by_role("button", button))?)?;
    wait_for(&format!("{button:?} to finish"), || s.by_role("button", button)).map(drop)
}

fn server_tool(root: &Path, args: &[&str]) -> Result<String> {
    let out = Command::new(root.join("target/debug/ringup-server")).args(args).output()?;
    if !out.status.success() {
        bail!("ringup-server {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).to_string())
}

/// A local back end with a shop, a register and a pairing code; returns it, its URL and the code.
fn back_end(root: &Path, work: &Path) -> Result<(Guard, String, String)> {
    let db = format!("sqlite://{}", work.join("tech-server.db").display());
    let listen = format!("127.0.0.1:{}", free_port()?);
    let mut server = spawn(
        "ringup-server",
        Command::new(root.join("target/debug/ringup-server"))
            .args(["--db", &db, "serve", "--listen", &listen])
            .stdout(Stdio::piped()),
    )?;
    let mut lines = BufReader::new(server.0.stdout.take().context("server stdout")?);
    let mut first = String::new();
    lines.read_line(&mut first)?;
    still_running(&mut server)?;
    std::thread::spawn(move || for _line in lines.lines().map_while(Result::ok) {});
    server_tool(root, &["--db", &db, "store", "create", "Tech shop"])?;
    server_tool(root, &["--db", &db, "register", "create", "--store", "Tech shop", "Till 7"])?;
    let line = server_tool(root, &["--db", &db, "pair-code", "--store", "Tech shop", "--register", "Till 7"])?;
    let code = line.split_whitespace().nth(2).with_context(|| format!("no pairing code in {line:?}"))?.to_string();
    Ok((server, format!("http://{listen}"), code))
}

pub(crate) fn run(root: &Path, tauri_driver: &Path, display: u32, work: &Path) -> Result<()> {
    let (zvt, printer, pages) = (work.join("tech-zvt"), work.join("tech-printer"), work.join("tech-pages"));
    std::fs::create_dir_all(&pages)?;
    let (_terminal, _) =
        start_sim(root, "sim-terminal", &["--pty", "--link", &zvt.display().to_string(), "--password", PASSWORD])?;
    let (_printer, _) = start_sim(
        root,
        "sim-printer",
        &["--pty", "--link", &printer.display().to_string(), "--out", &pages.display().to_string(), "--paper", "58"],
    )?;
    let (_server, url, code) = back_end(root, work)?;
    let (_driver, base) = start_driver(tauri_driver, display, |app| app.env("RINGUP_DB", work.join("tech.db")))?;
    let session = Session::start(&base, &root.join("target/debug/ringup-terminal"), Duration::from_secs(60))?;
    let result = journey(&session, work, &zvt, &printer, &pages, &url, &code);
    if result.is_err() {
        let _ = session.screenshot(&work.join("tech-failure.png"));
    }
    session.end();
    result
}

fn journey(s: &Session, shots: &Path, zvt: &Path, printer: &Path, pages: &Path, url: &str, code: &str) -> Result<()> {
    let pin = wait_for("the PIN field", || s.by_role("textbox", "PIN"))?;
    s.type_into(&pin, "4711")?;
    s.click(&s.by_role("button", "Sign in")?)?;
    wait_for("the technician screen", || s.by_role("heading", "Technician · devices and pairing"))?;
    page_says(s, "No card terminal is set up")?;

    // The card terminal: its pseudo-terminal typed into the port field, saved, registered.
    let port = wait_for("the terminal port field", || s.by_role("combobox", "Terminal port"))?;
    s.type_into(&port, &zvt.display().to_string())?;
    press(s, "Save terminal")?;
    page_says(s, "The card terminal is set to")?;
    let password = wait_for("the password field", || s.by_role("textbox", "Terminal password"))?;
    s.type_into(&password, PASSWORD)?;
    press(s, "Register terminal")?;
    page_says(s, "The card terminal registered this till")?;
    press(s, "Test terminal")?;
    page_says(s, "The card terminal answered and is ready")?;
    page_says(s, "Diagnosis: ready")?;
    page_says(s, "52500001")?;
    page_says(s, "RINGUP-SIM-ZVT 1.0")?;

    // The printer: its pseudo-terminal, 58 mm paper, a test page.
    let port = wait_for("the printer port field", || s.by_role("combobox", "Printer port"))?;
    s.type_into(&port, &printer.display().to_string())?;
    s.select_option(&s.by_role("combobox", "Paper width")?, "58 mm")?;
    press(s, "Save printer")?;
    page_says(s, "The printer is set to")?;
    page_says(s, "58 mm paper")?;
    press(s, "Print test page")?;
    page_says(s, "The printer printed the test page and confirmed it")?;
    let page = wait_for("the test page in sim-printer's output", || {
        let text = std::fs::read_to_string(pages.join("0001.txt"))?;
        if text.contains("[BARCODE TEST-R1]") { Ok(text) } else { bail!("not whole yet") }
    })?;
    for expected in
        ["TEST PAGE", "Register R1", "€ £ ¥", "ÄÖÜ äöü", "[QR ringup:test:R1]", "12345678901234567890123456789012"]
    {
        if !page.contains(expected) {
            bail!("the test page lacks {expected:?}:\n{page}");
        }
    }

    // Pairing with the local back end by its one-time code.
    s.type_into(&s.by_role("textbox", "Server address")?, url)?;
    s.type_into(&s.by_role("textbox", "Pairing code")?, code)?;
    press(s, "Pair")?;
    page_says(s, &format!("Paired with {url} as Till 7"))?;
    std::thread::sleep(Duration::from_millis(700));
    s.screenshot(&shots.join("11-technician.png"))?;
    eprintln!(
        "e2e: technician set up the terminal and printer on pseudo-terminals, registered, printed a test page, paired"
    );
    Ok(())
}
