//! Delivery through real parts: the store on SQLite (and PostgreSQL when
//! `CPNIGUARD_TEST_POSTGRES_URL` is set), a real SMTP server, a local HTTP gateway, the
//! file system for letters.

mod common;
mod concurrent;
mod crash;
mod email;
mod postal;
mod webhook;
