//! Faults and load (issue 20, items 6 and 8), with the real `cpniguard` binary on both
//! backends: processes killed with SIGKILL in the middle of their work and started
//! again (mail intake, the notice worker, a call-detail import, gated reads under
//! `serve`), PostgreSQL stopped under load on a private cluster, and 64 clients at
//! once. Each test says what it proves; `docs/security.md` lists them.

#[path = "../mail_env/mod.rs"]
mod mail_env;

mod crash_cdr;
mod crash_mail;
mod crash_notices;
mod crash_reads;
mod env;
mod load;
mod pg_outage;
