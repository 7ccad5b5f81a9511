//! The Ringup terminal app: a thin Tauri shell. Every command is a one-liner into
//! `ringup_app::Till`; rules and permission checks live there, never here.
//!
//! Configuration comes from the environment, so a service manager, `cargo xtask run` and the
//! end-to-end tests (through tauri-driver) set it the same way:
//! - `RINGUP_DB`: the store file (default: `ringup.db` in the platform's app data directory);
//! - `RINGUP_TERMINAL`: `serial:PATH[:BAUD]` or `tcp:HOST:PORT`;
//! - `RINGUP_PRINTER`: `serial:PATH[:BAUD]`, `tcp:HOST:PORT`, `usb:VID:PID` or `file:PATH`;
//! - `RINGUP_DEMO=1`: fill an empty store with the demo shop (catalog, staff);
//!
//! Money on screen follows the store's locale (`StoreSettings::locale`).
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use ringup_app::day_view::{ClosedDayView, DenominationView, DrawerCountView, DrawerView, ReportView};
use ringup_app::device_view::{DeviceSetupView, DeviceTestView, PairedView};
use ringup_app::view::{
    CardEventView, CardResultView, CartView, CompletedView, ErrorView, ParkedView, QuickKeyView, RefundDoneView,
    RefundPreviewView, ReturnRequestView, ReturnableView, SearchHitView, SessionView, StatusView,
};
use ringup_app::{SystemClock, Till, TillConfig, UuidV7, demo, till};
use ringup_devices::escpos::layout::Paper;
use ringup_store::Store;
use std::sync::Arc;
use tauri::{Emitter, Manager, State};
use tokio::sync::Mutex;

type AppTill = Mutex<Till>;
type Answer<T> = Result<T, ErrorView>;

const LOGO_PNG: &[u8] = include_bytes!("../../assets/logo.png");

#[tauri::command]
async fn login(till: State<'_, AppTill>, pin: String) -> Answer<SessionView> {
    Ok(till.lock().await.login(&pin).await?)
}

#[tauri::command]
async fn logout(till: State<'_, AppTill>) -> Answer<()> {
    Ok(till.lock().await.logout()?)
}

#[tauri::command]
async fn status(till: State<'_, AppTill>) -> Answer<StatusView> {
    Ok(till.lock().await.status()?)
}

#[tauri::command]
async fn cart(till: State<'_, AppTill>) -> Answer<CartView> {
    Ok(till.lock().await.cart()?)
}

#[tauri::command]
async fn scan(till: State<'_, AppTill>, code: String) -> Answer<CartView> {
    Ok(till.lock().await.scan(&code)?)
}

#[tauri::command]
async fn search(till: State<'_, AppTill>, query: String) -> Answer<Vec<SearchHitView>> {
    Ok(till.lock().await.search(&query)?)
}

#[tauri::command]
async fn add_sku(till: State<'_, AppTill>, sku: String, quantity_milli: i64) -> Answer<CartView> {
    Ok(till.lock().await.add_sku(&sku, quantity_milli)?)
}

#[tauri::command]
async fn set_quantity(till: State<'_, AppTill>, line_no: u32, quantity_milli: i64) -> Answer<CartView> {
    Ok(till.lock().await.set_quantity(line_no, quantity_milli)?)
}

#[tauri::command]
async fn remove_line(till: State<'_, AppTill>, line_no: u32) -> Answer<CartView> {
    Ok(till.lock().await.remove_line(line_no)?)
}

#[tauri::command]
async fn quick_keys(till: State<'_, AppTill>) -> Answer<Vec<QuickKeyView>> {
    Ok(till.lock().await.quick_keys()?)
}

#[tauri::command]
async fn begin_tender(till: State<'_, AppTill>) -> Answer<CartView> {
    Ok(till.lock().await.begin_tender()?)
}

#[tauri::command]
async fn cancel_tender(till: State<'_, AppTill>) -> Answer<CartView> {
    Ok(till.lock().await.cancel_tender()?)
}

#[tauri::command]
async fn pay_cash(till: State<'_, AppTill>, tendered_minor: i64) -> Answer<CartView> {
    Ok(till.lock().await.pay_cash(tendered_minor)?)
}

#[tauri::command]
async fn pay_card(app: tauri::AppHandle, till: State<'_, AppTill>, amount_minor: i64) -> Answer<CardResultView> {
    Ok(till.lock().await.pay_card(amount_minor, move |e: CardEventView| drop(app.emit("card-event", e))).await?)
}

#[tauri::command]
async fn complete(till: State<'_, AppTill>) -> Answer<CompletedView> {
    Ok(till.lock().await.complete().await?)
}

#[tauri::command]
async fn park(till: State<'_, AppTill>) -> Answer<CartView> {
    Ok(till.lock().await.park()?)
}

#[tauri::command]
async fn parked(till: State<'_, AppTill>) -> Answer<Vec<ParkedView>> {
    Ok(till.lock().await.parked()?)
}

#[tauri::command]
async fn recall(till: State<'_, AppTill>, id: String) -> Answer<CartView> {
    Ok(till.lock().await.recall(&id)?)
}

#[tauri::command]
async fn override_price(
    till: State<'_, AppTill>,
    line_no: u32,
    unit_price_minor: i64,
    reason: String,
    approver_pin: Option<String>,
) -> Answer<CartView> {
    Ok(till.lock().await.override_price(line_no, unit_price_minor, &reason, approver_pin.as_deref())?)
}

#[tauri::command]
async fn set_line_discount(
    till: State<'_, AppTill>,
    line_no: u32,
    discount_bp: u32,
    approver_pin: Option<String>,
) -> Answer<CartView> {
    Ok(till.lock().await.set_line_discount(line_no, discount_bp, approver_pin.as_deref())?)
}

#[tauri::command]
async fn void_sale(till: State<'_, AppTill>, approver_pin: Option<String>) -> Answer<CartView> {
    Ok(till.lock().await.void_sale(approver_pin.as_deref())?)
}

#[tauri::command]
async fn drawer(till: State<'_, AppTill>) -> Answer<Option<DrawerView>> {
    Ok(till.lock().await.drawer_now()?)
}

#[tauri::command]
async fn denominations(till: State<'_, AppTill>) -> Answer<Vec<i64>> {
    Ok(till.lock().await.denominations()?)
}

#[tauri::command]
async fn open_drawer(till: State<'_, AppTill>, float: Vec<DenominationView>) -> Answer<DrawerView> {
    Ok(till.lock().await.open_drawer_counted(&float)?)
}

#[tauri::command]
async fn new_document_id(till: State<'_, AppTill>) -> Answer<String> {
    Ok(till.lock().await.new_document_id())
}

#[tauri::command]
async fn move_cash(
    till: State<'_, AppTill>,
    id: String,
    kind: String,
    amount_minor: i64,
    reason: String,
    approver_pin: Option<String>,
) -> Answer<DrawerView> {
    Ok(till.lock().await.move_cash_as(&id, &kind, amount_minor, &reason, approver_pin.as_deref())?)
}

#[tauri::command]
async fn no_sale(till: State<'_, AppTill>, reason: String, approver_pin: Option<String>) -> Answer<()> {
    Ok(till.lock().await.no_sale(&reason, approver_pin.as_deref())?)
}

#[tauri::command]
async fn close_drawer(till: State<'_, AppTill>, count: Vec<DenominationView>) -> Answer<DrawerCountView> {
    Ok(till.lock().await.close_drawer_counted(&count)?)
}

#[tauri::command]
async fn x_report(till: State<'_, AppTill>, approver_pin: Option<String>) -> Answer<ReportView> {
    Ok(till.lock().await.x_report_view(approver_pin.as_deref())?)
}

#[tauri::command]
async fn close_day(till: State<'_, AppTill>, close_id: String, approver_pin: Option<String>) -> Answer<ReportView> {
    Ok(till.lock().await.close_day_view(&close_id, approver_pin.as_deref()).await?)
}

#[tauri::command]
async fn closed_days(till: State<'_, AppTill>, approver_pin: Option<String>) -> Answer<Vec<ClosedDayView>> {
    Ok(till.lock().await.closed_days(approver_pin.as_deref())?)
}

#[tauri::command]
async fn z_report(till: State<'_, AppTill>, z_no: u64, approver_pin: Option<String>) -> Answer<ReportView> {
    Ok(till.lock().await.z_report_view(z_no, approver_pin.as_deref())?)
}

#[tauri::command]
async fn export_z_csv(till: State<'_, AppTill>, z_no: u64, approver_pin: Option<String>) -> Answer<String> {
    Ok(till.lock().await.export_z_csv(z_no, approver_pin.as_deref())?)
}

#[tauri::command]
async fn export_z_pdf(till: State<'_, AppTill>, z_no: u64, approver_pin: Option<String>) -> Answer<String> {
    Ok(till.lock().await.export_z_pdf(z_no, approver_pin.as_deref())?)
}

#[tauri::command]
async fn print_report(till: State<'_, AppTill>, z_no: Option<u64>, approver_pin: Option<String>) -> Answer<()> {
    Ok(till.lock().await.print_report(z_no, approver_pin.as_deref()).await?)
}

#[tauri::command]
async fn find_sale(till: State<'_, AppTill>, reference: String) -> Answer<ReturnableView> {
    Ok(till.lock().await.find_sale(&reference)?)
}

#[tauri::command]
async fn preview_refund(
    till: State<'_, AppTill>,
    sale_id: String,
    lines: Vec<ReturnRequestView>,
) -> Answer<RefundPreviewView> {
    Ok(till.lock().await.preview_refund(&sale_id, &lines)?)
}

#[tauri::command]
async fn refund(
    app: tauri::AppHandle,
    till: State<'_, AppTill>,
    refund_id: String,
    sale_id: String,
    lines: Vec<ReturnRequestView>,
    approver_pin: Option<String>,
) -> Answer<RefundDoneView> {
    let on_event = move |e: CardEventView| drop(app.emit("card-event", e));
    Ok(till.lock().await.refund(&refund_id, &sale_id, &lines, approver_pin.as_deref(), on_event).await?)
}

#[tauri::command]
async fn device_setup(till: State<'_, AppTill>) -> Answer<DeviceSetupView> {
    Ok(till.lock().await.device_setup()?)
}

#[tauri::command]
async fn set_terminal(till: State<'_, AppTill>, place: Option<String>) -> Answer<DeviceSetupView> {
    Ok(till.lock().await.set_terminal(place.as_deref()).await?)
}

#[tauri::command]
async fn set_printer(till: State<'_, AppTill>, place: Option<String>, paper: String) -> Answer<DeviceSetupView> {
    Ok(till.lock().await.set_printer(place.as_deref(), &paper).await?)
}

#[tauri::command]
async fn test_terminal(till: State<'_, AppTill>) -> Answer<DeviceTestView> {
    Ok(till.lock().await.test_terminal().await?)
}

/// The password is handed straight to the till; it is never logged (no `tracing` here).
#[tauri::command]
async fn register_terminal(till: State<'_, AppTill>, password: String) -> Answer<DeviceTestView> {
    Ok(till.lock().await.register_terminal(&password).await?)
}

#[tauri::command]
async fn print_test_page(till: State<'_, AppTill>) -> Answer<DeviceTestView> {
    Ok(till.lock().await.print_test_page().await?)
}

#[tauri::command]
async fn test_printer(till: State<'_, AppTill>) -> Answer<DeviceTestView> {
    Ok(till.lock().await.test_printer().await?)
}

#[tauri::command]
async fn pair_backend(
    till: State<'_, AppTill>,
    server_url: String,
    code: String,
    ca_pem: Option<String>,
) -> Answer<PairedView> {
    Ok(till.lock().await.pair_backend(&server_url, &code, ca_pem.as_deref()).await?)
}

/// Writes the diagnostics bundle (with the last lines of the app's log) and answers its path.
#[tauri::command]
async fn diagnostics_bundle(app: tauri::AppHandle, till: State<'_, AppTill>) -> Answer<String> {
    let logs = app.path().app_log_dir().ok();
    Ok(till.lock().await.diagnostics_bundle(logs.as_deref())?)
}

#[tauri::command]
async fn test_drawer(till: State<'_, AppTill>) -> Answer<DeviceTestView> {
    Ok(till.lock().await.test_drawer().await?)
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Opens the store and builds the till from the environment (see the module documentation).
fn till_from_env(app: &tauri::App) -> anyhow::Result<Till> {
    let db = match env("RINGUP_DB") {
        Some(path) => std::path::PathBuf::from(path),
        None => {
            let dir = app.path().app_data_dir()?;
            std::fs::create_dir_all(&dir)?;
            dir.join("ringup.db")
        }
    };
    tracing::info!(db = %db.display(), "opening the store");
    let store = Arc::new(Store::open(&db)?);
    if env("RINGUP_DEMO").as_deref() == Some("1") {
        demo::prepare(&store)?;
    }
    let terminal = env("RINGUP_TERMINAL").map(|s| till::parse_terminal(&s)).transpose().map_err(anyhow::Error::msg)?;
    let printer = env("RINGUP_PRINTER").map(|s| till::parse_printer(&s)).transpose().map_err(anyhow::Error::msg)?;
    let config = TillConfig {
        register_id: env("RINGUP_REGISTER").unwrap_or_else(|| "R1".into()),
        terminal,
        printer,
        paper: Paper::Mm80,
        logo_png: Some(LOGO_PNG.to_vec()),
    };
    Ok(Till::new(store, Arc::new(SystemClock), Arc::new(UuidV7), config)?)
}

/// Logs go to a daily file in the app's log directory (never card data: the drivers mask it).
fn start_logging(app: &tauri::App) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let dir = app.path().app_log_dir().ok()?;
    std::fs::create_dir_all(&dir).ok()?;
    // 4 096 lines in flight, not the default 128 000: the queue is allocated whole at start
    // (4 MiB resident for nothing); when the disk cannot keep up, lines are dropped rather than
    // the till waiting on its log.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(4_096)
        .lossy(true)
        .finish(tracing_appender::rolling::daily(dir, "ringup.log"));
    let filter = tracing_subscriber::EnvFilter::try_from_env("RINGUP_LOG").unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt().with_writer(writer).with_ansi(false).with_env_filter(filter).try_init().ok()?;
    Some(guard)
}

/// Pushes the status bar now, unless the till is busy (a card payment holds it for as long as
/// the customer takes): then the next push brings it; pushes never queue up.
fn push_status(app: &tauri::AppHandle) {
    // The device watch may look before the till is managed: then there is nothing to push yet.
    let Some(state) = app.try_state::<AppTill>() else { return };
    let Ok(till) = state.try_lock() else { return };
    if let Ok(view) = till.status() {
        let _window_may_be_closing = app.emit("device-status", view);
    }
}

/// Pushes the status bar to the window every few seconds and after every print run.
/// The card terminal is asked how it is at start, every 30 s and when its port came back,
/// when the till is free.
fn spawn_status(app: tauri::AppHandle) {
    tauri::async_runtime::spawn(async move {
        for tick in 0u64.. {
            let state = app.state::<AppTill>();
            if let Ok(mut till) = state.try_lock()
                && (tick % 15 == 0 || till.terminal_needs_check())
            {
                till.check_terminal().await;
            }
            push_status(&app);
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        }
    });
}

/// WebKitGTK composites the page on the GPU by default; on a till's integrated graphics (and
/// on the software GL of a machine without one) that holds window-sized layer buffers in the
/// web process: about 70 MiB for this page, measured under Xvfb on software GL. The till's
/// screens are flat forms and lists with no animation or video, which the CPU paints at full
/// frame rate, so the webview paints them without compositing (`cargo xtask bench-app`
/// measures the memory and the scan-to-render time with this setting).
#[cfg(target_os = "linux")]
fn software_rendering(webview: tauri::webview::PlatformWebview) {
    use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
    match WebViewExt::settings(&webview.inner()) {
        Some(settings) => settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never),
        None => tracing::warn!("the webview has no settings: it keeps its default rendering"),
    }
}

/// Opens the window `main` of tauri.conf.json (which Tauri is told not to open itself). On
/// Linux it opens on a blank page, is switched to painting without compositing and only then
/// loads the app's page: a page loaded with compositing on keeps some of its buffers (about
/// 5 MiB) after the switch. Both calls run on the main thread in this order, before the blank
/// page has loaded; the window says "interactive" once, for the app's page.
fn open_window(app: &tauri::App) -> tauri::Result<()> {
    let Some(config) = app.config().app.windows.iter().find(|w| w.label == "main").cloned() else {
        return Err(tauri::Error::WindowNotFound);
    };
    #[cfg(target_os = "linux")]
    {
        // The app's page at the address Tauri serves tauri.conf.json's `url` at on Linux.
        let page = match &config.url {
            tauri::WebviewUrl::External(url) => url.clone(),
            tauri::WebviewUrl::App(path) => {
                format!("tauri://localhost/{}", path.display()).parse().map_err(tauri::Error::InvalidUrl)?
            }
            _ => "tauri://localhost/".parse().map_err(tauri::Error::InvalidUrl)?,
        };
        let mut blank = config;
        blank.url = tauri::WebviewUrl::External("about:blank".parse().map_err(tauri::Error::InvalidUrl)?);
        let window = tauri::WebviewWindowBuilder::from_config(app.handle(), &blank)?.build()?;
        window.with_webview(software_rendering)?;
        window.navigate(page)?;
    }
    #[cfg(not(target_os = "linux"))]
    tauri::WebviewWindowBuilder::from_config(app.handle(), &config)?.build()?;
    Ok(())
}

fn main() {
    let app = tauri::Builder::default()
        // The page is loaded and the sign-in screen mounted: `cargo xtask bench` times the
        // launch to this line.
        .on_page_load(|_webview, payload| {
            // The blank page the window opens on (`open_window`) is not the app's.
            if payload.event() == tauri::webview::PageLoadEvent::Finished && payload.url().scheme() != "about" {
                println!("ringup-terminal: interactive");
                tracing::info!("the window is interactive");
            }
        })
        .setup(|app| {
            let guard = start_logging(app);
            app.manage(guard);
            open_window(app)?;
            let till = till_from_env(app).map_err(|e| {
                tracing::error!("cannot start: {e:#}");
                e.to_string()
            })?;
            let handle = app.handle().clone();
            let printing = till.printing_task(move || push_status(&handle));
            let handle = app.handle().clone();
            drop(tauri::async_runtime::spawn(till.device_watch_task(move |role, back| {
                push_status(&handle);
                if role == "terminal" && back {
                    // Ask the terminal that came back now, not at the next status tick.
                    let handle = handle.clone();
                    drop(tauri::async_runtime::spawn(async move {
                        if let Some(till) = handle.try_state::<AppTill>() {
                            till.lock().await.check_terminal().await;
                        }
                        push_status(&handle);
                    }));
                }
            })));
            drop(tauri::async_runtime::spawn(till.sync_task()));
            app.manage(Mutex::new(till));
            match printing {
                Ok(task) => drop(tauri::async_runtime::spawn(task)),
                Err(e) => tracing::error!("the print worker did not start: {e}"),
            }
            spawn_status(app.handle().clone());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            login,
            logout,
            status,
            cart,
            scan,
            search,
            add_sku,
            set_quantity,
            remove_line,
            quick_keys,
            begin_tender,
            cancel_tender,
            pay_cash,
            pay_card,
            complete,
            park,
            parked,
            recall,
            override_price,
            set_line_discount,
            void_sale,
            find_sale,
            preview_refund,
            refund,
            drawer,
            denominations,
            open_drawer,
            new_document_id,
            move_cash,
            no_sale,
            close_drawer,
            x_report,
            close_day,
            closed_days,
            z_report,
            export_z_csv,
            print_report,
            export_z_pdf,
            device_setup,
            set_terminal,
            set_printer,
            test_terminal,
            register_terminal,
            print_test_page,
            test_drawer,
            test_printer,
            pair_backend,
            diagnostics_bundle
        ])
        .build(tauri::generate_context!());
    match app {
        Ok(app) => app.run(|_, _| {}),
        Err(e) => {
            eprintln!("ringup-terminal: cannot start: {e}");
            std::process::exit(1);
        }
    }
}
