//! The loop every background job of `serve` runs: once at start, then every period
//! until shutdown. A failed run is logged and retried at the next tick, so a database
//! that is briefly down delays a reminder instead of stopping the job.

use std::fmt::Display;
use std::future::Future;
use std::time::Duration;

/// One day, the period of the reminder jobs.
pub const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// Run `tick` now and then every `period` until `shutdown` completes. `what` names
/// the job in the log when a run fails.
pub async fn every<T, E, F, Fut>(period: Duration, what: &'static str, shutdown: impl Future<Output = ()>, mut tick: F)
where
    E: Display,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    tokio::pin!(shutdown);
    loop {
        if let Err(e) = tick().await {
            tracing::error!(error = %e, job = what, "a background job run failed");
        }
        tokio::select! {
            () = &mut shutdown => return,
            () = tokio::time::sleep(period) => {}
        }
    }
}
