//! `Poller`'s `Selector` on Windows, in two layers:
//!
//! - `afd.rs`: the Winsock driver's poll, `IOCTL_AFD_POLL` on handles to
//!   `\Device\Afd` (opening, issuing, cancelling, the `AFD_POLL_*` bits,
//!   the base provider's socket);
//! - `iocp.rs`: the `Selector` over it: a completion port, the
//!   registrations and their re-polling, `wait` and `notify`.
//!
//! It exports the names `sys/unix/selector/` does, and keeps the contract
//! written there.

mod afd;
mod iocp;

pub(crate) use self::iocp::{Selector, SysEvent, EDGE_MODE};
