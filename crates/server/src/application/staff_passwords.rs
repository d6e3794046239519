//! Staff passwords for the console: at least 12 characters, stored only as an Argon2id
//! hash with the `[customer_auth]` cost parameters (the same hasher the customers'
//! secrets use). Set with `cpniguard staff passwd` or by the demo.

use crate::application::secret_checks::hasher::SecretHasher;
use crate::config::CustomerAuthConfig;
use chrono::{DateTime, Utc};
use cpniguard_core::ValidationError;
use cpniguard_core::authn::{Secret, SecretKind};
use cpniguard_core::ids::StaffId;
use cpniguard_store::Store;

/// The shortest staff password accepted.
pub const MIN_LENGTH: usize = 12;

/// Hash and store a staff member's new console password.
pub async fn set(
    store: &dyn Store,
    config: &CustomerAuthConfig,
    staff: StaffId,
    password: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    if password.chars().count() < MIN_LENGTH {
        return Err(ValidationError::new("password", format!("at least {MIN_LENGTH} characters")).into());
    }
    let hasher = SecretHasher::for_config(config).map_err(anyhow::Error::msg)?;
    let hash = hasher.hash_blocking(SecretKind::Password, Secret::new(password)).await;
    store.set_staff_password(staff, &hash.0, now).await?;
    Ok(())
}
