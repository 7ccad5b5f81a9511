//! `cargo xtask chaos crash|sync|terminal [--seed N]`: the long fault campaigns, by hand.
//!
//! Each is the campaign the test suite runs short (`tests/journeys/`), made big through its
//! settings; a setting already in the environment wins over the size given here, and
//! `--seed N` repeats a run whose seed a failure printed.
//! - `crash`: SIGKILL the till at random moments while it sells in cash and by card and prints
//!   receipts: at least 200 kills and at least 10 000 sales (`RINGUP_CRASH_*`).
//! - `sync`: the tills and the online shop through the fault proxy, the back end restarted
//!   (SQLite and PostgreSQL) and killed with SIGKILL mid-batch (`RINGUP_CHAOS_*`).
//! - `terminal`: the card-terminal fault campaign, 2 000 payments on an in-memory line and
//!   2 000 over a pseudo-terminal (`RINGUP_CARD_*`).

use anyhow::{Context, Result, bail};
use std::path::Path;
use std::process::Command;

pub const USAGE: &str = "cargo xtask chaos crash|sync|terminal [--seed N]";

/// A campaign: the journeys' module that holds it, its size, the variable a seed goes in.
struct Campaign {
    filter: &'static str,
    sizes: &'static [(&'static str, &'static str)],
    seed_var: &'static str,
}

fn campaign(what: &str) -> Result<Campaign> {
    Ok(match what {
        "crash" => Campaign {
            filter: "crash::",
            sizes: &[("RINGUP_CRASH_KILLS", "200"), ("RINGUP_CRASH_SALES", "10000"), ("RINGUP_CRASH_MAX_MS", "1500")],
            seed_var: "RINGUP_CRASH_SEED",
        },
        "sync" => Campaign {
            filter: "chaos::",
            sizes: &[("RINGUP_CHAOS_TILLS", "5"), ("RINGUP_CHAOS_SALES", "6000")],
            seed_var: "RINGUP_CHAOS_SEED",
        },
        "terminal" => Campaign {
            filter: "card_campaign::",
            sizes: &[("RINGUP_CARD_PAYMENTS", "2000"), ("RINGUP_CARD_PTY_PAYMENTS", "2000")],
            seed_var: "RINGUP_CARD_SEED",
        },
        other => bail!("no campaign {other:?}: {USAGE}"),
    })
}

pub fn run(root: &Path, args: &[String]) -> Result<()> {
    let what = args.first().context(USAGE)?;
    let Campaign { filter, sizes, seed_var } = campaign(what)?;
    let seed = match args.iter().position(|a| a == "--seed") {
        Some(i) => Some(args.get(i + 1).context("--seed N")?.parse::<u64>().context("--seed: a number")?),
        None => None,
    };
    if what == "sync" {
        // The SIGKILL campaign starts the back end's own binary.
        crate::cargo(root, &["build", "--quiet", "--package", "ringup-server", "--bin", "ringup-server"])?;
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(&cargo);
    cmd.args(["test", "--package", "ringup-tests", "--test", "journeys", filter, "--"])
        .args(["--nocapture", "--test-threads", "1"])
        .current_dir(root);
    for &(name, value) in sizes {
        if std::env::var_os(name).is_none() {
            cmd.env(name, value);
        }
    }
    if let Some(seed) = seed {
        cmd.env(seed_var, seed.to_string());
    }
    let started = std::time::Instant::now();
    let status = cmd.status().with_context(|| format!("could not start {cargo}"))?;
    if !status.success() {
        bail!("the {what} campaign failed ({status}); its seed is printed above");
    }
    eprintln!("chaos {what}: passed in {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}
