//! `ringup devices …` and `ringup printer test`: the technician screen on the command line,
//! for headless set-ups. The same use cases as the window (`Till`), so a change made here is
//! checked, journaled and permitted the same way: a technician's (or admin's) PIN signs in.
//! The terminal's password is read from standard input, never from an argument (arguments show
//! in the process list and the shell's history).

use anyhow::{Context, Result, bail};
use ringup_app::device_view::{DeviceHealthView, DeviceSetupView, DeviceTestView};
use ringup_app::{SystemClock, Till, TillConfig, UuidV7};
use ringup_devices::escpos::layout::Paper;
use ringup_devices::ports::list_serial_ports;
use ringup_store::Store;
use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;

pub const USAGE: &str = "
  ringup devices list [--db PATH [--pin PIN]]  the serial ports (USB ids, maker, serial number);
                                               with a store, its devices and how they are
  ringup devices set --db PATH --pin PIN [--terminal PLACE|none] [--printer PLACE|none] [--paper 58mm|80mm]
                                               set the card terminal (serial:PATH[:BAUD], tcp:HOST:PORT) and
                                               printer (also usb:VID:PID, file:PATH); journaled
  ringup devices test --db PATH --pin PIN      ask the terminal (status, diagnosis) and the printer
  ringup devices register --db PATH --pin PIN  register at the card terminal; its password is read
                                               from standard input
  ringup devices diagnostics --db PATH --pin PIN [--logs DIR]
                                               write the diagnostics zip (no secrets) beside the store
  ringup printer test --db PATH --pin PIN      print the test page";

fn take(args: &mut Vec<String>, name: &str) -> Result<Option<String>> {
    let Some(i) = args.iter().position(|a| a == name) else { return Ok(None) };
    if i + 1 >= args.len() {
        bail!("{name} needs a value");
    }
    let value = args.remove(i + 1);
    args.remove(i);
    Ok(Some(value))
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread().enable_all().build()?)
}

/// A till on the store at `db`, signed in with `pin`.
async fn signed_in(db: &Path, register: &str, pin: &str) -> Result<Till> {
    let store = Arc::new(Store::open(db).with_context(|| format!("cannot open the store at {}", db.display()))?);
    let config =
        TillConfig { register_id: register.into(), terminal: None, printer: None, paper: Paper::Mm80, logo_png: None };
    let mut till = Till::new(store, Arc::new(SystemClock), Arc::new(UuidV7), config)?;
    till.login(pin).await?;
    Ok(till)
}

fn print_health(h: &DeviceHealthView) {
    let mut line = format!("  {}: {}", h.role, h.message);
    if let Some(ms) = h.last_response_ms {
        line.push_str(&format!(" (answered in {ms} ms)"));
    }
    if let Some(tid) = &h.terminal_id {
        line.push_str(&format!(", terminal id {tid}"));
    }
    if !h.printer_flags.is_empty() {
        line.push_str(&format!(", status: {}", h.printer_flags.join(", ")));
    }
    println!("{line}");
}

fn print_setup(view: &DeviceSetupView) {
    for (name, setting) in [("card terminal", &view.terminal), ("printer", &view.printer)] {
        match setting {
            Some(s) => {
                let paper = s.paper.as_deref().map(|p| format!(", {p} paper")).unwrap_or_default();
                let password = if s.password_kept { ", password kept" } else { "" };
                println!(
                    "{name}: {} ({}{paper}{password}), set by {} at {}",
                    s.place, s.protocol, s.changed_by, s.changed_at
                );
            }
            None => println!("{name}: none set up"),
        }
    }
}

fn print_test(view: &DeviceTestView) -> Result<()> {
    println!("{}", view.message);
    for d in &view.details {
        println!("  {d}");
    }
    print_health(&view.health);
    if !view.ok {
        bail!("the test failed: {}", view.message);
    }
    Ok(())
}

/// The terminal's password: typed at the terminal without echo, or the first line of
/// standard input when that is not a terminal (a set-up script).
fn read_password() -> Result<String> {
    use std::io::IsTerminal;
    let prompt = "the card terminal's password (6 digits), then Enter: ";
    if std::io::stdin().is_terminal() {
        return Ok(rpassword::prompt_password(prompt).context("reading the password")?.trim().to_string());
    }
    eprintln!("{prompt}");
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("reading the password")?;
    Ok(line.trim().to_string())
}

pub fn run(command: &str, mut args: Vec<String>) -> Result<()> {
    let sub = if args.is_empty() { String::new() } else { args.remove(0) };
    let db = take(&mut args, "--db")?;
    let pin = take(&mut args, "--pin")?;
    let register = take(&mut args, "--register")?.unwrap_or_else(|| "R1".into());
    let needs = |what: &Option<String>, name: &str| -> Result<String> {
        what.clone().with_context(|| format!("{name} is required\nusage:{USAGE}"))
    };
    match (command, sub.as_str()) {
        ("devices", "list") => {
            match list_serial_ports() {
                Ok(ports) if ports.is_empty() => println!("no serial ports"),
                Ok(ports) => ports.iter().for_each(|p| println!("{}", p.describe())),
                Err(e) => println!("the serial ports cannot be listed: {e}"),
            }
            if let (Some(db), Some(pin)) = (&db, &pin) {
                runtime()?.block_on(async {
                    let till = signed_in(Path::new(db), &register, pin).await?;
                    let view = till.device_setup()?;
                    print_setup(&view);
                    print_health(&view.terminal_health);
                    print_health(&view.printer_health);
                    anyhow::Ok(())
                })?;
            } else if let Some(db) = &db {
                let store = Store::open(Path::new(db))?;
                for s in store.device_settings(&register)? {
                    println!("{}: {} ({}), set by {}", s.role.name(), s.place, s.protocol, s.changed_by);
                }
            }
            Ok(())
        }
        ("devices", "set") => {
            let (db, pin) = (needs(&db, "--db PATH")?, needs(&pin, "--pin PIN")?);
            let terminal = take(&mut args, "--terminal")?;
            let printer = take(&mut args, "--printer")?;
            let paper = take(&mut args, "--paper")?;
            if terminal.is_none() && printer.is_none() {
                bail!("say which: --terminal PLACE|none and/or --printer PLACE|none\nusage:{USAGE}");
            }
            let place = |p: &str| if p == "none" { None } else { Some(p.to_string()) };
            runtime()?.block_on(async {
                let mut till = signed_in(Path::new(&db), &register, &pin).await?;
                let mut view = None;
                if let Some(t) = &terminal {
                    view = Some(till.set_terminal(place(t).as_deref()).await?);
                }
                if let Some(p) = &printer {
                    // Without --paper the printer keeps the paper it has (80 mm for a new one).
                    let kept = till.device_setup()?.printer.and_then(|s| s.paper);
                    let paper = paper.clone().or(kept).unwrap_or_else(|| "80mm".into());
                    view = Some(till.set_printer(place(p).as_deref(), &paper).await?);
                }
                if let Some(view) = view {
                    print_setup(&view);
                }
                anyhow::Ok(())
            })
        }
        ("devices", "test") => {
            let (db, pin) = (needs(&db, "--db PATH")?, needs(&pin, "--pin PIN")?);
            runtime()?.block_on(async {
                let mut till = signed_in(Path::new(&db), &register, &pin).await?;
                let setup = till.device_setup()?;
                let mut failed = Vec::new();
                if setup.terminal.is_some() {
                    let view = till.test_terminal().await?;
                    if print_test(&view).is_err() {
                        failed.push("card terminal");
                    }
                }
                if setup.printer.is_some() && print_test(&till.test_printer().await?).is_err() {
                    failed.push("printer");
                }
                if setup.terminal.is_none() && setup.printer.is_none() {
                    bail!("no devices are set up: use `ringup devices set`");
                }
                if !failed.is_empty() {
                    bail!("not working: {}", failed.join(", "));
                }
                anyhow::Ok(())
            })
        }
        ("devices", "register") => {
            let (db, pin) = (needs(&db, "--db PATH")?, needs(&pin, "--pin PIN")?);
            let password = read_password()?;
            runtime()?.block_on(async {
                let mut till = signed_in(Path::new(&db), &register, &pin).await?;
                print_test(&till.register_terminal(&password).await?)
            })
        }
        ("devices", "diagnostics") => {
            let (db, pin) = (needs(&db, "--db PATH")?, needs(&pin, "--pin PIN")?);
            let logs = take(&mut args, "--logs")?;
            runtime()?.block_on(async {
                let till = signed_in(Path::new(&db), &register, &pin).await?;
                println!("{}", till.diagnostics_bundle(logs.as_deref().map(Path::new))?);
                anyhow::Ok(())
            })
        }
        ("printer", "test") => {
            let (db, pin) = (needs(&db, "--db PATH")?, needs(&pin, "--pin PIN")?);
            runtime()?.block_on(async {
                let mut till = signed_in(Path::new(&db), &register, &pin).await?;
                print_test(&till.print_test_page().await?)
            })
        }
        _ => bail!("unknown command {command} {sub}\nusage:{USAGE}"),
    }
}
