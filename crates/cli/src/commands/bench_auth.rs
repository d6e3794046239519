//! `cpniguard bench auth`: customer password verifications per second at the
//! configured Argon2id parameters, and the lockout bookkeeping a failed check adds
//! (lock read, credential read, failure record, cross-account signal query) as a
//! ratio to one bare Argon2id verification, measured in the same run on the same
//! database. The progressive delay (deliberate) is not counted.

use super::bench::{BenchTarget, open_target};
use clap::Args;
use cpniguard_core::authn::{Secret, SecretKind};
use cpniguard_core::ids::AccountId;
use cpniguard_server::Config;
use cpniguard_server::application::secret_checks::hasher::SecretHasher;
use cpniguard_store::auth::{FailedAttempt, StoredCredential};
use std::time::Instant;

#[derive(Args, Debug)]
pub struct AuthBenchArgs {
    #[command(flatten)]
    pub target: BenchTarget,
    /// Verifications (and failed-check bookkeepings) to time.
    #[arg(long, default_value_t = 50)]
    pub iterations: u32,
}

pub async fn run(args: AuthBenchArgs) -> anyhow::Result<serde_json::Value> {
    let (_dir, store, backend) = open_target(&args.target).await?;
    let config = Config::default().customer_auth;
    let hasher = SecretHasher::for_config(&config).map_err(anyhow::Error::msg)?;
    let right = Secret::new("the right password, long");
    let wrong = Secret::new("a wrong password, long");
    let hash = hasher.hash(SecretKind::Password, &right);
    let n = args.iterations.max(1);

    let started = Instant::now();
    for _ in 0..n {
        std::hint::black_box(hasher.verify(SecretKind::Password, &hash, &wrong));
    }
    let verify = started.elapsed().as_secs_f64() / f64::from(n);

    let now = chrono::Utc::now();
    let demo = cpniguard_demo::generate_account(&cpniguard_demo::DemoSpec::new(1, args.target.seed, now), 0);
    let id = AccountId::new();
    store.create_account(id, &demo.new_account, now).await?;
    let credential = StoredCredential { kind: SecretKind::Password, hash, question: None, updated_at: now };
    store.set_credential(id, &credential, None, &Default::default(), now).await?;
    // A policy that never locks, so every iteration does the same work.
    let mut policy = config.lockout_policy();
    policy.max_failures = u32::MAX;
    let attempt =
        FailedAttempt { account_id: id, staff_id: None, source: "192.0.2.1".into(), kind: SecretKind::Password };
    let started = Instant::now();
    for _ in 0..n {
        let now = chrono::Utc::now();
        store.lock_state(id).await?;
        store.get_credential(id, SecretKind::Password).await?;
        store.record_auth_failure(&attempt, &policy, now).await?;
        store.failed_accounts_since(None, &attempt.source, now - chrono::Duration::hours(1)).await?;
    }
    let bookkeeping = started.elapsed().as_secs_f64() / f64::from(n);
    Ok(serde_json::json!({
        "bench": "auth",
        "backend": backend,
        "argon2id": {
            "memory_kib": config.argon2_memory_kib,
            "iterations": config.argon2_iterations,
            "parallelism": config.argon2_parallelism,
        },
        "samples": n,
        "verify_ms": verify * 1e3,
        "verifications_per_second": 1.0 / verify,
        "failed_check_bookkeeping_ms": bookkeeping * 1e3,
        "bookkeeping_to_verify_ratio": bookkeeping / verify,
    }))
}
