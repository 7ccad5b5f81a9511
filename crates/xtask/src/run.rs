//! `cargo xtask run`: the terminal app with the simulated card terminal and receipt printer on
//! pseudo-terminals, the demo shop loaded (cashier Anna, PIN 1234; manager Maria, PIN 9999),
//! and a local back end (`ringup-server` on SQLite at 127.0.0.1:8650) the till is paired with.
//! The store is `target/run/ringup.db` and the back end's `target/run/server.db` (both kept
//! between runs); printed receipts land in `target/run/receipts/` as PNG, text and bytes.

use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

pub fn run(root: &Path) -> Result<()> {
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        bail!(
            "there is no display to open the window on. On a machine without one, run it under Xvfb:\n    \
             xvfb-run -a -s \"-screen 0 1280x800x24\" cargo xtask run\n\
             (or `cargo xtask demo` for the scripted sale on the command line)"
        );
    }
    crate::cargo(
        root,
        &[
            "build",
            "--package",
            "ringup-terminal",
            "--package",
            "hardware-sim",
            "--package",
            "ringup-server",
            "--package",
            "ringup-app",
            "--bins",
        ],
    )?;
    let work = root.join("target/run");
    std::fs::create_dir_all(work.join("receipts"))?;
    let mut server = local_back_end(root, &work)?;
    let (zvt, printer, receipts) = (work.join("zvt"), work.join("printer"), work.join("receipts"));
    let mut sims = Vec::new();
    for (bin, args) in [
        ("sim-terminal", vec!["--pty".to_string(), "--link".into(), zvt.display().to_string()]),
        (
            "sim-printer",
            vec![
                "--pty".to_string(),
                "--link".into(),
                printer.display().to_string(),
                "--out".into(),
                receipts.display().to_string(),
            ],
        ),
    ] {
        let mut child = Command::new(root.join("target/debug").join(bin))
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot start {bin}"))?;
        let mut lines = BufReader::new(child.stdout.take().context("stdout")?);
        let mut first = String::new();
        lines.read_line(&mut first)?;
        eprintln!("{bin}: {}", first.trim());
        // Keep reading what it says, so its output never meets a closed pipe.
        std::thread::spawn(move || {
            for line in lines.lines().map_while(Result::ok) {
                eprintln!("{bin}: {line}");
            }
        });
        sims.push(child);
    }
    eprintln!(
        "Ringup: sign in with PIN 1234 (cashier Anna) or 9999 (manager Maria); receipts go to {}",
        receipts.display()
    );
    let status = Command::new(root.join("target/debug/ringup-terminal"))
        .env("RINGUP_DB", work.join("ringup.db"))
        .env("RINGUP_DEMO", "1")
        .env("RINGUP_TERMINAL", format!("serial:{}:115200", zvt.display()))
        .env("RINGUP_PRINTER", format!("serial:{}:115200", printer.display()))
        .status();
    sims.push(server.take().context("the back end")?);
    for mut sim in sims {
        let _stop = Command::new("sh").args(["-c", &format!("kill -TERM {}", sim.id())]).status();
        let _ = sim.wait();
    }
    let status = status.context("cannot start the app")?;
    if !status.success() {
        bail!("the app ended with {status}");
    }
    Ok(())
}

/// Where the local back end listens: fixed, because the till keeps the URL it was paired with.
const BACK_END: &str = "127.0.0.1:8650";
const SHOP: &str = "Ringup Corner Shop";

fn tool(root: &Path, bin: &str, args: &[&str]) -> Result<std::process::Output> {
    Command::new(root.join("target/debug").join(bin)).args(args).output().with_context(|| format!("cannot start {bin}"))
}

/// Starts `ringup-server` on `target/run/server.db` and pairs the till's store with it the first
/// time (a shop, a register "Till 1", a one-time code). The till's own sync task pushes from then on.
fn local_back_end(root: &Path, work: &Path) -> Result<Option<std::process::Child>> {
    let db = format!("sqlite://{}", work.join("server.db").display());
    let store = work.join("ringup.db").display().to_string();
    let mut child = Command::new(root.join("target/debug/ringup-server"))
        .args(["--db", &db, "serve", "--listen", BACK_END])
        .stdout(Stdio::piped())
        .spawn()
        .context("cannot start ringup-server")?;
    let mut lines = BufReader::new(child.stdout.take().context("stdout")?);
    let mut first = String::new();
    lines.read_line(&mut first)?;
    if first.trim().is_empty() {
        let _ = child.wait();
        bail!("the local back end did not start: is {BACK_END} taken by another program?");
    }
    eprintln!("{}", first.trim());
    std::thread::spawn(move || for _line in lines.lines().map_while(Result::ok) {});

    let synced = tool(root, "ringup", &["sync", "--db", &store])?;
    let said = String::from_utf8_lossy(&synced.stderr);
    if synced.status.success() {
        eprintln!("ringup: {}", String::from_utf8_lossy(&synced.stdout).trim());
    } else if said.contains("not paired") || said.contains("unpaired") {
        // Both may exist from an earlier run: "exists" is fine.
        for args in [vec!["store", "create", SHOP], vec!["register", "create", "--store", SHOP, "Till 1"]] {
            let mut all = vec!["--db", db.as_str()];
            all.extend(args);
            let out = tool(root, "ringup-server", &all)?;
            let err = String::from_utf8_lossy(&out.stderr);
            if !out.status.success() && !err.contains("exists") && !err.contains("has a register named") {
                bail!("setting up the local back end failed: {err}");
            }
        }
        // The back end owns the catalog from now on: the till pulls it (and its price changes).
        let catalog = root.join("assets/sample-catalog.csv").display().to_string();
        for args in [
            vec!["tax-class", "set", "--store", SHOP, "--id", "reduced", "--name", "Reduced rate", "--rate", "7"],
            vec!["tax-class", "set", "--store", SHOP, "--id", "standard", "--name", "Standard rate", "--rate", "19"],
            vec!["catalog", "import", "--store", SHOP, catalog.as_str()],
        ] {
            let mut all = vec!["--db", db.as_str()];
            all.extend(args);
            let out = tool(root, "ringup-server", &all)?;
            if !out.status.success() {
                bail!("loading the local back end's catalog failed: {}", String::from_utf8_lossy(&out.stderr));
            }
        }
        let out = tool(root, "ringup-server", &["--db", &db, "pair-code", "--store", SHOP, "--register", "Till 1"])?;
        let line = String::from_utf8_lossy(&out.stdout).to_string();
        let code = line.split_whitespace().nth(2).with_context(|| format!("no pairing code in {line:?}"))?;
        let url = format!("http://{BACK_END}");
        let paired =
            tool(root, "ringup", &["pair", "--db", &store, "--server", &url, "--code", code, "--name", "Till 1"])?;
        if !paired.status.success() {
            bail!("pairing the till with the local back end failed: {}", String::from_utf8_lossy(&paired.stderr));
        }
        eprintln!("ringup: {}", String::from_utf8_lossy(&paired.stdout).trim());
    } else {
        eprintln!("ringup: the back end is not reachable yet ({}); the till queues its sales", said.trim());
    }
    Ok(Some(child))
}
