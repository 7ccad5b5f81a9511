//! `cargo xtask fuzz --seconds N [TARGET...]`: coverage-guided fuzzing of the parsers with
//! libFuzzer through cargo-fuzz (the targets and their checks are in `fuzz/`).
//!
//! cargo-fuzz is installed into `target/tools` the first time. It runs on the stable
//! toolchain without a sanitizer (`--sanitizer none`): Rust's own checks (bounds, and
//! overflow and debug assertions, switched on for the fuzz build) and the targets' assertions
//! are what finds a bug. Each target
//! starts from its regression inputs (`fuzz/regressions/TARGET/`) and the corpus earlier runs
//! grew (`target/fuzz/corpus/TARGET/`, kept between runs). A crash stops the run and names the
//! input; it then belongs in `fuzz/regressions/TARGET/`, where the test suite replays it.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// How `cargo fuzz` builds the targets, the same for `build` and `run`: no sanitizer (it needs
/// a nightly compiler), debug assertions on, the targets' feature, our fuzz directory.
const BUILD_OPTIONS: [&str; 7] =
    ["--sanitizer", "none", "--debug-assertions", "--features", "fuzz-targets", "--fuzz-dir", "fuzz"];

pub const USAGE: &str = "cargo xtask fuzz --seconds N [TARGET...]";
/// The cargo-fuzz release the project is tested with.
const CARGO_FUZZ_VERSION: &str = "0.13.2";

/// The targets, from `fuzz/fuzz_targets/*.rs`, in name order.
fn targets(root: &Path) -> Result<Vec<String>> {
    let mut names: Vec<String> = std::fs::read_dir(root.join("fuzz/fuzz_targets"))
        .context("fuzz/fuzz_targets")?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_suffix(".rs")).map(str::to_string))
        .collect();
    names.sort();
    Ok(names)
}

/// cargo-fuzz, installed into target/tools when it is not there yet.
fn cargo_fuzz(root: &Path) -> Result<PathBuf> {
    let tools = root.join("target/tools");
    let bin = tools.join("bin/cargo-fuzz");
    if !bin.exists() {
        eprintln!("xtask: installing cargo-fuzz {CARGO_FUZZ_VERSION} into {}", tools.display());
        let tools = tools.display().to_string();
        crate::cargo(
            root,
            &["install", "--quiet", "--locked", "--version", CARGO_FUZZ_VERSION, "--root", &tools, "cargo-fuzz"],
        )?;
    }
    Ok(bin)
}

fn fuzz_command(root: &Path, bin: &Path) -> Command {
    let mut cmd = Command::new(bin);
    cmd.arg("fuzz").current_dir(root);
    cmd
}

pub fn run(root: &Path, args: &[String]) -> Result<()> {
    let mut seconds: Option<u64> = None;
    let mut chosen = Vec::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if arg == "--seconds" {
            let value = rest.next().context(USAGE)?;
            seconds = Some(value.parse().with_context(|| format!("--seconds: {value:?} is not a number"))?);
        } else {
            chosen.push(arg.clone());
        }
    }
    let seconds = seconds.context(USAGE)?;
    let all = targets(root)?;
    if let Some(unknown) = chosen.iter().find(|t| !all.contains(t)) {
        bail!("no fuzz target {unknown:?}; there are: {}", all.join(", "));
    }
    let chosen = if chosen.is_empty() { all } else { chosen };
    let bin = cargo_fuzz(root)?;

    let status = fuzz_command(root, &bin).arg("build").args(BUILD_OPTIONS).status().context("cargo fuzz build")?;
    if !status.success() {
        bail!("building the fuzz targets failed ({status})");
    }
    for target in &chosen {
        let corpus = root.join("target/fuzz/corpus").join(target);
        let artifacts = root.join("target/fuzz/artifacts").join(target);
        std::fs::create_dir_all(&corpus)?;
        std::fs::create_dir_all(&artifacts)?;
        // The regression inputs are the corpus's first members: the fuzzer starts from valid
        // inputs and every past crash, not from nothing.
        for seed in std::fs::read_dir(root.join("fuzz/regressions").join(target))
            .with_context(|| format!("fuzz/regressions/{target}"))?
        {
            let seed = seed?.path();
            if let Some(name) = seed.file_name() {
                std::fs::copy(&seed, corpus.join(name))?;
            }
        }
        eprintln!("xtask: fuzzing {target} for {seconds} s");
        let status = fuzz_command(root, &bin)
            .arg("run")
            .args(BUILD_OPTIONS)
            .arg(target)
            .arg(&corpus)
            .arg("--")
            .arg(format!("-max_total_time={seconds}"))
            .arg(format!("-artifact_prefix={}/", artifacts.display()))
            .arg("-print_final_stats=1")
            .status()
            .with_context(|| format!("cargo fuzz run {target}"))?;
        if !status.success() {
            bail!(
                "fuzz target {target} found a crash ({status}); the input is in {}: add it to \
                 fuzz/regressions/{target}/ as a regression test and fix the bug",
                artifacts.display()
            );
        }
    }
    eprintln!("xtask: fuzzed {} targets for {seconds} s each, no crash", chosen.len());
    Ok(())
}
