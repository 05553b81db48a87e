//! What the test files of the workspace share: the root package's
//! `tests/` and `nsock/tests/cli/` depend on this crate as a
//! dev-dependency.
//!
//! - [`process`]: starting a program (the nsock binary, or the test binary
//!   itself as a child) the way cargo started the test, through the
//!   target's runner when one is set.
//! - `signals` (Unix only): signal handlers that only count, installed
//!   without `SA_RESTART` so that a blocked call is interrupted.
//! - `limits` (Unix only): raising the descriptor limit for the tests that
//!   open thousands of sockets, lowering it for a child that must meet it.
//! - [`harness`]: a runner for a test binary without libtest's harness,
//!   whose tests report as ignored when what they need is missing.
//! - [`files`]: scratch files in the temporary directory.
//! - [`alloc`]: a global allocator that counts each thread's allocations.
//! - [`descriptors`]: counting the open descriptors, to prove none leaked,
//!   and a child's descriptors and CPU time.
//! - [`threads`]: a time bound on a wait that might never end, and a lock
//!   that makes a binary's heavy tests run one at a time.
//!
//! Helpers that need the crate's own types (addresses, `SocketHandle`) are
//! in the root package's `tests/common/mod.rs` instead.
//!
//! Only std and, on Unix, libc, so that it builds wherever the tests run
//! (Linux, Windows, macOS, FreeBSD, the qemu targets, Miri), and it needs
//! neither package it serves (both depend on it).

pub mod alloc;
pub mod descriptors;
pub mod files;
pub mod harness;
#[cfg(unix)]
pub mod limits;
pub mod process;
#[cfg(unix)]
pub mod signals;
pub mod threads;
