//! An empty Tauri 2 window, built from the same Tauri as the terminal app: what the benchmark
//! measures the app's memory beside. It says when its page has loaded, as the app does, so
//! both are measured at the same moment of their lives.

use tauri::webview::PageLoadEvent;

fn main() {
    let app = tauri::Builder::default()
        .on_page_load(|_webview, payload| {
            if payload.event() == PageLoadEvent::Finished {
                println!("empty-window: interactive");
            }
        })
        .build(tauri::generate_context!());
    match app {
        Ok(app) => app.run(|_, _| {}),
        Err(e) => {
            eprintln!("empty-window: cannot start: {e}");
            std::process::exit(1);
        }
    }
}
