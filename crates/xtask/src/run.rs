//! `cargo xtask run`: the terminal app with the simulated card terminal and receipt printer on
//! pseudo-terminals and the demo shop loaded (cashier Anna, PIN 1234; manager Maria, PIN 9999).
//! The store is `target/run/ringup.db` (kept between runs); printed receipts land in
//! `target/run/receipts/` as PNG, text and bytes.

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
    crate::cargo(root, &["build", "--package", "ringup-terminal", "--package", "hardware-sim", "--bins"])?;
    let work = root.join("target/run");
    std::fs::create_dir_all(work.join("receipts"))?;
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
