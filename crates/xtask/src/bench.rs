//! `cargo xtask bench [--items N]`: every benchmark of the project, and the report of them all,
//! `docs/BENCHMARKS.md`.
//!
//! Each benchmark prints its figures beside their limits (or a peer) as ratios; this runs them
//! one after the other on the machine at hand, shows their output as it comes, and writes the
//! report from what they printed: each table as printed, and how the cost grows with size —
//! the store benchmarks on catalogs of 1 000 to 1 000 000 items, the sync drain on queues of
//! 1 000 to 100 000 sales. `--items N` runs the store benchmarks on that one size only.

use anyhow::{Context, Result, bail};
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

const CATALOG_SIZES: [u64; 4] = [1_000, 10_000, 100_000, 1_000_000];
const QUEUE_SIZES: [u64; 3] = [1_000, 10_000, 100_000];

/// Runs `cargo ARGS`, echoing its output as it comes; returns what it printed on stdout.
fn capture(root: &Path, args: &[&str]) -> Result<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut child = Command::new(&cargo)
        .args(args)
        .current_dir(root)
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("could not start {cargo}"))?;
    let mut out = String::new();
    for line in BufReader::new(child.stdout.take().context("stdout")?).lines() {
        let line = line?;
        println!("{line}");
        out.push_str(&line);
        out.push('\n');
    }
    let status = child.wait()?;
    if !status.success() {
        bail!("`cargo {}` failed ({status})", args.join(" "));
    }
    Ok(out)
}

fn bench(root: &Path, package: &str, name: &str, extra: &[&str]) -> Result<String> {
    let mut args = vec!["bench", "--quiet", "--package", package, "--bench", name, "--"];
    args.extend(extra);
    capture(root, &args)
}

/// The lines of a benchmark's output that carry figures (its table without the blank lines).
fn table(output: &str) -> String {
    output.lines().filter(|l| !l.trim().is_empty()).collect::<Vec<_>>().join("\n")
}

/// A store table's rows as (name, figure, limit, ratio): the columns are separated by runs of
/// two or more spaces; the item count in a name is replaced by N so sizes line up.
fn store_rows(output: &str, items: u64) -> Vec<(String, String, String, String)> {
    output
        .lines()
        .filter(|l| l.contains('×'))
        .filter_map(|l| {
            let cols: Vec<&str> = l.split("  ").map(str::trim).filter(|c| !c.is_empty()).collect();
            match cols.as_slice() {
                [name, figure, limit, ratio, ..] => Some((
                    name.replace(&format!("({items} items)"), "(N items)"),
                    (*figure).to_string(),
                    (*limit).to_string(),
                    ratio.split_whitespace().next().unwrap_or(ratio).to_string(),
                )),
                _ => None,
            }
        })
        .collect()
}

/// The drain's rate on each back end from its lines `drain N queued sales … on NAME RATE sales/s`.
fn drain_rates(output: &str) -> Vec<(String, String, String)> {
    output
        .lines()
        .filter(|l| l.starts_with("drain "))
        .filter_map(|l| {
            let after = l.split(" on ").nth(1)?;
            let mut words = after.split_whitespace();
            let backend = words.next()?.to_string();
            let rate = words.next()?.to_string();
            let ratio = l.split("= ").nth(1)?.split_whitespace().next()?.to_string();
            Some((backend, rate, ratio))
        })
        .collect()
}

fn thousands(n: u64) -> String {
    match n {
        1_000_000.. => format!("{}M", n / 1_000_000),
        1_000.. => format!("{}k", n / 1_000),
        _ => n.to_string(),
    }
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "an unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let mem_kib: u64 = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines().find(|l| l.starts_with("MemTotal")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0);
    format!("{cpu}, {cores} cores, {} GiB", mem_kib / 1024 / 1024)
}

fn git(root: &Path, args: &[&str]) -> String {
    Command::new("git")
        .args(args)
        .current_dir(root)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

pub fn run(root: &Path, args: &[String]) -> Result<()> {
    let one_size = match args.iter().position(|a| a == "--items") {
        Some(i) => Some(args.get(i + 1).context("--items N")?.parse::<u64>().context("--items: a number")?),
        None => None,
    };
    let sizes: Vec<u64> = one_size.map_or_else(|| CATALOG_SIZES.to_vec(), |n| vec![n]);
    let mut report = String::new();
    let mut store = Vec::new();
    for &items in &sizes {
        let out = bench(root, "ringup-store", "store", &["--items", &items.to_string()])?;
        store.push((items, out));
    }
    let zvt = bench(root, "hardware-sim", "zvt", &[])?;
    let printer = bench(root, "hardware-sim", "printer", &[])?;
    let mut drains = Vec::new();
    for sales in QUEUE_SIZES {
        drains.push((sales, bench(root, "ringup-sync", "drain", &["--sales", &sales.to_string()])?));
    }
    let first_sync = bench(root, "ringup-sync", "first_sync", &[])?;
    let ingest = bench(root, "ringup-sync", "ingest", &[])?;
    crate::deps::ensure_node()?;
    crate::ui(root, false)?;
    crate::bench_app::build(root)?;
    let driver = crate::e2e::tauri_driver(root)?;
    let app = crate::bench_app::run(root, &driver)?;

    let date = git(root, &["log", "-1", "--format=%cs"]);
    let commit = git(root, &["rev-parse", "--short", "HEAD"]);
    let dirty = if git(root, &["status", "--porcelain"]).is_empty() { "" } else { " with uncommitted changes" };
    writeln!(report, "# Benchmarks\n")?;
    writeln!(
        report,
        "Written by `cargo xtask bench` at commit {commit}{dirty} ({date}) on {}. Every figure \
         stands beside its limit or its peer; a ratio is figure ÷ limit for times (at most 1 is \
         within the limit) and figure ÷ floor for rates (at least 1 is within). Run it again to \
         replace this file; the figures are of the machine it ran on.\n",
        machine()
    )?;
    if let Some((items, out)) = store.iter().find(|(n, _)| *n == *sizes.last().unwrap_or(&0)) {
        writeln!(report, "## Store: {} items\n\n```text\n{}\n```\n", thousands(*items), table(out))?;
    }
    if store.len() > 1 {
        writeln!(report, "## How the store's costs grow with the catalog\n")?;
        let head: Vec<String> = store.iter().map(|(n, _)| format!("{} items", thousands(*n))).collect();
        writeln!(report, "| benchmark | {} | limit |", head.join(" | "))?;
        writeln!(report, "|---|{}---|", "---|".repeat(store.len()))?;
        let rows: Vec<Vec<(String, String, String, String)>> =
            store.iter().map(|(n, out)| store_rows(out, *n)).collect();
        for (i, (name, _, limit, _)) in rows[0].iter().enumerate() {
            let cells: Vec<String> = rows
                .iter()
                .map(|r| r.get(i).map_or_else(|| "–".into(), |(_, figure, _, ratio)| format!("{figure} ({ratio})")))
                .collect();
            writeln!(report, "| {name} | {} | {limit} |", cells.join(" | "))?;
        }
        writeln!(report)?;
    }
    writeln!(report, "## Sync: draining the till's queue to the back end\n")?;
    writeln!(report, "| back end | {} | floor |", QUEUE_SIZES.map(|n| format!("{} sales", thousands(n))).join(" | "))?;
    writeln!(report, "|---|{}---|", "---|".repeat(QUEUE_SIZES.len()))?;
    let rates: Vec<Vec<(String, String, String)>> = drains.iter().map(|(_, out)| drain_rates(out)).collect();
    for (i, (backend, _, _)) in rates[0].iter().enumerate() {
        let cells: Vec<String> = rates
            .iter()
            .map(|r| r.get(i).map_or_else(|| "–".into(), |(_, rate, ratio)| format!("{rate} sales/s ({ratio})")))
            .collect();
        writeln!(report, "| {backend} | {} | 2 000 sales/s |", cells.join(" | "))?;
    }
    writeln!(report)?;
    for (title, out) in [
        ("Sync: first sync and ingest", format!("{}\n{}", table(&first_sync), table(&ingest))),
        ("Card terminal (ZVT)", table(&zvt)),
        ("Receipt printer (ESC/POS)", table(&printer)),
        ("The terminal app (release build under Xvfb, 1 000 000 items)", table(&app)),
    ] {
        writeln!(report, "## {title}\n\n```text\n{out}\n```\n")?;
    }
    let path = root.join("docs/BENCHMARKS.md");
    std::fs::create_dir_all(root.join("docs"))?;
    std::fs::write(&path, report)?;
    eprintln!("xtask: wrote {}", path.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_read_from_the_tables_as_printed() {
        let store = "\nringup-store benchmarks — full run\nbenchmark  figure  limit  ratio\n\
            open store (1000 items) → first scan, worst of 20          1.20ms    200.00ms   0.01×  ok  (x)\n";
        assert_eq!(
            store_rows(store, 1000),
            vec![(
                "open store (N items) → first scan, worst of 20".to_string(),
                "1.20ms".to_string(),
                "200.00ms".to_string(),
                "0.01×".to_string()
            )]
        );
        let drain = "drain 1000 queued sales to the back end on SQLite          6330 sales/s / floor 2000 sales/s = 3.16× the floor  ok\n";
        assert_eq!(drain_rates(drain), vec![("SQLite".into(), "6330".into(), "3.16×".into())]);
        assert_eq!((thousands(1_000), thousands(1_000_000), thousands(7)), ("1k".into(), "1M".into(), "7".into()));
    }
}
