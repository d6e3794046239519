use crate::context::{DbArgs, open_store, scheme};
use anyhow::{Context as _, bail};
use clap::Args;
use cpniguard_notify::Worker;
use cpniguard_server::audit_writer::keys;
use cpniguard_server::gate::Gate;
use cpniguard_server::serve::{init_logging, serve, shutdown_signal};
use cpniguard_server::{AppState, Clock, Config, SystemClock};
use cpniguard_store::{Store, StoreWithRecords};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::watch;

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

/// One shutdown signal fanned out to the server and the notice worker.
fn shutdown_fanout() -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = tx.send(true);
    });
    rx
}

async fn stopped(mut rx: watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

/// Start the notice worker if configured; it stops with `stop`.
pub(super) fn spawn_worker(
    config: &Config,
    store: Arc<dyn Store>,
    stop: watch::Receiver<bool>,
) -> anyhow::Result<Option<tokio::task::JoinHandle<()>>> {
    if !config.notices.worker.enabled {
        return Ok(None);
    }
    let worker =
        Worker::new(store, config.notices.clone(), config.carrier_info()).context("starting the notice worker")?;
    Ok(Some(tokio::spawn(worker.run(stopped(stop)))))
}

/// Bind, call `on_listening` with the bound address, and serve (with the notice worker
/// alongside) until SIGINT/SIGTERM.
pub async fn serve_until_signal(
    config: Config,
    store: Arc<dyn StoreWithRecords>,
    on_listening: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    let listen = config.server.listen;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen} (in use? choose another with --listen)"))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, database = scheme(&config.database.url), "listening");
    let stop = shutdown_fanout();
    let worker = spawn_worker(&config, store.clone(), stop.clone())?;
    let (state, audit_writer) = signing_state(config, store)?;
    if state.config.policy.directory.is_some() {
        // A carrier's own policies are proved against the hard lines before any decision.
        let (report, seq) = state.gate.prove_policy_set(state.now()).await.context("the carrier's policy set")?;
        if !report.all_proved() {
            bail!(
                "the carrier's policy set breaks {}; refusing to start (recorded as audit entry {seq}):\n{}",
                report.refuted().join(", "),
                report.render()
            );
        }
        tracing::info!(policy_set = %report.policy_set_hash, audit_seq = seq, "the carrier's policy set is proved");
    }
    on_listening(addr);
    let background = Background::spawn(&state, worker, &stop);
    serve(state, listener, stopped(stop)).await?;
    background.join().await?;
    audit_writer.await.context("the audit writer panicked")?;
    Ok(())
}

/// What `serve` runs beside the HTTP server: the notice worker (if configured) and the
/// scheduled jobs. `bench gate` runs the same, so its figures are taken under the same
/// background load as production.
pub(super) struct Background {
    worker: Option<tokio::task::JoinHandle<()>>,
    jobs: Vec<(&'static str, tokio::task::JoinHandle<()>)>,
}

impl Background {
    /// Start the scheduled jobs on `state` beside an already started notice `worker`;
    /// everything stops with `stop`.
    pub(super) fn spawn(
        state: &AppState,
        worker: Option<tokio::task::JoinHandle<()>>,
        stop: &watch::Receiver<bool>,
    ) -> Self {
        let until = || stopped(stop.clone());
        let jobs = vec![
            ("the breach job", tokio::spawn(cpniguard_server::breach_jobs::run(state.clone(), until()))),
            ("the privacy-office job", tokio::spawn(cpniguard_server::privacy_jobs::run(state.clone(), until()))),
            ("the opt-out health job", tokio::spawn(cpniguard_server::consent_jobs::run(state.clone(), until()))),
            (
                "the opt-out notices job",
                tokio::spawn(cpniguard_server::consent_jobs::run_due_notices(state.clone(), until())),
            ),
            ("the retention job", tokio::spawn(cpniguard_server::retention_jobs::run(state.clone(), until()))),
        ];
        Self { worker, jobs }
    }

    /// Wait for the worker and every job to stop (after `stop` was sent).
    pub(super) async fn join(self) -> anyhow::Result<()> {
        if let Some(worker) = self.worker {
            worker.await.context("the notice worker panicked")?;
        }
        for (name, job) in self.jobs {
            job.await.with_context(|| format!("{name} panicked"))?;
        }
        Ok(())
    }
}

/// The state with the disclosure gate and the audit writer signing with the carrier's
/// key (`[audit] signing_key_file`), for `serve` and for commands that write audit
/// entries. The writer task ends, with a last checkpoint, once every state is dropped.
pub fn signing_state(
    config: Config,
    store: Arc<dyn StoreWithRecords>,
) -> anyhow::Result<(AppState, tokio::task::JoinHandle<()>)> {
    let key_file = &config.audit.signing_key_file;
    let key = keys::load_signing_key(key_file)
        .with_context(|| format!("the audit signing key {} (create it with `cpniguard init`)", key_file.display()))?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let (gate, audit_writer) =
        Gate::start(store.clone(), &config, clock.clone(), key).context("starting the disclosure gate")?;
    Ok((AppState::new(store, config, clock, gate), audit_writer))
}

/// `cpniguard worker`: deliver notices without serving HTTP (for running workers on
/// their own machines; several may run at once against PostgreSQL).
pub async fn worker(args: DbArgs) -> anyhow::Result<()> {
    let mut config = args.load_config()?;
    init_logging(&config.log);
    config.notices.worker.enabled = true;
    let store = open_store(&config).await?;
    let handle = spawn_worker(&config, store, shutdown_fanout())?.expect("enabled above");
    tracing::info!(database = scheme(&config.database.url), "notice worker running");
    handle.await.context("the notice worker panicked")
}

pub async fn migrate(args: DbArgs) -> anyhow::Result<()> {
    let config = args.load_config()?;
    open_store(&config).await?;
    println!("migrations applied ({})", scheme(&config.database.url));
    Ok(())
}
