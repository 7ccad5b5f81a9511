//! End-to-end test of the REAL built app, as a cashier uses it: under Xvfb, tauri-driver and
//! WebKitWebDriver drive the window; the simulated card terminal and printer run on pseudo-
//! terminals; controls are found by role and accessible name, as a person finds them. Each
//! screen is saved as a PNG under `target/e2e/`.

use crate::webdriver::{Session, wait_for};
use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A child process that is stopped (SIGTERM, then killed) when dropped.
struct Guard(Child, &'static str);

impl Drop for Guard {
    fn drop(&mut self) {
        let _already_gone = Command::new("sh").args(["-c", &format!("kill -TERM {}", self.0.id())]).status();
        for _ in 0..50 {
            if matches!(self.0.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        eprintln!("e2e: {} did not stop on SIGTERM; killing it", self.1);
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(name: &'static str, cmd: &mut Command) -> Result<Guard> {
    let child = cmd.spawn().with_context(|| format!("cannot start {name}"))?;
    Ok(Guard(child, name))
}

/// Starts a simulator on a pseudo-terminal linked at `link`; waits for its first line.
fn start_sim(root: &Path, bin: &'static str, args: &[&str]) -> Result<Guard> {
    let mut guard = spawn(
        bin,
        Command::new(root.join("target/debug").join(bin)).args(args).stdin(Stdio::piped()).stdout(Stdio::piped()),
    )?;
    let out = guard.0.stdout.take().context("simulator stdout")?;
    let mut lines = BufReader::new(out);
    let mut first = String::new();
    lines.read_line(&mut first)?;
    if !first.starts_with("pty ") {
        bail!("{bin} did not start: {first:?}");
    }
    // Keep reading what it says, so its output never meets a closed pipe.
    std::thread::spawn(move || {
        for line in lines.lines().map_while(Result::ok) {
            eprintln!("e2e: {bin}: {line}");
        }
    });
    Ok(guard)
}

/// A display number no X server holds (neither its socket nor its lock file exists).
fn free_display() -> u32 {
    (99..300)
        .find(|n| {
            !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
        })
        .unwrap_or(99)
}

/// A TCP port nothing listens on now (the system hands one out; it is released at once).
fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Fails when the process ended already (it could not start, or its port was taken).
fn still_running(guard: &mut Guard) -> Result<()> {
    match guard.0.try_wait()? {
        Some(status) => bail!("{} ended at once ({status})", guard.1),
        None => Ok(()),
    }
}

pub fn run(root: &Path, tauri_driver: &Path) -> Result<()> {
    let work = root.join("target/e2e");
    let _fresh = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(work.join("receipts"))?;
    let display = free_display();
    let mut xvfb = spawn(
        "Xvfb",
        Command::new("Xvfb").args([&format!(":{display}"), "-screen", "0", "1280x800x24", "-nolisten", "tcp"]),
    )?;
    let socket = format!("/tmp/.X11-unix/X{display}");
    wait_for("Xvfb's socket", || {
        still_running(&mut xvfb)?;
        if Path::new(&socket).exists() { Ok(()) } else { bail!("no {socket} yet") }
    })?;
    let (zvt, printer) = (work.join("zvt"), work.join("printer"));
    let _terminal = start_sim(root, "sim-terminal", &["--pty", "--link", &zvt.display().to_string()])?;
    let receipts = work.join("receipts");
    let _printer = start_sim(
        root,
        "sim-printer",
        &["--pty", "--link", &printer.display().to_string(), "--out", &receipts.display().to_string()],
    )?;
    let db = work.join("ringup.db");
    let (port, native_port) = (free_port()?, free_port()?);
    let mut driver = spawn(
        "tauri-driver",
        Command::new(tauri_driver)
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .env("DISPLAY", format!(":{display}"))
            .env("RINGUP_DB", &db)
            .env("RINGUP_DEMO", "1")
            .env("RINGUP_TERMINAL", format!("serial:{}:115200", zvt.display()))
            .env("RINGUP_PRINTER", format!("serial:{}:115200", printer.display()))
            .env("RINGUP_LOCALE", "de-DE"),
    )?;
    std::thread::sleep(Duration::from_millis(300));
    still_running(&mut driver)?;
    let app = root.join("target/debug/ringup-terminal");
    let session = Session::start(&format!("http://127.0.0.1:{port}"), &app, Duration::from_secs(60))?;
    let result = cash_and_card_sale(&session, &work)
        .and_then(|()| declined_card_then_cash(&session, &work))
        // The app prints from its queue after each sale: let it finish before closing it.
        .and_then(|()| wait_for("both receipts printed", || receipts_printed(&session, &receipts, 2)));
    if result.is_err() {
        let _ = session.screenshot(&work.join("failure.png"));
    }
    session.end();
    result?;
    check_receipts_and_store(root, &receipts, &db)
}

/// `n` receipts are out and the status bar says nothing is left to print.
fn receipts_printed(s: &Session, receipts: &Path, n: usize) -> Result<()> {
    let last = receipts.join(format!("{n:04}.txt"));
    if !last.exists() {
        bail!("receipt {n} has not printed yet");
    }
    let text = s.page_text()?;
    if text.contains("0 to print") { Ok(()) } else { bail!("the status bar does not say 0 to print yet") }
}

/// Log in; scan three items; add one by name; change a quantity; pay 20.00 cash and the rest
/// by card; see the change and the receipt.
fn cash_and_card_sale(s: &Session, shots: &Path) -> Result<()> {
    let pin = wait_for("the PIN field", || s.by_role("textbox", "PIN"))?;
    s.screenshot(&shots.join("1-login.png"))?;
    s.type_into(&pin, "1234")?;
    s.click(&s.by_role("button", "Sign in")?)?;
    let scan = wait_for("the scan field", || s.by_role("textbox", "Scan or search"))?;
    for code in ["4012345000016", "0036000291452", "4012345000030"] {
        s.type_into(&scan, &format!("{code}\n"))?;
        wait_for(&format!("a cart line after scanning {code}"), || s.cart_lines_at_least(count_of(code)))?;
    }
    s.type_into(&scan, "wat")?;
    let add = wait_for("a search result for water", || s.by_role_prefix("button", "Add Water"))?;
    s.click(&add)?;
    wait_for("four cart lines", || s.cart_lines_at_least(4))?;
    let total_before = s.text(&s.by_label("Total")?)?;
    let plus = s.by_role_prefix("button", "Increase quantity of")?;
    s.click(&plus)?;
    wait_for("the total to follow the new quantity", || {
        let now = s.text(&s.by_label("Total")?)?;
        if now != total_before { Ok(()) } else { bail!("the total is still {now}") }
    })?;
    s.screenshot(&shots.join("2-sell.png"))?;
    s.click(&s.by_role("button", "Cash (F9)")?)?;
    let cash = wait_for("the cash field", || s.by_role("textbox", "Cash given"))?;
    s.screenshot(&shots.join("3-tender.png"))?;
    s.type_into(&cash, "20")?;
    s.click(&s.by_role("button", "Take cash")?)?;
    // The card takes what is left only once the cash is in.
    wait_for("the cash to count as paid", || {
        let paid = s.text(&s.by_label("Paid")?)?;
        if paid.contains("20,00") { Ok(()) } else { bail!("paid shows {paid}") }
    })?;
    let card = wait_for("the card button", || s.by_role("button", "Pay remaining by card"))?;
    s.click(&card)?;
    let change = wait_for("the change due", || s.by_label("Change due"))?;
    let change_text = s.text(&change)?;
    let (width, height) = wait_for("the receipt preview", || s.image_loaded("Receipt preview"))?;
    if width != 640 || height < 600 {
        bail!("the receipt preview is {width}×{height}, not an 80 mm receipt");
    }
    // A loaded image is painted a moment later; the screenshot should show it.
    std::thread::sleep(Duration::from_millis(1500));
    s.screenshot(&shots.join("4-done.png"))?;
    eprintln!("e2e: sale done; change shown: {change_text}");
    Ok(())
}

/// A new sale: one coffee; the card (10,51: the simulated terminal declines amounts ending in
/// 51 cents) is declined and the cashier sees why; then the customer pays cash, exactly.
fn declined_card_then_cash(s: &Session, shots: &Path) -> Result<()> {
    s.click(&s.by_role("button", "New sale (Enter)")?)?;
    let scan = wait_for("the scan field", || s.by_role("textbox", "Scan or search"))?;
    s.type_into(&scan, "4012345000016\n")?;
    wait_for("the coffee in the cart", || s.cart_lines_at_least(1))?;
    s.click(&s.by_role("button", "Card (F10)")?)?;
    let amount = wait_for("the card amount field", || s.by_role("textbox", "Card amount"))?;
    s.type_into(&amount, "10,51")?;
    s.click(&s.by_role("button", "Pay card amount")?)?;
    wait_for("the decline on screen", || {
        let text = s.page_text()?;
        if text.contains("Declined") { Ok(()) } else { bail!("no decline shown yet") }
    })?;
    s.screenshot(&shots.join("5-declined.png"))?;
    let exact = s.by_role_prefix("button", "Cash ")?;
    s.click(&exact)?;
    let change = wait_for("the change due", || s.by_label("Change due"))?;
    eprintln!("e2e: declined card, then cash; {}", s.text(&change)?);
    Ok(())
}

/// The three scans make lines 1, 2 and 3 (the same coffee twice, then milk: a scan adds a line).
fn count_of(code: &str) -> usize {
    match code {
        "4012345000016" => 1,
        "0036000291452" => 2,
        _ => 3,
    }
}

/// Each sale's receipt printed once, with its lines and tenders (the declined card on none);
/// the store holds the two sales once.
fn check_receipts_and_store(root: &Path, receipts: &Path, db: &Path) -> Result<()> {
    let (first, second) = (receipts.join("0001.txt"), receipts.join("0002.txt"));
    let text = std::fs::read_to_string(&first)?;
    for needle in ["TOTAL EUR", "Cash", "Card girocard", "APPROVED", "Water"] {
        if !text.contains(needle) {
            bail!("the first receipt lacks {needle:?}:\n{text}");
        }
    }
    let text = std::fs::read_to_string(&second)?;
    if !text.contains("Cash") || text.contains("Card") {
        bail!("the second sale was paid in cash only, after the declined card:\n{text}");
    }
    // The app has been closed with nothing left to print: a third receipt would be here now.
    if receipts.join("0003.txt").exists() {
        bail!("a third receipt was printed for two sales");
    }
    let out = Command::new(root.join("target/debug/ringup"))
        .args(["verify", "--db", &db.display().to_string()])
        .output()
        .context("ringup verify")?;
    let said = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    if !out.status.success() || !said.contains("register R1: 2 entries") {
        bail!("the store should hold exactly the two sales: {said}");
    }
    eprintln!("e2e: each receipt printed once, the store holds each sale once");
    Ok(())
}

/// The tauri-driver release the end-to-end test is known to work with.
const TAURI_DRIVER: &str = "=2.1.0";

/// Installs tauri-driver into target/tools (once) and returns its path.
pub fn tauri_driver(root: &Path) -> Result<PathBuf> {
    let tools = root.join("target/tools");
    let bin = tools.join("bin/tauri-driver");
    if !bin.exists() {
        let root_arg = tools.display().to_string();
        crate::cargo(root, &["install", "tauri-driver", "--locked", "--version", TAURI_DRIVER, "--root", &root_arg])?;
    }
    Ok(bin)
}
