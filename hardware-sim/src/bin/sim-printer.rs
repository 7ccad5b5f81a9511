//! `sim-printer`: a simulated ESC/POS receipt printer on a pseudo-terminal and/or TCP.
//!
//! ```text
//! sim-printer [--tcp 127.0.0.1:9100] [--pty [--link PATH]] [--out DIR] [--paper 58|80]
//!             [--baud N] [--lenient] [--paper-out-after-lines N] [--cover-open] [--offline]
//! ```
//! With `--pty` it prints `pty DEVICE` (and makes `PATH` a symlink to it with `--link`); with
//! `--tcp` (the default when `--pty` is not given) it prints `listening on ADDR`. Each cut
//! receipt is written to `--out` as NNNN.png, NNNN.txt and NNNN.bin. Faults can be changed while
//! it runs by lines on standard input: `paper-out`, `load-paper`, `near-end`, `cover-open`,
//! `cover-close`, `offline`, `online`, `close-drawer`, `paper-out-after N`. It stops cleanly on
//! SIGTERM or Ctrl-C, removing the link.

use hardware_sim::printer_sim::{SimPrinter, SimPrinterConfig};
use hardware_sim::render::PaperWidth;
use std::path::PathBuf;
use std::sync::Arc;
use tokio_serial::SerialPort;

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

fn fail(message: String) -> ! {
    eprintln!("sim-printer: {message}");
    std::process::exit(1);
}

fn config(args: &[String]) -> Result<SimPrinterConfig, String> {
    let baud = match flag(args, "--baud") {
        None => None,
        Some(v) => Some(v.parse::<u32>().map_err(|_| format!("--baud: {v:?} is not a number"))?),
    };
    let paper = match flag(args, "--paper").as_deref() {
        None | Some("80") => PaperWidth::Mm80,
        Some("58") => PaperWidth::Mm58,
        Some(other) => return Err(format!("--paper: {other:?} is not 58 or 80")),
    };
    let out_dir = flag(args, "--out").map(PathBuf::from);
    if let Some(dir) = &out_dir {
        std::fs::create_dir_all(dir).map_err(|e| format!("--out {}: {e}", dir.display()))?;
    }
    Ok(SimPrinterConfig { strict: !args.iter().any(|a| a == "--lenient"), baud, paper, out_dir })
}

/// Applies one control line from standard input; returns what it did, or why not.
fn control(sim: &SimPrinter, line: &str) -> Result<String, String> {
    let mut words = line.split_whitespace();
    match (words.next(), words.next()) {
        (Some("paper-out"), None) => sim.set_paper_out(true),
        (Some("load-paper"), None) => sim.set_paper_out(false),
        (Some("near-end"), None) => sim.set_near_end(true),
        (Some("cover-open"), None) => sim.set_cover_open(true),
        (Some("cover-close"), None) => sim.set_cover_open(false),
        (Some("offline"), None) => sim.set_offline(true),
        (Some("online"), None) => sim.set_offline(false),
        (Some("close-drawer"), None) => sim.close_drawer(),
        (Some("paper-out-after"), Some(n)) => {
            sim.paper_out_after_lines(n.parse().map_err(|_| format!("{n:?} is not a number of lines"))?)
        }
        (None, _) => return Ok(String::new()),
        _ => return Err(format!("unknown control {line:?}")),
    }
    Ok(format!("ok {}", line.trim()))
}

/// Serves the printer on the master side of a new pseudo-terminal; returns the slave's path.
/// The slave stays open here too, so the line survives the driver closing and reopening it.
fn start_pty(sim: Arc<SimPrinter>) -> std::io::Result<String> {
    let (mut master, slave) = tokio_serial::SerialStream::pair().map_err(std::io::Error::from)?;
    let path = slave.name().ok_or_else(|| std::io::Error::other("the pseudo-terminal has no name"))?;
    tokio::spawn(async move {
        let _keep_the_line_open = slave;
        loop {
            if let Err(e) = sim.serve(&mut master).await {
                eprintln!("sim-printer: {e}");
            }
        }
    });
    Ok(path)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let config = config(&args).unwrap_or_else(|e| {
        eprintln!("sim-printer: {e}");
        std::process::exit(2)
    });
    let sim = SimPrinter::new(config);
    if let Some(n) = flag(&args, "--paper-out-after-lines") {
        sim.paper_out_after_lines(n.parse().unwrap_or_else(|_| fail(format!("{n:?} is not a number of lines"))));
    }
    sim.set_cover_open(args.iter().any(|a| a == "--cover-open"));
    sim.set_offline(args.iter().any(|a| a == "--offline"));
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
    let tcp = flag(&args, "--tcp").or_else(|| (!pty).then(|| "127.0.0.1:9100".to_string()));
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
                            if let Err(e) = sim.serve(stream).await {
                                eprintln!("sim-printer: connection from {peer} ended: {e}");
                            }
                        });
                    }
                    Err(e) => eprintln!("sim-printer: accept failed: {e}"),
                }
            }
        });
    }
    let controls = sim.clone();
    // A plain thread, not tokio's stdin: a read blocked on standard input would hold up the
    // runtime's shutdown on SIGTERM.
    std::thread::spawn(move || {
        for line in std::io::stdin().lines().map_while(Result::ok) {
            match control(&controls, &line) {
                Ok(done) if done.is_empty() => {}
                Ok(done) => println!("{done}"),
                Err(e) => eprintln!("sim-printer: {e}"),
            }
        }
    });
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .unwrap_or_else(|e| fail(format!("cannot watch SIGTERM: {e}")));
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    if let Some(target) = link {
        let _already_gone_is_fine = std::fs::remove_file(target);
    }
    println!("sim-printer: stopped; {} receipts printed", sim.complete_receipts().len());
}
