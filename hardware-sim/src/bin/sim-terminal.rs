//! `sim-terminal`: a simulated ZVT card terminal on TCP.
//!
//! ```text
//! sim-terminal [--tcp 127.0.0.1:20007] [--password 000000] [--terminal-id 52500001]
//!              [--decline-cents 51] [--step-delay-ms 0]
//! ```
//! Prints `listening on ADDR` once it accepts connections; stops cleanly on SIGTERM or Ctrl-C.

use hardware_sim::terminal::{SimConfig, SimTerminal};
use ringup_devices::zvt::transport::Framing;
use std::time::Duration;

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

fn parse<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> Result<T, String> {
    match flag(args, name) {
        None => Ok(default),
        Some(v) => v.parse().map_err(|_| format!("{name}: {v:?} is not a valid value")),
    }
}

fn config(args: &[String]) -> Result<(String, SimConfig), String> {
    let defaults = SimConfig::default();
    let decline: u8 = parse(args, "--decline-cents", 51)?;
    let config = SimConfig {
        password: parse(args, "--password", defaults.password)?,
        terminal_id: parse(args, "--terminal-id", defaults.terminal_id)?,
        decline_cents: vec![decline],
        step_delay: Duration::from_millis(parse(args, "--step-delay-ms", 0)?),
        ..defaults
    };
    Ok((flag(args, "--tcp").unwrap_or_else(|| "127.0.0.1:20007".into()), config))
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (addr, config) = match config(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("sim-terminal: {e}");
            std::process::exit(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(&addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("sim-terminal: cannot listen on {addr}: {e}");
            std::process::exit(1);
        }
    };
    let local = listener.local_addr().map(|a| a.to_string()).unwrap_or(addr);
    println!("listening on {local}");
    let sim = SimTerminal::new(config);
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("sim-terminal: cannot watch SIGTERM: {e}");
            std::process::exit(1);
        }
    };
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let sim = sim.clone();
                    tokio::spawn(async move {
                        if let Err(e) = sim.serve(stream, Framing::Tcp).await {
                            eprintln!("sim-terminal: connection from {peer} ended: {e}");
                        }
                    });
                }
                Err(e) => eprintln!("sim-terminal: accept failed: {e}"),
            },
            _ = term.recv() => break,
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    println!("sim-terminal: stopped; {} bookings", sim.journal().len());
}
