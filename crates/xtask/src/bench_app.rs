//! The terminal app's benchmarks, on the real app (release build) under Xvfb, with a
//! 1,000,000-item catalog:
//! - launch to interactive: from starting the process to its page having loaded (the app
//!   prints `ringup-terminal: interactive` then); median of several launches;
//! - scan to rendered cart line: barcodes typed into the scan field through WebDriver as a
//!   wedge scanner types them; the page's own "scan-to-render" performance measures (from the
//!   scan to its line in the DOM, laid out) give the 95th percentile;
//! - memory: the proportional set size (PSS) of all the app's processes (the app and the
//!   WebKit processes it starts), beside an empty Tauri 2 window built from the same Tauri and
//!   measured in the same run at the same moment of its life; and beside that empty window
//!   again with WebKit's accelerated compositing off, as the app runs its webview, so the
//!   second ratio is what the app's own code and page add.
//!
//! Every figure is printed beside its limit as a ratio.
#![allow(clippy::float_arithmetic)] // timings and memory are reported as floats; no money is involved.

use crate::e2e::{Guard, descendants, spawn, start_xvfb, still_running};
use crate::webdriver::{Session, wait_for};
use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ITEMS: u64 = 1_000_000;
const LAUNCHES: usize = 5;
const SCANS_PER_SALE: usize = 20;
const SALES: usize = 10;
/// How long a window is left to settle after it became interactive before its memory is read.
const SETTLE: Duration = Duration::from_secs(3);

const LAUNCH_LIMIT_MS: f64 = 1_000.0;
const SCAN_P95_LIMIT_MS: f64 = 16.0;
const MEMORY_LIMIT_RATIO: f64 = 1.15;

/// Builds what the benchmark runs (the UI is built by the caller).
pub fn build(root: &Path) -> Result<()> {
    crate::cargo(
        root,
        &[
            "build",
            "--release",
            "--package",
            "ringup-terminal",
            "--package",
            "empty-window",
            "--package",
            "ringup-app",
            "--bins",
        ],
    )
}

/// The 1,000,000-item store the app opens: generated once into target/bench-data (the template
/// is kept; each run works on a fresh copy, so runs do not pile sales into it).
fn store_copy(root: &Path) -> Result<PathBuf> {
    let dir = root.join("target/bench-data");
    std::fs::create_dir_all(&dir)?;
    let template = dir.join(format!("app-{ITEMS}.db"));
    if !template.exists() {
        eprintln!("bench: generating a {ITEMS}-item catalog once (into {})", template.display());
        let partial = dir.join("app-generating.db");
        let _stale = std::fs::remove_file(&partial);
        let status = Command::new(root.join("target/release/ringup"))
            .args(["gen-catalog", "--items", &ITEMS.to_string(), "--db", &partial.display().to_string()])
            .status()
            .context("ringup gen-catalog")?;
        if !status.success() {
            bail!("generating the catalog failed ({status})");
        }
        std::fs::rename(&partial, &template)?;
    }
    let copy = dir.join("app-run.db");
    for suffix in ["", "-wal", "-shm"] {
        let _absent_is_fine = std::fs::remove_file(format!("{}{suffix}", copy.display()));
    }
    std::fs::copy(&template, &copy)?;
    Ok(copy)
}

/// Starts `binary` in the display and waits for its "interactive" line; returns the process
/// and the time that took.
fn launch(binary: &Path, display: u32, db: &Path, env: &[(&str, &str)]) -> Result<(Guard, Duration)> {
    let started = Instant::now();
    let mut guard = spawn(
        "the window",
        Command::new(binary)
            .envs(env.iter().copied())
            .env("DISPLAY", format!(":{display}"))
            .env("RINGUP_DB", db)
            .env("RINGUP_DEMO", "1")
            .env_remove("RINGUP_TERMINAL")
            .env_remove("RINGUP_PRINTER")
            .stdout(Stdio::piped()),
    )?;
    let out = guard.0.stdout.take().context("stdout")?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if line.ends_with(": interactive") {
                let _gone = tx.send(Instant::now());
            }
        }
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(at) => Ok((guard, at - started)),
        Err(_) => {
            still_running(&mut guard)?;
            bail!("{} did not become interactive within 60 s", binary.display())
        }
    }
}

/// The PSS of a process and all its descendants, in KiB (from /proc/PID/smaps_rollup).
fn pss_kib(pid: u32) -> Result<u64> {
    let mut total = 0;
    for p in std::iter::once(pid).chain(descendants(pid)) {
        let Ok(rollup) = std::fs::read_to_string(format!("/proc/{p}/smaps_rollup")) else { continue };
        let line = rollup.lines().find(|l| l.starts_with("Pss:")).context("Pss in smaps_rollup")?;
        total += line.split_whitespace().nth(1).context("a Pss figure")?.parse::<u64>()?;
    }
    Ok(total)
}

/// Stops a window and waits until its WebKit processes are gone too: a process still alive
/// shares library pages with the next window and lowers that one's PSS.
fn stop_all(mut window: Guard) -> Result<()> {
    let family: Vec<u32> = descendants(window.0.id());
    window.stop();
    let deadline = Instant::now() + Duration::from_secs(10);
    while family.iter().any(|p| Path::new(&format!("/proc/{p}")).exists()) {
        if Instant::now() > deadline {
            bail!("the window's WebKit processes {family:?} outlived it by 10 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

/// Median PSS in KiB of `LAUNCHES` fresh launches of `binary`, each read `SETTLE` after it
/// became interactive, with `env` added to its environment; also the launch times in ms.
fn measure_launches(binary: &Path, display: u32, db: &Path, env: &[(&str, &str)]) -> Result<(u64, Vec<f64>)> {
    let mut times = Vec::new();
    let mut memory = Vec::new();
    for _ in 0..LAUNCHES {
        let (window, took) = launch(binary, display, db, env)?;
        times.push(took.as_secs_f64() * 1000.0);
        std::thread::sleep(SETTLE);
        memory.push(pss_kib(window.0.id())? as f64);
        stop_all(window)?;
    }
    Ok((median(memory) as u64, times))
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The value below which 95 % of `values` fall (nearest rank).
fn p95(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let rank = (values.len() * 95).div_ceil(100).max(1);
    values[rank - 1]
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// WebKit processes already running on the machine (another window, a run that did not stop):
/// they map the same libraries as the windows measured, which then count only a share of those
/// pages in their PSS, so the figures come out too low and drift from run to run.
fn stray_webkit_processes() -> Vec<(u32, String)> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
    dir.filter_map(|e| {
        let pid: u32 = e.ok()?.file_name().to_str()?.parse().ok()?;
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
        comm.starts_with("WebKit").then(|| (pid, comm.trim().to_string()))
    })
    .collect()
}

/// Runs the benchmarks; returns the lines it printed (for the report).
pub fn run(root: &Path, tauri_driver: &Path) -> Result<String> {
    let stray = stray_webkit_processes();
    if !stray.is_empty() {
        bail!(
            "other WebKit processes are running ({stray:?}): they share library pages with the windows \
             measured and would lower their memory figures; stop them and run again"
        );
    }
    let mut printed = String::new();
    let mut say = |line: String| {
        println!("{line}");
        printed.push_str(&line);
        printed.push('\n');
    };
    let app = root.join("target/release/ringup-terminal");
    let empty = root.join("target/release/empty-window");
    let db = store_copy(root)?;
    let (_xvfb, display) = start_xvfb()?;

    // Launch to interactive, and the app's memory once it is; then the empty window's, as
    // Tauri makes it, and once more painting as the app does (the app turns WebKit's
    // accelerated compositing off, src-tauri/src/main.rs): what the app's own code and page
    // add, with the rendering alike.
    let (app_kib, launches) = measure_launches(&app, display, &db, &[])?;
    let (empty_kib, _) = measure_launches(&empty, display, &db, &[])?;
    let (empty_alike_kib, _) = measure_launches(&empty, display, &db, &[("WEBKIT_DISABLE_COMPOSITING_MODE", "1")])?;

    let scans = scan_to_render(&app, tauri_driver, display, &db)?;
    let launch_ms = median(launches.clone());
    let scan_p95 = p95(scans.clone());
    let ratio = app_kib as f64 / empty_kib as f64;
    say(format!(
        "app: launch to interactive, {ITEMS} items: median {launch_ms:.0} ms of {LAUNCHES} ({}) / limit {LAUNCH_LIMIT_MS:.0} ms = {:.2}×",
        launches.iter().map(|m| format!("{m:.0}")).collect::<Vec<_>>().join(", "),
        launch_ms / LAUNCH_LIMIT_MS
    ));
    say(format!(
        "app: scan to rendered cart line: p95 {scan_p95:.1} ms over {} scans (median {:.1} ms) / limit {SCAN_P95_LIMIT_MS:.0} ms = {:.2}×",
        scans.len(),
        median(scans.clone()),
        scan_p95 / SCAN_P95_LIMIT_MS
    ));
    // Where the slow ones fall (position in its sale of 20, and time), for whoever tunes it.
    let mut slowest: Vec<(usize, f64)> = scans.iter().copied().enumerate().collect();
    slowest.sort_by(|a, b| b.1.total_cmp(&a.1));
    say(format!(
        "app: slowest scans (line in sale: ms): {}",
        slowest
            .iter()
            .take(10)
            .map(|(i, ms)| format!("{}: {ms:.1}", i % SCANS_PER_SALE + 1))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    say(format!(
        "app: memory (PSS of all its processes) {:.1} MiB beside an empty Tauri 2 window's {:.1} MiB = {ratio:.3}× / limit {MEMORY_LIMIT_RATIO}× = {:.2}",
        mib(app_kib),
        mib(empty_kib),
        ratio / MEMORY_LIMIT_RATIO
    ));
    let alike = app_kib as f64 / empty_alike_kib as f64;
    say(format!(
        "app: memory beside the empty window painting alike (WEBKIT_DISABLE_COMPOSITING_MODE=1 for it) {:.1} MiB = {alike:.3}× / limit {MEMORY_LIMIT_RATIO}× = {:.2}",
        mib(empty_alike_kib),
        alike / MEMORY_LIMIT_RATIO
    ));
    Ok(printed)
}

/// Signs in as the manager and scans `SALES` sales of `SCANS_PER_SALE` barcodes from the big
/// catalog, parking each sale; returns the page's scan-to-render measures in ms.
fn scan_to_render(app: &Path, tauri_driver: &Path, display: u32, db: &Path) -> Result<Vec<f64>> {
    let (_driver, base) =
        crate::e2e::start_driver(tauri_driver, display, |app| app.env("RINGUP_DB", db).stdout(Stdio::null()))?;
    let s = Session::start(&base, app, Duration::from_secs(60))?;
    let result = (|| -> Result<Vec<f64>> {
        let pin = wait_for("the PIN field", || s.by_role("textbox", "PIN"))?;
        s.type_into(&pin, "9999")?;
        s.click(&s.by_role("button", "Sign in")?)?;
        let mut n: u64 = 0;
        for _ in 0..SALES {
            let scan = wait_for("the scan field", || s.by_role("textbox", "Scan or search"))?;
            for line in 1..=SCANS_PER_SALE {
                n += 1;
                // Spread over the whole catalog: item numbers 1 + k × a prime, modulo the size.
                let item = 1 + (n * 104_729) % ITEMS;
                s.type_into(&scan, &format!("{}\n", synthetic_ean13(item)))?;
                wait_for("the scanned line", || s.cart_lines_at_least(line))?;
            }
            s.click(&s.by_role("button", "Park (F6)")?)?;
            wait_for("the cart to be empty", || {
                if s.cart_lines_at_least(1).is_err() { Ok(()) } else { bail!("the cart still has lines") }
            })?;
        }
        let ipc =
            s.script_value("return performance.getEntriesByName('scan-ipc', 'measure').map((m) => m.duration);")?;
        let ipc: Vec<f64> = ipc.as_array().context("a list")?.iter().filter_map(serde_json::Value::as_f64).collect();
        if !ipc.is_empty() {
            println!(
                "app: of which waiting for the back end (IPC and the use case): median {:.1} ms, p95 {:.1} ms",
                median(ipc.clone()),
                p95(ipc)
            );
        }
        let measures =
            s.script_value("return performance.getEntriesByName('scan-to-render', 'measure').map((m) => m.duration);")?;
        let values: Vec<f64> =
            measures.as_array().context("a list of measures")?.iter().filter_map(serde_json::Value::as_f64).collect();
        if values.len() != SALES * SCANS_PER_SALE {
            bail!("{} scans were measured, {} made", values.len(), SALES * SCANS_PER_SALE);
        }
        Ok(values)
    })();
    s.end();
    result
}

/// The barcode the catalog generator gives item `n` (`ringup_store::import::synthetic_ean13`):
/// 400 and n in 9 digits, then the EAN-13 check digit. Written again here so xtask needs no
/// store; a wrong code fails the benchmark at once (no cart line would appear).
fn synthetic_ean13(n: u64) -> String {
    let body = format!("400{:09}", n % 1_000_000_000);
    let sum: u32 = body.bytes().enumerate().map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 1 } else { 3 }).sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

#[cfg(test)]
mod tests {
    #[test]
    fn synthetic_barcodes_carry_a_valid_check_digit() {
        // 400000000001 + check digit: 4×1 + 1×3 = 7 → 3.
        assert_eq!(super::synthetic_ean13(1), "4000000000013");
        assert_eq!(super::synthetic_ean13(638_133_393), "4006381333931", "a published EAN-13");
        assert_eq!(super::p95((1..=100).map(f64::from).collect()), 95.0);
        assert_eq!(super::median(vec![3.0, 1.0, 2.0]), 2.0);
    }
}
