//! `cpniguard init`: the carrier's one-time setup — its Ed25519 key pair for signing
//! the audit chain's checkpoints. The private key is written with mode 0600 and is
//! never printed; an existing key is never overwritten.

use anyhow::Context as _;
use clap::Args;
use cpniguard_server::audit_writer::keys;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Directory for `audit-signing.key` (private, 0600) and `audit-signing.pub`.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
}

pub fn run(args: InitArgs) -> anyhow::Result<()> {
    let key = keys::generate();
    let (private, public) = keys::write_key_pair(&args.dir, &key).context("writing the audit key pair")?;
    println!("Audit signing key (keep it secret; the server reads it): {}", private.display());
    println!("Audit public key (give it to auditors):                  {}", public.display());
    print!("{}", keys::public_key_text(&key.verifying_key()));
    Ok(())
}
