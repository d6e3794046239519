//! Staff API tokens: `cpg_` followed by 43 base64url characters (32 random bytes). Only
//! the SHA-256 of a token is stored; a token has 256 bits of entropy, so a fast hash
//! is enough (no password-style stretching), and the lookup by hash leaks nothing
//! useful through timing.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cpniguard_store::TokenHash;
use rand::RngCore;
use sha2::{Digest, Sha256};

const PREFIX: &str = "cpg_";
const ENCODED_LEN: usize = 43;

/// A new random token. Show it once; store only [`hash`] of it.
pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
}

pub fn hash(token: &str) -> TokenHash {
    Sha256::digest(token.as_bytes()).into()
}

/// A cheap shape check so garbage is refused without a database round trip.
pub fn looks_like_token(token: &str) -> bool {
    token.strip_prefix(PREFIX).is_some_and(|rest| {
        rest.len() == ENCODED_LEN && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_have_the_checked_shape_and_differ() {
        let a = generate();
        let b = generate();
        assert!(looks_like_token(&a) && looks_like_token(&b));
        assert_ne!(a, b);
        assert_ne!(hash(&a), hash(&b));
        assert!(!looks_like_token("cpg_short"));
        assert!(!looks_like_token(&a.replace("cpg_", "xyz_")));
    }
}
