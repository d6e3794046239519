//! Running the server: bind, serve until a shutdown signal, then give in-flight
//! requests the configured grace period.

use crate::app::router;
use crate::auth::unidentified;
use crate::state::AppState;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;

/// Serve on `listener` until `shutdown` completes.
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let grace = Duration::from_secs(state.config.server.shutdown_grace_secs);
    let tally = state.clone();
    let flusher = tokio::spawn(unidentified::flush_every(state.clone(), Duration::from_secs(10)));
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let (signalled_tx, signalled_rx) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown.await;
        let _ = signalled_tx.send(());
    });
    tokio::select! {
        result = server.into_future() => result?,
        () = async {
            let _ = signalled_rx.await;
            tokio::time::sleep(grace).await;
        } => tracing::warn!("shutdown grace period over; dropping remaining connections"),
    }
    // Failed checks without identity still counted become entries before the writer stops.
    flusher.abort();
    tally.unidentified.flush(&tally, tally.now(), true).await;
    Ok(())
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received");
}

/// Start logging as configured. Safe to call more than once (later calls do nothing).
pub fn init_logging(config: &crate::config::LogConfig) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_new(&config.level).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match config.format {
        crate::config::LogFormat::Json => builder.json().try_init(),
        crate::config::LogFormat::Text => builder.try_init(),
    };
}
