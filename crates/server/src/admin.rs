//! The admin command line: set a store up, hand out pairing codes, list and revoke devices,
//! and serve the API. Output goes to the writer given, so tests read what a person reads.

use crate::api::{AppState, system_clock};
use crate::db::{DEFAULT_URL, Db};
use anyhow::{Context, Result, bail};
use std::io::Write;
use uuid::Uuid;

pub const USAGE: &str = "usage: ringup-server [--db URL] COMMAND
  serve [--listen ADDR]                          serve the API (default 127.0.0.1:8650)
  store create NAME                              create a store
  register create --store STORE NAME             create a register in a store
  staff add --store STORE --name NAME --role ROLE [--pin PIN]
                                                 add staff (role: cashier, manager, technician, admin);
                                                 without --pin the PIN is read from standard input
  pair-code --store STORE --register REGISTER    a one-time pairing code (8 characters, 10 minutes)
  devices list                                   paired devices, revoked ones marked
  devices revoke DEVICE_ID                       unpair a device: its token is refused from now on
The database is --db, else $RINGUP_SERVER_DB, else sqlite://ringup-server.db; a postgres:// URL uses PostgreSQL.
STORE and REGISTER are an id or a name.";

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8650";

fn take_flag(args: &mut Vec<String>, name: &str) -> Result<Option<String>> {
    let Some(i) = args.iter().position(|a| a == name) else { return Ok(None) };
    if i + 1 >= args.len() {
        bail!("{name} needs a value\n{USAGE}");
    }
    let value = args.remove(i + 1);
    args.remove(i);
    Ok(Some(value))
}

fn required(args: &mut Vec<String>, name: &str) -> Result<String> {
    take_flag(args, name)?.with_context(|| format!("{name} is required\n{USAGE}"))
}

fn one_argument(args: &[String], what: &str) -> Result<String> {
    match args {
        [one] => Ok(one.clone()),
        [] => bail!("{what} is missing\n{USAGE}"),
        more => bail!("unexpected arguments {more:?}\n{USAGE}"),
    }
}

fn time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map_or_else(|| format!("{ms} ms"), |t| t.format("%Y-%m-%d %H:%M UTC").to_string())
}

/// Runs one command. `stdin` gives a PIN when `--pin` is not on the command line.
pub async fn run(mut args: Vec<String>, out: &mut impl Write, stdin: &mut impl std::io::BufRead) -> Result<()> {
    let url = match take_flag(&mut args, "--db")? {
        Some(url) => url,
        None => std::env::var("RINGUP_SERVER_DB").unwrap_or_else(|_| DEFAULT_URL.to_string()),
    };
    let words: Vec<&str> = args.iter().take(2).map(String::as_str).collect();
    let clock = system_clock();
    match words.as_slice() {
        ["serve", ..] => {
            args.remove(0);
            let listen = take_flag(&mut args, "--listen")?.unwrap_or_else(|| DEFAULT_LISTEN.to_string());
            let db = Db::connect(&url).await?;
            let listener =
                tokio::net::TcpListener::bind(&listen).await.with_context(|| format!("cannot listen on {listen}"))?;
            writeln!(out, "ringup-server: serving /v1 on http://{} ({})", listener.local_addr()?, db.backend.name())?;
            out.flush()?;
            crate::serve(listener, AppState { db, clock }).await?;
            Ok(())
        }
        ["store", "create", ..] => {
            let name = one_argument(&args[2..], "the store's name")?;
            let id = Db::connect(&url).await?.create_store(&name, clock()).await?;
            writeln!(out, "store {id} {name:?} created")?;
            Ok(())
        }
        ["register", "create", ..] => {
            args.drain(..2);
            let store = required(&mut args, "--store")?;
            let name = one_argument(&args, "the register's name")?;
            let db = Db::connect(&url).await?;
            let id = db.create_register(db.store_id(&store).await?, &name, clock()).await?;
            writeln!(out, "register {id} {name:?} created")?;
            Ok(())
        }
        ["staff", "add", ..] => {
            args.drain(..2);
            let store = required(&mut args, "--store")?;
            let name = required(&mut args, "--name")?;
            let role = required(&mut args, "--role")?;
            let pin = match take_flag(&mut args, "--pin")? {
                Some(pin) => pin,
                None => {
                    let mut line = String::new();
                    stdin.read_line(&mut line)?;
                    line.trim().to_string()
                }
            };
            if !args.is_empty() {
                bail!("unexpected arguments {args:?}\n{USAGE}");
            }
            let db = Db::connect(&url).await?;
            let id = db.add_staff(db.store_id(&store).await?, &name, &role, &pin, clock()).await?;
            writeln!(out, "staff {id} {name:?} ({role}) added")?;
            Ok(())
        }
        ["pair-code", ..] => {
            args.remove(0);
            let store = required(&mut args, "--store")?;
            let register = required(&mut args, "--register")?;
            let db = Db::connect(&url).await?;
            let register_id = db.register_id(db.store_id(&store).await?, &register).await?;
            let now = clock();
            let code = db.create_pairing_code(register_id, now).await?;
            writeln!(
                out,
                "pairing code {code} for register {register_id}, valid until {}",
                time(now + ringup_protocol::PAIRING_CODE_TTL_MS)
            )?;
            Ok(())
        }
        ["devices", "list"] => {
            let devices = Db::connect(&url).await?.list_devices().await?;
            if devices.is_empty() {
                writeln!(out, "no devices are paired")?;
            }
            for d in devices {
                let state = match d.revoked_ms {
                    Some(ms) => format!("REVOKED {}", time(ms)),
                    None => "paired".to_string(),
                };
                let seen = d.last_seen_ms.map_or_else(|| "never".to_string(), time);
                writeln!(
                    out,
                    "{}  {} / {}  {:?}  {state}  since {}  last seen {seen}  events {}",
                    d.id,
                    d.store,
                    d.register,
                    d.name.unwrap_or_default(),
                    time(d.paired_ms),
                    d.high_seq
                )?;
            }
            Ok(())
        }
        ["devices", "revoke", ..] => {
            let id = one_argument(&args[2..], "the device id")?;
            let id = Uuid::parse_str(&id).with_context(|| format!("{id:?} is not a device id (see devices list)"))?;
            Db::connect(&url).await?.revoke_device(id, clock()).await?;
            writeln!(out, "device {id} revoked: its token is refused from now on")?;
            Ok(())
        }
        [] | ["help" | "--help" | "-h", ..] => {
            writeln!(out, "{USAGE}")?;
            Ok(())
        }
        _ => bail!("unknown command {:?}\n{USAGE}", args.join(" ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_print_as_utc_dates() {
        assert_eq!(time(0), "1970-01-01 00:00 UTC");
        assert_eq!(time(1_795_000_000_000), "2026-11-18 11:06 UTC");
        assert_eq!(time(951_782_400_000), "2000-02-29 00:00 UTC");
    }
}
