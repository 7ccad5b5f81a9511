//! `sim-terminal`: a simulated ZVT card terminal on TCP and/or a pseudo-terminal.
//!
//! ```text
//! sim-terminal [--tcp 127.0.0.1:20007] [--pty [--link PATH]] [--password 000000]
//!              [--terminal-id 52500001] [--decline-cents 51] [--step-delay-ms 0] [--baud N]
//!              [--hold-cents C [--hold-ms 5000]]
//! ```
//! With `--pty` it prints `pty DEVICE` (and makes `PATH` a symlink to it with `--link`); with
//! `--tcp` (the default when `--pty` is not given) it prints `listening on ADDR`. It stops
//! cleanly on SIGTERM or Ctrl-C, removing the link.

use hardware_sim::terminal::{SimConfig, SimTerminal};
use ringup_devices::zvt::transport::Framing;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio_serial::SerialPort;

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

fn parse<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> Result<T, String> {
    match flag(args, name) {
        None => Ok(default),
        Some(v) => v.parse().map_err(|_| format!("{name}: {v:?} is not a valid value")),
    }
}

fn config(args: &[String]) -> Result<SimConfig, String> {
    let defaults = SimConfig::default();
    let decline: u8 = parse(args, "--decline-cents", 51)?;
    let baud: u32 = parse(args, "--baud", 0)?;
    Ok(SimConfig {
        password: parse(args, "--password", defaults.password)?,
        terminal_id: parse(args, "--terminal-id", defaults.terminal_id)?,
        decline_cents: vec![decline],
        step_delay: Duration::from_millis(parse(args, "--step-delay-ms", 0)?),
        hold_cents: flag(args, "--hold-cents")
            .map(|_| parse(args, "--hold-cents", 0u8))
            .transpose()?
            .into_iter()
            .collect(),
        hold_for: Duration::from_millis(parse(args, "--hold-ms", 5_000)?),
        baud: (baud > 0).then_some(baud),
        ..defaults
    })
}

fn fail(message: String) -> ! {
    eprintln!("sim-terminal: {message}");
    std::process::exit(1);
}

/// Serves the simulator on the master side of a new pseudo-terminal; returns the slave's path.
/// The slave stays open here too, so the line survives the driver closing and reopening it.
fn start_pty(sim: Arc<SimTerminal>) -> std::io::Result<String> {
    let (mut master, slave) = tokio_serial::SerialStream::pair().map_err(std::io::Error::from)?;
    let path = slave.name().ok_or_else(|| std::io::Error::other("the pseudo-terminal has no name"))?;
    tokio::spawn(async move {
        let _keep_the_line_open = slave;
        loop {
            // A fault that "drops the connection" ends one serve; the line itself stays.
            if let Err(e) = sim.serve(&mut master, Framing::Serial).await {
                eprintln!("sim-terminal: pty session ended: {e}");
            }
        }
    });
    Ok(path)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let config = config(&args).unwrap_or_else(|e| {
        eprintln!("sim-terminal: {e}");
        std::process::exit(2)
    });
    let sim = SimTerminal::new(config);
    let pty = args.iter().any(|a| a == "--pty");
    let mut link: Option<PathBuf> = None;
    if pty {
        let path = start_pty(sim.clone()).unwrap_or_else(|e| fail(format!("cannot open a pseudo-terminal: {e}")));
        if let Some(target) = flag(&args, "--link").map(PathBuf::from) {
            let _stale_link_may_be_absent = std::fs::remove_file(&target);
            std::os::unix::fs::symlink(&path, &target)
                .unwrap_or_else(|e| fail(format!("cannot link {} to {path}: {e}", target.display())));
            link = Some(target);
        }
        println!("pty {path}");
    }
    let tcp = flag(&args, "--tcp").or_else(|| (!pty).then(|| "127.0.0.1:20007".to_string()));
    if let Some(addr) = tcp {
        let listener = tokio::net::TcpListener::bind(&addr)
            .await
            .unwrap_or_else(|e| fail(format!("cannot listen on {addr}: {e}")));
        println!("listening on {}", listener.local_addr().map(|a| a.to_string()).unwrap_or(addr));
        let sim = sim.clone();
        tokio::spawn(async move {
            loop {
                match listener.accept().await {
                    Ok((stream, peer)) => {
                        let sim = sim.clone();
                        tokio::spawn(async move {
                            if let Err(e) = sim.serve(stream, Framing::Tcp).await {
                                eprintln!("sim-terminal: connection from {peer} ended: {e}");
                            }
                        });
                    }
                    Err(e) => eprintln!("sim-terminal: accept failed: {e}"),
                }
            }
        });
    }
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .unwrap_or_else(|e| fail(format!("cannot watch SIGTERM: {e}")));
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    if let Some(target) = link {
        let _already_gone_is_fine = std::fs::remove_file(target);
    }
    let journal = sim.journal();
    println!("sim-terminal: stopped; {} bookings", journal.len());
    // The journal, so a test can check who was charged what.
    for b in journal {
        println!(
            "booking {:?} {} trace {} result {:02X}{}",
            b.kind,
            b.amount_minor,
            b.trace_no,
            b.result_code,
            if b.reversed { " reversed" } else { "" }
        );
    }
}
