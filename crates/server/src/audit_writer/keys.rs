//! The carrier's Ed25519 key pair for signing audit checkpoints, as text files:
//!
//! ```text
//! -----BEGIN CPNIGUARD AUDIT SIGNING KEY-----
//! <base64 (standard, padded) of the 32-byte Ed25519 secret seed>
//! -----END CPNIGUARD AUDIT SIGNING KEY-----
//! ```
//!
//! and the same with `AUDIT PUBLIC KEY` around the 32-byte public key. The private
//! file is created with mode 0600 and never overwritten. Errors name the file, never
//! its content.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cpniguard_core::audit::{SigningKey, VerifyingKey};
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

const PRIVATE_LABEL: &str = "CPNIGUARD AUDIT SIGNING KEY";
const PUBLIC_LABEL: &str = "CPNIGUARD AUDIT PUBLIC KEY";

/// File names `cpniguard init` writes in its directory.
pub const PRIVATE_KEY_FILE: &str = "audit-signing.key";
pub const PUBLIC_KEY_FILE: &str = "audit-signing.pub";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{0} already exists; refusing to overwrite a key")]
    Exists(PathBuf),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{0}: not a CPNI Guard {1} file")]
    Malformed(PathBuf, &'static str),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> KeyError + '_ {
    move |source| KeyError::Io { path: path.to_owned(), source }
}

/// A new key from the operating system's random source (through `rand`'s
/// OS-seeded generator).
pub fn generate() -> SigningKey {
    SigningKey::from_bytes(&rand::random::<[u8; 32]>())
}

/// The text of a public key file.
pub fn public_key_text(key: &VerifyingKey) -> String {
    armor(PUBLIC_LABEL, key.as_bytes())
}

/// Write a new key pair as `dir/audit-signing.key` (0600) and `dir/audit-signing.pub`,
/// refusing if either exists. Returns both paths.
pub fn write_key_pair(dir: &Path, key: &SigningKey) -> Result<(PathBuf, PathBuf), KeyError> {
    let private = dir.join(PRIVATE_KEY_FILE);
    let public = dir.join(PUBLIC_KEY_FILE);
    for path in [&private, &public] {
        if path.exists() {
            return Err(KeyError::Exists(path.clone()));
        }
    }
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    write_new(&private, &armor(PRIVATE_LABEL, key.as_bytes()), 0o600)?;
    write_new(&public, &public_key_text(&key.verifying_key()), 0o644)?;
    Ok((private, public))
}

fn write_new(path: &Path, text: &str, mode: u32) -> Result<(), KeyError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => KeyError::Exists(path.to_owned()),
        _ => KeyError::Io { path: path.to_owned(), source: e },
    })?;
    file.write_all(text.as_bytes()).and_then(|()| file.sync_all()).map_err(io(path))?;
    // The mode given at creation is narrowed by the umask; the public key is meant
    // to be readable by auditors whatever it is.
    #[cfg(unix)]
    std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(mode)).map_err(io(path))?;
    Ok(())
}

pub fn load_signing_key(path: &Path) -> Result<SigningKey, KeyError> {
    let bytes = read_armored(path, PRIVATE_LABEL, "audit signing key")?;
    Ok(SigningKey::from_bytes(&bytes))
}

pub fn load_public_key(path: &Path) -> Result<VerifyingKey, KeyError> {
    let bytes = read_armored(path, PUBLIC_LABEL, "audit public key")?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| KeyError::Malformed(path.to_owned(), "audit public key"))
}

fn armor(label: &str, bytes: &[u8; 32]) -> String {
    format!("-----BEGIN {label}-----\n{}\n-----END {label}-----\n", STANDARD.encode(bytes))
}

fn read_armored(path: &Path, label: &str, what: &'static str) -> Result<[u8; 32], KeyError> {
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    let malformed = || KeyError::Malformed(path.to_owned(), what);
    let body = text
        .trim()
        .strip_prefix(&format!("-----BEGIN {label}-----"))
        .and_then(|rest| rest.strip_suffix(&format!("-----END {label}-----")))
        .ok_or_else(malformed)?;
    let bytes = STANDARD.decode(body.split_whitespace().collect::<String>()).map_err(|_| malformed())?;
    bytes.try_into().map_err(|_| malformed())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_pair_is_written_once_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let key = generate();
        let (private, public) = write_key_pair(dir.path(), &key).unwrap();
        assert_eq!(load_signing_key(&private).unwrap().to_bytes(), key.to_bytes());
        assert_eq!(load_public_key(&public).unwrap(), key.verifying_key());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&private).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert!(matches!(write_key_pair(dir.path(), &generate()), Err(KeyError::Exists(_))));
        assert_eq!(load_signing_key(&private).unwrap().to_bytes(), key.to_bytes(), "not overwritten");
        // Each file is only accepted as what it is.
        assert!(matches!(load_public_key(&private), Err(KeyError::Malformed(..))));
        assert!(matches!(load_signing_key(&public), Err(KeyError::Malformed(..))));
        let err = load_signing_key(&dir.path().join("missing")).unwrap_err();
        assert!(err.to_string().contains("missing"));
    }
}
