//! Architecture invariants, checked mechanically (see ARCHITECTURE.md):
//! 1. nothing under `crates/` or `hardware-sim/` depends on `tauri`;
//! 2. `crates/domain` does no IO: no IO crates among its dependencies and no IO calls in it;
//! 3. no disabled or unfinished tests (`#[ignore]`, `todo!`) and no source file past the size
//!    where it should have been split.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Crates that would give the domain a way to touch the outside world.
const IO_CRATES: &[&str] = &[
    "rusqlite",
    "tokio",
    "serialport",
    "reqwest",
    "sqlx",
    "axum",
    "hyper",
    "mio",
    "async-std",
    "tauri",
    "rand",
    "getrandom",
    "chrono",
];
/// Calls that do IO or read the clock or randomness, which the domain must receive instead.
const IO_CALLS: &[&str] = &[
    "std::fs",
    "std::net",
    "std::process",
    "std::env",
    "std::io::std",
    "std::thread",
    "SystemTime",
    "Instant::now",
    "Uuid::now_v7",
    "Uuid::new_v4",
    "println!",
    "eprintln!",
    "File::",
    "TcpStream",
];
/// A source file past this many lines must be split (ENGINEERING.md asks for ~500 at most).
const MAX_FILE_LINES: usize = 600;

pub fn run(root: &Path) -> Result<()> {
    let mut problems = Vec::new();
    check_dependencies(root, &mut problems)?;
    check_domain_sources(root, &mut problems)?;
    check_all_sources(root, &mut problems)?;
    check_bindings(root, &mut problems)?;
    check_ui_platform(root, &mut problems)?;
    if problems.is_empty() {
        eprintln!("tidy: invariants hold");
        return Ok(());
    }
    for p in &problems {
        eprintln!("tidy: {p}");
    }
    bail!("{} invariant violation(s)", problems.len())
}

fn check_dependencies(root: &Path, problems: &mut Vec<String>) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(root)
        .output()
        .context("cargo metadata")?;
    if !out.status.success() {
        bail!("cargo metadata failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    for package in meta["packages"].as_array().into_iter().flatten() {
        let name = package["name"].as_str().unwrap_or("?");
        let manifest = PathBuf::from(package["manifest_path"].as_str().unwrap_or(""));
        let relative = manifest.strip_prefix(root).unwrap_or(&manifest).to_string_lossy().to_string();
        let in_core = relative.starts_with("crates/") || relative.starts_with("hardware-sim/");
        for dep in package["dependencies"].as_array().into_iter().flatten() {
            let dep_name = dep["name"].as_str().unwrap_or("");
            let normal = dep["kind"].is_null();
            if in_core && dep_name.starts_with("tauri") {
                problems
                    .push(format!("{name} ({relative}) depends on {dep_name}: the core must build without a window"));
            }
            if name == "ringup-domain" && normal && IO_CRATES.contains(&dep_name) {
                problems.push(format!("ringup-domain depends on {dep_name}: the domain does no IO"));
            }
        }
    }
    Ok(())
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("read {}", dir.display()))? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if name != "target" && !name.starts_with('.') && name != "node_modules" {
                rust_files(&path, out)?;
            }
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
    Ok(())
}

fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())).filter(|(_, l)| !l.starts_with("//"))
}

fn check_domain_sources(root: &Path, problems: &mut Vec<String>) -> Result<()> {
    let mut files = Vec::new();
    rust_files(&root.join("crates/domain/src"), &mut files)?;
    for file in files {
        let text = std::fs::read_to_string(&file)?;
        for (n, line) in code_lines(&text) {
            for call in IO_CALLS {
                if line.contains(call) {
                    problems.push(format!(
                        "{}:{n}: `{call}` in the domain, which does no IO",
                        file.strip_prefix(root)?.display()
                    ));
                }
            }
        }
    }
    Ok(())
}

fn check_all_sources(root: &Path, problems: &mut Vec<String>) -> Result<()> {
    let mut files = Vec::new();
    for dir in ["crates", "hardware-sim", "tests"] {
        if root.join(dir).is_dir() {
            rust_files(&root.join(dir), &mut files)?;
        }
    }
    // Spelled in two pieces so this file does not trip its own check.
    let markers =
        [concat!("#[", "ignore"), concat!("todo", "!("), concat!("unimplemented", "!("), concat!("should", "_panic")];
    for file in files {
        let text = std::fs::read_to_string(&file)?;
        let shown = file.strip_prefix(root)?.display().to_string();
        for (n, line) in code_lines(&text) {
            for m in markers {
                if line.contains(m) {
                    problems.push(format!("{shown}:{n}: `{m}` — no disabled or unfinished tests"));
                }
            }
        }
        let lines = text.lines().count();
        if lines > MAX_FILE_LINES {
            problems.push(format!("{shown}: {lines} lines; split it (limit {MAX_FILE_LINES})"));
        }
    }
    Ok(())
}

/// The UI's TypeScript bindings must be what the Rust views generate now.
fn check_bindings(root: &Path, problems: &mut Vec<String>) -> Result<()> {
    let fresh = root.join("target/bindings-check");
    let _stale = std::fs::remove_dir_all(&fresh);
    crate::gen_bindings(root, &fresh)?;
    let committed = root.join("ui/src/bindings");
    let list = |dir: &Path| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().to_string())
            .collect();
        names.sort();
        names
    };
    if list(&fresh) != list(&committed) {
        problems.push(format!(
            "ui/src/bindings has {:?}, the Rust views make {:?}: run `cargo xtask gen-bindings`",
            list(&committed),
            list(&fresh)
        ));
        return Ok(());
    }
    for name in list(&fresh) {
        if std::fs::read(fresh.join(&name))? != std::fs::read(committed.join(&name))? {
            problems.push(format!("ui/src/bindings/{name} differs from its Rust view: run `cargo xtask gen-bindings`"));
        }
    }
    Ok(())
}

/// Only `ui/src/platform/` may import `@tauri-apps/*`: the rest of the UI is plain web code.
fn check_ui_platform(root: &Path, problems: &mut Vec<String>) -> Result<()> {
    let src = root.join("ui/src");
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                if path != src.join("platform") {
                    stack.push(path);
                }
                continue;
            }
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            if !matches!(ext, "ts" | "js" | "svelte") || path.to_string_lossy().ends_with(".test.ts") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            if text.lines().any(|l| (l.contains("import") || l.contains("from")) && l.contains("@tauri-apps/")) {
                let shown = path.strip_prefix(root).unwrap_or(&path).display().to_string();
                problems.push(format!("{shown} imports @tauri-apps: only ui/src/platform/ may"));
            }
        }
    }
    Ok(())
}
