//! The admin command line: set a store up, hand out pairing codes, list and revoke devices,
//! and serve the API. Output goes to the writer given, so tests read what a person reads.

use crate::api::{AppState, system_clock};
use crate::db::{DEFAULT_URL, Db};
use anyhow::{Context, Result, bail};
use std::io::Write;
use uuid::Uuid;

pub const USAGE: &str = "usage: ringup-server [--db URL] COMMAND
  serve [--listen ADDR] [--tls-cert PEM --tls-key PEM]
                                                 serve the API (default 127.0.0.1:8650); over TLS with
                                                 a certificate (chain) and its key
  store create NAME                              create a store
  register create --store STORE NAME             create a register in a store
  staff add --store STORE --name NAME --role ROLE [--pin PIN]
                                                 add staff (role: cashier, manager, technician, admin);
                                                 without --pin the PIN is read from standard input
  pair-code --store STORE --register REGISTER    a one-time pairing code (8 characters, 10 minutes)
  devices list                                   paired devices, revoked ones marked
  devices revoke DEVICE_ID                       unpair a device: its token is refused from now on
  tax-class set --store STORE --id ID --name NAME --rate PERCENT
                                                 create or change a tax class (e.g. --rate 19 or 7.5)
  catalog import --store STORE FILE.csv          import a catalog CSV, all or nothing (as `ringup import`)
  settings set --store STORE FILE.json           the store's settings the tills pull (currency, header, …)
  channel create --store STORE NAME              a channel that posts stock movements (the online shop);
                                                 prints its token once
  channel revoke CHANNEL_ID                      refuse a channel's token from now on
  stock --store STORE [--sku SKU]                stock levels from the ledger
  webhook add --store STORE --url URL --secret SECRET [--events E1,E2]
                                                 send events (sale.completed, refund.created, shift.closed,
                                                 stock.low; all when --events is absent), signed with SECRET
  webhook list --store STORE                     subscribers
  webhook log --store STORE [--last N]           deliveries, newest first, with their last answer
  webhook disable WEBHOOK_ID                     stop sending to a subscriber
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
            let tls = match (take_flag(&mut args, "--tls-cert")?, take_flag(&mut args, "--tls-key")?) {
                (Some(cert), Some(key)) => Some((
                    std::fs::read(&cert).with_context(|| format!("cannot read the certificate {cert}"))?,
                    std::fs::read(&key).with_context(|| format!("cannot read the key {key}"))?,
                )),
                (None, None) => None,
                _ => bail!("--tls-cert and --tls-key go together\n{USAGE}"),
            };
            let db = Db::connect(&url).await?;
            let listener =
                std::net::TcpListener::bind(&listen).with_context(|| format!("cannot listen on {listen}"))?;
            let scheme = if tls.is_some() { "https" } else { "http" };
            writeln!(
                out,
                "ringup-server: serving /v1 on {scheme}://{} ({})",
                listener.local_addr()?,
                db.backend.name()
            )?;
            out.flush()?;
            let state = AppState { db, clock };
            match tls {
                Some((cert, key)) => crate::serve_tls(listener, state, cert, key).await?,
                None => {
                    listener.set_nonblocking(true)?;
                    crate::serve(tokio::net::TcpListener::from_std(listener)?, state).await?;
                }
            }
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
        ["channel", "revoke", ..] => {
            let id = one_argument(&args[2..], "the channel id")?;
            let id = Uuid::parse_str(&id).with_context(|| format!("{id:?} is not a channel id"))?;
            Db::connect(&url).await?.revoke_channel(id, clock()).await?;
            writeln!(out, "channel {id} revoked: its token is refused from now on")?;
            Ok(())
        }
        ["webhook", "disable", ..] => {
            let id = one_argument(&args[2..], "the webhook id")?;
            let id = Uuid::parse_str(&id).with_context(|| format!("{id:?} is not a webhook id"))?;
            Db::connect(&url).await?.disable_webhook(id, clock()).await?;
            writeln!(out, "webhook {id} disabled")?;
            Ok(())
        }
        ["webhook", ..] => webhook(args, &url, out).await,
        ["tax-class" | "catalog" | "settings" | "channel" | "stock", ..] => store_data(args, &url, out).await,
        [] | ["help" | "--help" | "-h", ..] => {
            writeln!(out, "{USAGE}")?;
            Ok(())
        }
        _ => bail!("unknown command {:?}\n{USAGE}", args.join(" ")),
    }
}

/// Quantities in thousandths as a person reads them: "12", "-1.5", "0.25".
fn quantity(milli: i64) -> String {
    let (sign, abs) = if milli < 0 { ("-", milli.unsigned_abs()) } else { ("", milli.unsigned_abs()) };
    let (whole, frac) = (abs / 1000, abs % 1000);
    if frac == 0 {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{}", format!("{frac:03}").trim_end_matches('0'))
    }
}

/// The commands for what the tills pull and for the stock ledger.
async fn store_data(mut args: Vec<String>, url: &str, out: &mut impl Write) -> Result<()> {
    let clock = system_clock();
    let words = if args.first().map(String::as_str) == Some("stock") { 1 } else { 2 };
    let first: Vec<String> = args.drain(..args.len().min(words)).collect();
    let store = required(&mut args, "--store")?;
    let db = Db::connect(url).await?;
    let store = db.store_id(&store).await?;
    match first.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["tax-class", "set"] => {
            let id = required(&mut args, "--id")?;
            let name = required(&mut args, "--name")?;
            let rate = crate::catalog::parse_rate_percent(&required(&mut args, "--rate")?)?;
            if !args.is_empty() {
                bail!("unexpected arguments {args:?}\n{USAGE}");
            }
            let rev = db.set_tax_class(store, &id, &name, rate).await?;
            writeln!(out, "tax class {id} {name:?} at {} % (revision {rev})", quantity(i64::from(rate) / 10))?;
        }
        ["catalog", "import"] => {
            let path = one_argument(&args, "the catalog file")?;
            let file = std::fs::File::open(&path).with_context(|| format!("cannot open {path}"))?;
            let mut last_shown = 0;
            let report = db
                .import_catalog_csv(store, std::io::BufReader::new(file), |done, total| {
                    if done == total || done - last_shown >= 50_000 {
                        last_shown = done;
                        eprint!("\rwriting: {done} / {total} rows   ");
                    }
                })
                .await;
            eprintln!();
            let report = match report {
                Ok(report) => report,
                Err(crate::repo::RepoError::Import(issues)) => bail!(
                    "{path} was not imported, nothing changed; {} problem(s):\n{}",
                    issues.len(),
                    crate::catalog::describe_issues(&issues, 20)
                ),
                Err(other) => return Err(other.into()),
            };
            writeln!(out, "imported {} rows: {} new, {} updated", report.rows, report.created, report.updated)?;
        }
        ["settings", "set"] => {
            let path = one_argument(&args, "the settings file")?;
            let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))?;
            let settings: serde_json::Value =
                serde_json::from_str(&text).with_context(|| format!("{path} is not JSON"))?;
            let rev = db.set_settings(store, &settings).await?;
            writeln!(out, "settings saved (revision {rev})")?;
        }
        ["channel", "create"] => {
            let name = one_argument(&args, "the channel's name")?;
            let (id, token) = db.create_channel(store, &name, clock()).await?;
            writeln!(out, "channel {id} {name:?} created; its token (shown once): {token}")?;
        }
        ["stock", ..] => {
            let sku = take_flag(&mut args, "--sku")?;
            let levels = match sku {
                Some(sku) => vec![(sku.clone(), db.stock_milli(store, &sku).await?)],
                None => db.stock_levels(store).await?,
            };
            if levels.is_empty() {
                writeln!(out, "no stock movements yet")?;
            }
            for (sku, milli) in levels {
                writeln!(out, "{sku}  {}", quantity(milli))?;
            }
        }
        _ => bail!("unknown command {:?}\n{USAGE}", first.join(" ")),
    }
    Ok(())
}

/// The webhook commands that name a store.
async fn webhook(mut args: Vec<String>, url: &str, out: &mut impl Write) -> Result<()> {
    let first: Vec<String> = args.drain(..args.len().min(2)).collect();
    let store = required(&mut args, "--store")?;
    let db = Db::connect(url).await?;
    let store = db.store_id(&store).await?;
    match first[1..].iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["add"] => {
            let target = required(&mut args, "--url")?;
            let secret = required(&mut args, "--secret")?;
            let events: Vec<String> = take_flag(&mut args, "--events")?
                .map(|e| e.split(',').map(|e| e.trim().to_string()).filter(|e| !e.is_empty()).collect())
                .unwrap_or_default();
            if !args.is_empty() {
                bail!("unexpected arguments {args:?}\n{USAGE}");
            }
            let id = db.add_webhook(store, &target, &secret, &events, system_clock()()).await?;
            writeln!(out, "webhook {id} sends to {target}")?;
        }
        ["list"] => {
            for w in db.webhooks(store).await? {
                let state = if w.disabled_ms.is_some() { "DISABLED" } else { "active" };
                writeln!(out, "{}  {}  {}  {state}", w.id, w.url, w.events.join(","))?;
            }
        }
        ["log"] => {
            let last = take_flag(&mut args, "--last")?.map_or(Ok(20), |n| n.parse::<u32>())?;
            for d in db.delivery_log(store, last).await? {
                let answer = match (d.last_status, d.last_error) {
                    (Some(status), None) => format!("answered {status}"),
                    (_, Some(error)) => error,
                    (None, None) => "not tried yet".into(),
                };
                writeln!(
                    out,
                    "{}  {}  {}  {}  {} attempt(s)  {answer}",
                    d.event_id, d.event_type, d.url, d.state, d.attempts
                )?;
            }
        }
        _ => bail!("unknown command {:?}\n{USAGE}", first.join(" ")),
    }
    Ok(())
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

    #[test]
    fn quantities_print_without_trailing_zeros() {
        assert_eq!(quantity(12_000), "12");
        assert_eq!(quantity(-1_500), "-1.5");
        assert_eq!(quantity(250), "0.25");
        assert_eq!(quantity(0), "0");
    }
}
