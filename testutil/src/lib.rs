//! What the test files of the workspace share: the root package's
//! `tests/*.rs` and `nsock/tests/cli.rs` depend on this crate as a
//! dev-dependency.
//!
//! - [`process`]: starting a program (the nsock binary, or the test binary
//!   itself as a child) the way cargo started the test, through the
//!   target's runner when one is set.
//! - [`signals`] (Unix): signal handlers that only count, installed without
//!   `SA_RESTART` so that a blocked call is interrupted.
//!
//! Only std and, on Unix, libc: it builds for every target the tests run on
//! (Linux, Windows, macOS, FreeBSD, the qemu targets and Miri), and needs
//! neither package it serves.

pub mod process;
#[cfg(unix)]
pub mod signals;
