//! `ringup devices …` and `ringup printer test`, run as a technician runs them on a headless
//! till: the real binary, a real store file, the simulated card terminal on TCP.

use hardware_sim::terminal::{SimConfig, SimTerminal};
use ringup_devices::zvt::transport::Framing;
use ringup_domain::journal::EntryKind;
use ringup_store::{Role, Store};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const TECH_PIN: &str = "4711";

fn ringup(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ringup"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ringup starts");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    child.wait_with_output().expect("ringup ends")
}

fn said(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn store_with_staff(db: &Path) {
    let store = Store::open(db).expect("store");
    store.set_staff("tomas", "Tomas", Role::Technician, TECH_PIN).expect("technician");
    store.set_staff("anna", "Anna", Role::Cashier, "1234").expect("cashier");
}

/// The simulated terminal on a TCP port of its own thread's runtime; returns its address.
fn terminal_on_tcp(password: u32) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    listener.set_nonblocking(true).expect("nonblocking");
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
            let sim = SimTerminal::new(SimConfig { password, ..SimConfig::default() });
            while let Ok((stream, _)) = listener.accept().await {
                let sim = sim.clone();
                tokio::spawn(async move { sim.serve(stream, Framing::Tcp).await });
            }
        });
    });
    addr
}

#[test]
fn a_technician_sets_up_tests_and_registers_devices_from_the_command_line() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("ringup.db");
    let db_arg = db.display().to_string();
    store_with_staff(&db);
    let spool = dir.path().join("spool.bin");
    let zvt = terminal_on_tcp(424_242);

    let listed = ringup(&["devices", "list"], "");
    assert!(listed.status.success(), "{}", said(&listed));

    // A cashier's PIN may not change devices; nothing is written.
    let refused =
        ringup(&["devices", "set", "--db", &db_arg, "--pin", "1234", "--terminal", &format!("tcp:{zvt}")], "");
    assert!(!refused.status.success());
    assert!(said(&refused).contains("PIN is needed"), "{}", said(&refused));
    let bad = ringup(&["devices", "set", "--db", &db_arg, "--pin", TECH_PIN, "--terminal", "modem:1"], "");
    assert!(!bad.status.success());
    assert!(said(&bad).contains("a card terminal is serial:PATH[:BAUD] or tcp:HOST:PORT"), "{}", said(&bad));

    let printer = format!("file:{}", spool.display());
    let set = ringup(
        &[
            "devices",
            "set",
            "--db",
            &db_arg,
            "--pin",
            TECH_PIN,
            "--terminal",
            &format!("tcp:{zvt}"),
            "--printer",
            &printer,
            "--paper",
            "58mm",
        ],
        "",
    );
    assert!(set.status.success(), "{}", said(&set));
    assert!(said(&set).contains(&format!("card terminal: tcp:{zvt} (zvt), set by tomas")), "{}", said(&set));
    assert!(said(&set).contains("58mm paper"), "{}", said(&set));

    // The password comes on standard input, never as an argument.
    let wrong = ringup(&["devices", "register", "--db", &db_arg, "--pin", TECH_PIN], "111111\n");
    assert!(!wrong.status.success());
    assert!(said(&wrong).contains("wrong password"), "{}", said(&wrong));
    let registered = ringup(&["devices", "register", "--db", &db_arg, "--pin", TECH_PIN], "424242\n");
    assert!(registered.status.success(), "{}", said(&registered));
    assert!(said(&registered).contains("The card terminal registered this till"), "{}", said(&registered));
    assert!(!said(&registered).contains("424242"), "the password is never echoed");

    let tested = ringup(&["devices", "test", "--db", &db_arg, "--pin", TECH_PIN], "");
    assert!(tested.status.success(), "{}", said(&tested));
    assert!(said(&tested).contains("terminal id 52500001"), "{}", said(&tested));

    let page = ringup(&["printer", "test", "--db", &db_arg, "--pin", TECH_PIN], "");
    assert!(page.status.success(), "{}", said(&page));
    let bytes = std::fs::read(&spool).expect("the test page went to the spool file");
    assert!(bytes.windows(9).any(|w| w == b"TEST PAGE"), "the test page's title is in the job");
    assert!(bytes.windows(8).any(|w| w == b"{BTEST-R"), "and its barcode");

    let bundle = ringup(&["devices", "diagnostics", "--db", &db_arg, "--pin", TECH_PIN], "");
    assert!(bundle.status.success(), "{}", said(&bundle));
    let path = String::from_utf8_lossy(&bundle.stdout).trim().to_string();
    assert!(path.ends_with(".zip") && Path::new(&path).exists(), "{path}");
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).expect("zip")).expect("a zip");
    let mut config = String::new();
    for i in 0..zip.len() {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut zip.by_index(i).expect("entry"), &mut text).expect("text");
        assert!(!text.contains("424242"), "the terminal password is in the bundle");
        if zip.by_index(i).expect("entry").name().expect("name") == "config.json" {
            config = text;
        }
    }
    assert!(config.contains(&format!("tcp:{zvt}")) && config.contains("\"password_kept\": true"), "{config}");

    let listed = ringup(&["devices", "list", "--db", &db_arg], "");
    assert!(said(&listed).contains(&format!("terminal: tcp:{zvt} (zvt), set by tomas")), "{}", said(&listed));

    let store = Store::open(&db).expect("store");
    let changes =
        store.journal("R1").expect("journal").into_iter().filter(|e| e.data.kind == EntryKind::Config).count();
    assert_eq!(changes, 3, "terminal, printer, then the terminal's password: each journaled once");
    for entry in store.journal("R1").expect("journal") {
        assert!(!entry.data.body.contains("424242"));
    }
}
