//! Hashing and verifying customer secrets with Argon2id at the configured cost. The
//! work runs on the blocking pool so a slow hash never stalls the async workers.

use crate::config::CustomerAuthConfig;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use cpniguard_core::authn::{Secret, SecretKind};
use cpniguard_store::auth::SecretHash;
use rand::RngCore;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// One hasher per parameter set for the process, so the dummy hash is made once.
type HasherCache = Mutex<HashMap<(u32, u32, u32), SecretHasher>>;
static HASHERS: OnceLock<HasherCache> = OnceLock::new();

/// Argon2id with the configured parameters, plus a dummy hash verified when there is
/// no real one (unknown account, no password set) so the time taken does not tell.
#[derive(Clone)]
pub struct SecretHasher {
    params: Params,
    dummy: Arc<OnceLock<String>>,
}

impl std::fmt::Debug for SecretHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretHasher(m={}, t={}, p={})", self.params.m_cost(), self.params.t_cost(), self.params.p_cost())
    }
}

impl SecretHasher {
    pub fn new(config: &CustomerAuthConfig) -> Result<Self, String> {
        let params = Params::new(config.argon2_memory_kib, config.argon2_iterations, config.argon2_parallelism, None)
            .map_err(|e| format!("argon2 parameters: {e}"))?;
        Ok(Self { params, dummy: Arc::new(OnceLock::new()) })
    }

    /// The process-wide hasher for these parameters.
    pub fn for_config(config: &CustomerAuthConfig) -> Result<Self, String> {
        let key = (config.argon2_memory_kib, config.argon2_iterations, config.argon2_parallelism);
        let mut map = HASHERS.get_or_init(Default::default).lock().expect("hasher cache");
        if let Some(h) = map.get(&key) {
            return Ok(h.clone());
        }
        let h = Self::new(config)?;
        map.insert(key, h.clone());
        Ok(h)
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// What is hashed: back-up answers ignore case and surrounding spaces.
    fn normalized(kind: SecretKind, secret: &Secret) -> String {
        match kind {
            SecretKind::BackupAnswer => secret.expose().trim().to_lowercase(),
            _ => secret.expose().to_owned(),
        }
    }

    /// A new salted Argon2id hash (PHC string).
    pub fn hash(&self, kind: SecretKind, secret: &Secret) -> SecretHash {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let salt = SaltString::encode_b64(&salt).expect("16 bytes is a valid salt");
        let hash = self
            .argon2()
            .hash_password(Self::normalized(kind, secret).as_bytes(), &salt)
            .expect("argon2 hashing with valid parameters");
        SecretHash(hash.to_string())
    }

    /// Constant-time comparison (inside argon2's verify). A malformed stored hash
    /// never matches.
    pub fn verify(&self, kind: SecretKind, hash: &SecretHash, secret: &Secret) -> bool {
        let Ok(parsed) = PasswordHash::new(&hash.0) else { return false };
        self.argon2().verify_password(Self::normalized(kind, secret).as_bytes(), &parsed).is_ok()
    }

    /// Spend the time of one verification without a real hash to compare with.
    pub fn dummy_verify(&self, secret: &Secret) {
        let dummy =
            self.dummy.get_or_init(|| self.hash(SecretKind::Password, &Secret::new("dummy-secret-never-valid")).0);
        let _ = self.verify(SecretKind::Password, &SecretHash(dummy.clone()), secret);
    }

    pub async fn hash_blocking(&self, kind: SecretKind, secret: Secret) -> SecretHash {
        let me = self.clone();
        tokio::task::spawn_blocking(move || me.hash(kind, &secret)).await.expect("hashing task")
    }

    /// `None` verifies against the dummy hash and returns false.
    pub async fn verify_blocking(&self, kind: SecretKind, hash: Option<SecretHash>, secret: Secret) -> bool {
        let me = self.clone();
        tokio::task::spawn_blocking(move || match hash {
            Some(h) => me.verify(kind, &h, &secret),
            None => {
                me.dummy_verify(&secret);
                false
            }
        })
        .await
        .expect("verification task")
    }
}
