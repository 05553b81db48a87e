//! The crate side by side with Python 3's `socket` module, an independent
//! implementation over the same system calls: `lookups` asks both the same
//! name-database questions and compares every answer; `messages` (Linux)
//! puts Python on the other end of the crate's messages (descriptors,
//! control messages), both directions.
//!
//! Where `python3` (with its socket module) is absent, or under Miri, which
//! cannot start it, nothing can be compared, and the tests say so the way
//! libtest would: `ignored` on each test's line and in the `test result:`
//! totals, not `ok`. libtest cannot decide that once a test has started,
//! so this binary has no libtest harness (`harness = false` in Cargo.toml):
//! `main` runs the tests through `nativesockets_testutil::harness`, which
//! takes the same arguments and prints the same lines.

use std::process::{Command, Stdio};

use nativesockets_testutil::harness::{self, Case};

#[path = "../common/mod.rs"]
mod common;
mod lookups;
#[cfg(target_os = "linux")]
mod messages;

/// `python3`, to be given its arguments.
fn python3() -> Command {
    Command::new("python3")
}

/// Whether `python3` runs here and has its socket module.
fn python_available() -> bool {
    python3()
        .arg("-c")
        .arg("import socket")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn main() {
    let why_not = if cfg!(miri) {
        Some("Miri cannot start python3")
    } else if !python_available() {
        Some("python3 (with its socket module) is not installed here")
    } else {
        None
    };
    let cases = [
        Case {
            name: "lookups::the_crate_answers_every_lookup_as_pythons_socket_module_does",
            run: lookups::the_crate_answers_every_lookup_as_pythons_socket_module_does,
        },
        #[cfg(target_os = "linux")]
        Case {
            name: "messages::descriptors_pass_both_ways_with_python",
            run: messages::descriptors_pass_both_ways_with_python,
        },
        #[cfg(target_os = "linux")]
        Case {
            name: "messages::control_messages_pass_both_ways_with_python_over_udp",
            run: messages::control_messages_pass_both_ways_with_python_over_udp,
        },
    ];
    harness::run(&cases, why_not)
}
