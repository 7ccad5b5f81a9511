//! `cargo xtask`: the project's own commands.
//!
//! - `run`    — install what is missing, then run Ringup (today: the scripted demo sale).
//! - `test`   — install what is missing, then fmt check, clippy -D warnings, tidy, all tests.
//! - `tidy`   — check the architecture invariants (see ARCHITECTURE.md).
//! - `bench`  — run the benchmarks; each figure is printed beside its limit as a ratio.
//! - `gen-catalog --items N [--db PATH]` — a synthetic catalog of N items.

mod deps;
mod tidy;

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
        Some("test") => test(&root),
        Some("tidy") => tidy::run(&root),
        Some("bench") => {
            deps::ensure_system_packages()?;
            let mut cmd = vec!["bench", "--package", "ringup-store", "--bench", "store", "--"];
            cmd.extend(args[1..].iter().map(String::as_str));
            cargo(&root, &cmd)?;
            cargo(&root, &["bench", "--package", "hardware-sim", "--bench", "zvt"])?;
            cargo(&root, &["bench", "--package", "hardware-sim", "--bench", "printer"])
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
        _ => bail!("usage: cargo xtask run | test | tidy | bench [--items N] | gen-catalog --items N [--db PATH]"),
    }
}

fn test(root: &Path) -> Result<()> {
    deps::ensure_system_packages()?;
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
    step("all checks passed");
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

fn cargo(root: &Path, args: &[&str]) -> Result<()> {
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
