//! `cargo xtask`: the project's own commands.
//!
//! - `run`    — install what is missing, build the UI and the app, and run Ringup with the
//!   simulated card terminal and printer on pseudo-terminals and the demo shop loaded.
//! - `demo`   — the scripted demo sale on the command line (no window).
//! - `test`   — install what is missing, then the UI's checks and unit tests, fmt check,
//!   clippy -D warnings, tidy, all tests (with the short crash, sync and card campaigns), a
//!   short fuzz run of every target, and the end-to-end test of the real app under Xvfb.
//! - `gen-bindings` — write the UI's TypeScript types from the Rust views.
//! - `tidy`   — check the architecture invariants (see ARCHITECTURE.md).
//! - `bench`  — run every benchmark (each figure beside its limit as a ratio) and write the
//!   report, `docs/BENCHMARKS.md`, with how the costs grow with catalog and queue size.
//! - `bench-app` — only the terminal app's benchmarks (launch, scan to render, memory).
//! - `gen-catalog --items N [--db PATH]` — a synthetic catalog of N items.
//! - `chaos crash|sync|terminal [--seed N]` — the long fault campaigns (see `chaos`).
//! - `fuzz --seconds N [TARGET...]` — coverage-guided fuzzing of the parsers (see `fuzz`).

mod bench;
mod bench_app;
mod chaos;
mod deps;
mod e2e;
mod e2e_day;
mod e2e_tech;
mod fuzz;
mod run;
mod tidy;
mod webdriver;

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(e) = dispatch(&args) {
        eprintln!("xtask: {e:#}");
        std::process::exit(1);
    }
}

fn dispatch(args: &[String]) -> Result<()> {
    let root = workspace_root();
    match args.first().map(String::as_str) {
        Some("run") => {
            deps::ensure_system_packages()?;
            deps::ensure_node()?;
            ui(&root, false)?;
            run::run(&root)
        }
        Some("demo") => {
            deps::ensure_system_packages()?;
            cargo(
                &root,
                &[
                    "run",
                    "--quiet",
                    "--package",
                    "ringup-app",
                    "--bin",
                    "ringup",
                    "--",
                    "demo",
                    "--receipts",
                    "target/demo-receipts",
                ],
            )
        }
        Some("gen-bindings") => gen_bindings(&root, &root.join("ui/src/bindings")),
        Some("e2e") => {
            deps::ensure_system_packages()?;
            deps::ensure_node()?;
            ui(&root, false)?;
            e2e(&root)
        }
        Some("test") => test(&root),
        Some("fuzz") => {
            deps::ensure_system_packages()?;
            fuzz::run(&root, &args[1..])
        }
        Some("chaos") => {
            deps::ensure_system_packages()?;
            chaos::run(&root, &args[1..])
        }
        Some("tidy") => tidy::run(&root),
        Some("bench") => {
            deps::ensure_system_packages()?;
            bench::run(&root, &args[1..])
        }
        Some("bench-app") => {
            deps::ensure_system_packages()?;
            bench_app(&root)
        }
        Some("gen-catalog") => {
            deps::ensure_system_packages()?;
            let mut rest: Vec<&str> = args[1..].iter().map(String::as_str).collect();
            if !rest.contains(&"--db") {
                rest.extend(["--db", "target/catalog.db"]);
            }
            let mut cmd =
                vec!["run", "--quiet", "--release", "--package", "ringup-app", "--bin", "ringup", "--", "gen-catalog"];
            cmd.extend(rest);
            cargo(&root, &cmd)
        }
        _ => bail!(
            "usage: cargo xtask run | demo | test | tidy | gen-bindings | bench [--items N] | bench-app | gen-catalog --items N [--db PATH] | chaos crash|sync|terminal [--seed N] | fuzz --seconds N [TARGET...]"
        ),
    }
}

/// Each fuzz target's share of the test command; a long run is `cargo xtask fuzz` by hand.
const FUZZ_SECONDS_IN_TEST: u64 = 15;

fn test(root: &Path) -> Result<()> {
    deps::ensure_system_packages()?;
    deps::ensure_node()?;
    // Fetched first, so a missing tool fails the run in its first minutes, not its last.
    e2e::tauri_driver(root)?;
    step("UI: type check, unit tests, build");
    ui(root, true)?;
    step("format check");
    cargo(root, &["fmt", "--all", "--", "--check"])?;
    step("clippy");
    cargo(root, &["clippy", "--workspace", "--all-targets", "--quiet", "--", "-D", "warnings"])?;
    step("tidy");
    tidy::run(root)?;
    step("tests");
    // --all-targets includes the benchmarks, which run a small smoke pass when not started
    // by `cargo bench`, so a broken benchmark fails here rather than on the next bench run.
    cargo(root, &["test", "--workspace", "--all-targets"])?;
    step("fuzz: a short run of every target");
    fuzz::run(root, &["--seconds".to_string(), FUZZ_SECONDS_IN_TEST.to_string()])?;
    step("end-to-end: the real app under Xvfb");
    e2e(root)?;
    step("all checks passed");
    Ok(())
}

/// The terminal app's benchmarks, on a release build of the app and the UI.
fn bench_app(root: &Path) -> Result<()> {
    deps::ensure_node()?;
    ui(root, false)?;
    bench_app::build(root)?;
    bench_app::run(root, &e2e::tauri_driver(root)?).map(|_printed| ())
}

fn e2e(root: &Path) -> Result<()> {
    let driver = e2e::tauri_driver(root)?;
    cargo(
        root,
        &[
            "build",
            "--package",
            "ringup-terminal",
            "--package",
            "hardware-sim",
            "--package",
            "ringup-app",
            "--package",
            "ringup-server",
            "--bins",
        ],
    )?;
    e2e::run(root, &driver)
}

/// Installs the UI's packages (exactly as locked) when needed and builds it; with `checks`,
/// also its type check and unit tests.
fn ui(root: &Path, checks: bool) -> Result<()> {
    let dir = root.join("ui");
    let lock = dir.join("package-lock.json");
    let stamp = dir.join("node_modules/.package-lock.json");
    let stale = |a: &Path, b: &Path| -> bool {
        let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        match (modified(a), modified(b)) {
            (Some(a), Some(b)) => a > b,
            _ => true,
        }
    };
    if stale(&lock, &stamp) {
        npm(&dir, &["ci", "--no-audit", "--no-fund"])?;
    }
    if checks {
        npm(&dir, &["run", "check"])?;
        npm(&dir, &["test"])?;
    }
    npm(&dir, &["run", "build"])
}

fn npm(dir: &Path, args: &[&str]) -> Result<()> {
    let status = Command::new("npm").args(args).current_dir(dir).status().context("could not start npm")?;
    if !status.success() {
        bail!("`npm {}` failed ({status})", args.join(" "));
    }
    Ok(())
}

/// Writes the TypeScript bindings of the IPC views into `dir` (ts-rs exports them from the
/// app crate's generated tests).
pub fn gen_bindings(root: &Path, dir: &Path) -> Result<()> {
    let cargo_bin = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(&cargo_bin)
        .args(["test", "--quiet", "--package", "ringup-app", "--lib", "export_bindings"])
        .env("TS_RS_EXPORT_DIR", dir)
        .current_dir(root)
        .status()
        .context("could not start cargo")?;
    if !status.success() {
        bail!("generating the TypeScript bindings failed ({status})");
    }
    Ok(())
}

fn step(name: &str) {
    eprintln!("\n==> {name}");
}

fn workspace_root() -> PathBuf {
    // crates/xtask/ → the workspace root, two levels up.
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().and_then(Path::parent).map_or(here.clone(), Path::to_path_buf)
}

pub fn cargo(root: &Path, args: &[&str]) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(&cargo)
        .args(args)
        .current_dir(root)
        .status()
        .with_context(|| format!("could not start {cargo}"))?;
    if !status.success() {
        bail!("`cargo {}` failed ({status})", args.join(" "));
    }
    Ok(())
}
