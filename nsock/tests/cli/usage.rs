//! Usage errors exit 2; `--help` and `--version` exit 0.

use super::*;

#[test]
fn usage_errors_exit_2_and_help_and_version_exit_0() {
    assert_eq!(run(&[]).status.code(), Some(2));
    assert_eq!(run(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(run(&["scan"]).status.code(), Some(2));
    assert_eq!(
        run(&["scan", "127.0.0.1", "--parallel", "0"]).status.code(),
        Some(2)
    );
    assert_eq!(run(&["connect"]).status.code(), Some(2));

    let v = run(&["--version"]);
    assert!(v.status.success());
    assert_eq!(
        stdout(&v).trim(),
        format!("nsock {}", env!("CARGO_PKG_VERSION"))
    );
    for cmd in ["serv", "host", "addrinfo", "proto", "hostname", "scan"] {
        let h = run(&[cmd, "--help"]);
        assert!(h.status.success(), "{cmd}");
        assert!(
            stdout(&h).contains("JSON (--json)"),
            "{cmd} --help documents its JSON"
        );
    }
    for cmd in ["listen", "connect"] {
        let h = run(&[cmd, "--help"]);
        assert!(h.status.success(), "{cmd}");
        assert!(stdout(&h).contains("--unix"), "{cmd}");
    }
}
