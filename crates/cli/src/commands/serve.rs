use crate::context::{DbArgs, open_store, scheme};
use anyhow::Context as _;
use clap::Args;
use cpniguard_server::serve::{init_logging, serve, shutdown_signal};
use cpniguard_server::{AppState, Config, SystemClock};
use std::net::SocketAddr;
use std::sync::Arc;

#[derive(Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Address to listen on; overrides server.listen.
    #[arg(long)]
    pub listen: Option<SocketAddr>,
}

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let mut config = args.db.load_config()?;
    if let Some(listen) = args.listen {
        config.server.listen = listen;
    }
    init_logging(&config.log);
    let store = open_store(&config).await?;
    serve_until_signal(config, store, |_| {}).await
}

/// Bind, call `on_listening` with the bound address, and serve until SIGINT/SIGTERM.
pub async fn serve_until_signal(
    config: Config,
    store: Arc<dyn cpniguard_store::Store>,
    on_listening: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    let listen = config.server.listen;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen} (in use? choose another with --listen)"))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, database = scheme(&config.database.url), "listening");
    on_listening(addr);
    let state = AppState::new(store, config, Arc::new(SystemClock));
    serve(state, listener, shutdown_signal()).await
}

pub async fn migrate(args: DbArgs) -> anyhow::Result<()> {
    let config = args.load_config()?;
    open_store(&config).await?;
    println!("migrations applied ({})", scheme(&config.database.url));
    Ok(())
}
