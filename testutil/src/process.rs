//! Starting programs from a test the way cargo started the test itself.

use std::ffi::OsStr;
use std::process::Command;

/// `program`, started as cargo starts the test that calls this: through the
/// target's runner when one is set (`CARGO_TARGET_<TRIPLE>_RUNNER`, for
/// example `qemu-s390x -L /usr/s390x-linux-gnu` for a cross-built Linux
/// target, which the host kernel cannot exec by itself).
///
/// Only on Unix: under Wine the variable names `wine` itself, and a Windows
/// process starts Windows programs without it.
pub fn through_runner(program: impl AsRef<OsStr>) -> Command {
    if cfg!(unix) {
        let prefix = format!("CARGO_TARGET_{}_", std::env::consts::ARCH.to_uppercase());
        let os = format!("_{}_", std::env::consts::OS.to_uppercase());
        let runner = std::env::vars()
            .find(|(k, _)| k.starts_with(&prefix) && k.contains(&os) && k.ends_with("_RUNNER"));
        if let Some((_, runner)) = runner {
            let mut words = runner.split_whitespace();
            if let Some(program_of_runner) = words.next() {
                let mut cmd = Command::new(program_of_runner);
                cmd.args(words).arg(program);
                return cmd;
            }
        }
    }
    Command::new(program)
}

/// The running test binary again, as a child that runs only the test
/// `name` (`--exact`, one thread, output not captured), started through
/// the target's runner as [`through_runner`] does. The caller adds what
/// tells the child its role (an environment variable) and runs it.
pub fn this_test_alone(name: &str) -> Command {
    let mut cmd = through_runner(std::env::current_exe().unwrap());
    cmd.args(["--exact", name, "--nocapture", "--test-threads=1"]);
    cmd
}

/// Whether this test runs under qemu-user (how the s390x and aarch64 tests
/// run: cargo started it through a runner for the target that names qemu,
/// as [`through_runner`] reads it, and the variable reaches the emulated
/// program).
pub fn under_qemu() -> bool {
    std::env::vars().any(|(k, v)| {
        k.starts_with("CARGO_TARGET_") && k.ends_with("_RUNNER") && v.contains("qemu")
    })
}

/// [`under_qemu`], saying that the test stops there for want of `what`.
///
/// qemu-user translates only some control messages and socket options
/// between guest and host (SCM_RIGHTS and SCM_CREDENTIALS, not IP_PKTINFO,
/// IP_TOS, UDP_SEGMENT or UDP_GRO control messages; not the IP_RECVTTL or
/// SO_TIMESTAMPNS options), and it receives into a control area of its
/// own, so the kernel's MSG_CTRUNC does not reach the program. A test that
/// needs one of these prints why and stops there.
pub fn qemu_gap(what: &str) -> bool {
    let qemu = under_qemu();
    if qemu {
        println!("skipped under qemu-user, which does not translate {what}");
    }
    qemu
}
