//! `ringup-server`: the store back end and its admin commands (see `admin::USAGE`).

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ringup-server: cannot start: {e}");
            std::process::exit(1);
        }
    };
    let args = std::env::args().skip(1).collect();
    let result =
        runtime.block_on(ringup_server::admin::run(args, &mut std::io::stdout(), &mut std::io::stdin().lock()));
    if let Err(e) = result {
        eprintln!("ringup-server: {e:#}");
        std::process::exit(1);
    }
}
