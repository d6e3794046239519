//! A backup encrypted to recipient keys, in the age file format (X25519 recipients,
//! `age1…`; identities `AGE-SECRET-KEY-1…`), so that a copy kept off site or handed
//! to a storage provider is of no use without the operator's identity file. The
//! `age` tool decrypts it too (`age -d -i key.txt backup.zip.age > backup.zip`).
//!
//! The whole archive is encrypted, manifest included: what a backup holds, and when it
//! was taken, are themselves facts about customers' records.

use super::backup::private_file;
use age::x25519::Recipient;
use anyhow::{Context as _, bail};
use std::fs::File;
use std::io::{BufReader, Read as _, Write as _};
use std::path::Path;

/// How every age file begins (the format's version line).
const AGE_HEADER: &[u8] = b"age-encryption.org/v1\n";

/// Parse a `--recipient` value (clap's value parser).
pub fn parse_recipient(text: &str) -> Result<Recipient, String> {
    text.parse::<Recipient>()
        .map_err(|reason| format!("not an age X25519 recipient (age1…, from `age-keygen -y KEYFILE`): {reason}"))
}

/// Encrypt `plain` to every recipient into `out` (a new file, mode 0600).
pub fn encrypt(plain: &Path, out: &Path, recipients: &[Recipient]) -> anyhow::Result<()> {
    let encryptor = age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
        .context("preparing the encryption to the recipients")?;
    let mut file = private_file(out)?;
    let mut writer = encryptor.wrap_output(&mut file).context("writing the encrypted backup")?;
    std::io::copy(&mut File::open(plain)?, &mut writer).context("encrypting the backup")?;
    writer.finish()?.flush()?;
    file.sync_all()?;
    Ok(())
}

/// Whether `path` is an age file (rather than a plain backup archive).
pub fn is_encrypted(path: &Path) -> anyhow::Result<bool> {
    let mut start = [0u8; AGE_HEADER.len()];
    let mut file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut read = 0;
    while read < start.len() {
        match file.read(&mut start[read..])? {
            0 => break,
            n => read += n,
        }
    }
    Ok(start[..read] == *AGE_HEADER)
}

/// Decrypt the age file `encrypted` with the identities in `identity_file` into
/// `out` (a new file, mode 0600). The errors say which of the two is at fault.
pub fn decrypt(encrypted: &Path, identity_file: &Path, out: &Path) -> anyhow::Result<()> {
    let name = identity_file.to_str().context("the identity file's path is not UTF-8")?;
    let identities = age::IdentityFile::from_file(name.to_owned())
        .with_context(|| format!("reading the identity file {}", identity_file.display()))?
        .into_identities()
        .with_context(|| format!("{}: not an age identity file", identity_file.display()))?;
    if identities.is_empty() {
        bail!("{} holds no age identity (AGE-SECRET-KEY-1…)", identity_file.display());
    }
    let source = BufReader::new(File::open(encrypted).with_context(|| format!("opening {}", encrypted.display()))?);
    let decryptor = age::Decryptor::new_buffered(source)
        .map_err(|e| anyhow::anyhow!("{} is not a readable age file: {e}", encrypted.display()))?;
    let mut reader = match decryptor.decrypt(identities.iter().map(|i| &**i as &dyn age::Identity)) {
        Ok(reader) => reader,
        Err(age::DecryptError::NoMatchingKeys) => bail!(
            "{} was not encrypted to any identity in {}: give the identity file whose recipient the backup was made for",
            encrypted.display(),
            identity_file.display()
        ),
        Err(e) => bail!("decrypting {}: {e}", encrypted.display()),
    };
    let mut plain = private_file(out)?;
    // A payload altered after encryption fails its authentication here, not later.
    std::io::copy(&mut reader, &mut plain)
        .map_err(|e| anyhow::anyhow!("decrypting {}: {e} (the file is damaged or was altered)", encrypted.display()))?;
    plain.sync_all()?;
    Ok(())
}
