//! What a user meets first: socket files removed however the tool ends,
//! one wording and one shape per error, usage errors that all end the same
//! way, `--json` output that stays valid JSON when a lookup fails, and the
//! README's examples. Names that must not resolve are ones the resolver
//! refuses without asking the network (`bad host!`).

use super::*;

// ---- listen --unix: the socket file goes however the tool ends ----

#[cfg(unix)]
mod socket_file {
    use super::*;
    use std::os::unix::process::ExitStatusExt;
    use std::path::Path;

    use nativesockets_testutil::files::TempDir;

    /// Whether this process ignores `sig`: its children then start with it
    /// ignored too, and nsock rightly leaves it so (a background job of a
    /// script), so a test of it would prove nothing.
    fn ignored(sig: libc::c_int) -> bool {
        // SAFETY: a query only (null new action), into a zeroed struct on
        // this stack frame.
        unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            libc::sigaction(sig, std::ptr::null(), &mut old) == 0
                && old.sa_sigaction == libc::SIG_IGN
        }
    }

    /// Starts `nsock listen --unix path` and waits for its `listening on`
    /// line, which it prints once the file exists and the signal handler
    /// that removes it is in place (the file alone appears a moment before
    /// the handler: a signal sent then would find the default action).
    fn listen_unix(path: &Path, extra: &[&str]) -> Proc {
        let p = path.to_str().unwrap();
        let mut child = spawn(&[&["listen", "--unix", p], extra].concat(), Stdio::piped());
        let mut err = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        let got = within("listen --unix's first line", move || {
            err.read_line(&mut line).unwrap();
            // Keep draining stderr, so that the child never blocks on it.
            thread::spawn(move || {
                let _ = std::io::copy(&mut err, &mut std::io::sink());
            });
            line
        });
        assert!(
            got.starts_with("listening on"),
            "listen --unix {p} said: {got}"
        );
        assert!(path.exists(), "{p} is listed as listening but absent");
        child
    }

    fn ends_by_signal_and_removes_its_file(sig: libc::c_int, tag: &str) {
        if ignored(sig) {
            eprintln!("signal {sig} is ignored by this test process: not tested");
            return;
        }
        let dir = TempDir::new(&format!("signal-{tag}"));
        let path = dir.0.join("l.sock");
        let mut child = listen_unix(&path, &[]);
        let pid = libc::pid_t::try_from(child.id()).unwrap();
        // SAFETY: kill with a valid signal number to our own child, which
        // `child` has not reaped yet (so the pid is still its).
        assert_eq!(unsafe { libc::kill(pid, sig) }, 0);
        let status = wait(&mut child, "listen --unix after a signal");
        assert_eq!(status.signal(), Some(sig), "ended by the signal: {status}");
        assert!(!path.exists(), "the socket file is removed on signal {sig}");
        // And the next listener on the same path starts.
        let o = run(&["listen", "--unix", path.to_str().unwrap(), "--idle", "100"]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(!path.exists());
    }

    #[test]
    fn sigint_removes_the_socket_file_and_ends_the_tool_by_sigint() {
        ends_by_signal_and_removes_its_file(libc::SIGINT, "int");
    }

    #[test]
    fn sigterm_removes_the_socket_file_and_ends_the_tool_by_sigterm() {
        ends_by_signal_and_removes_its_file(libc::SIGTERM, "term");
    }

    #[test]
    fn a_datagram_listener_removes_its_file_on_a_signal_too() {
        if ignored(libc::SIGTERM) {
            return;
        }
        let dir = TempDir::new("signal-dgram");
        let path = dir.0.join("d.sock");
        let mut child = listen_unix(&path, &["--udp"]);
        let pid = libc::pid_t::try_from(child.id()).unwrap();
        // SAFETY: as above, our own unreaped child.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
        let status = wait(&mut child, "listen --unix --udp after SIGTERM");
        assert_eq!(status.signal(), Some(libc::SIGTERM), "{status}");
        assert!(!path.exists());
    }
}

// ---- one shape per error ----

/// Asserts a usage error: exit code 2, nothing on stdout, and stderr in
/// clap's shape, `error: ...` first and the `--help` line last, whether
/// clap or nsock found the error. Returns the first line.
fn assert_usage_error(args: &[&str]) -> String {
    let o = run(args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert!(o.stdout.is_empty(), "{args:?}: stdout {}", stdout(&o));
    assert!(err.starts_with("error: "), "{args:?}: {err}");
    assert!(
        err.ends_with("\n\nFor more information, try '--help'.\n"),
        "{args:?} ends as every usage error does: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    err.lines().next().unwrap().to_string()
}

/// Asserts a run-time failure: exit code 1 and one line on stderr, which
/// is returned.
fn assert_one_line_failure(o: &Output, what: &str) -> String {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(1), "{what}: {err}");
    assert_eq!(err.lines().count(), 1, "{what}: one line: {err}");
    err.trim_end().to_string()
}

#[test]
fn every_usage_error_ends_with_the_help_line_whoever_found_it() {
    for args in [
        // Found by clap.
        &["frobnicate"][..],
        &["scan", "127.0.0.1", "10-5"],
        &["listen", "--keep", "--udp", "0"],
        // Found by nsock after clap's checks.
        &["serv", "70000"],
        &["serv", "http/tcp", "-p", "udp"],
        &["connect", "localhost"],
        &["connect", "127.0.0.1:80", "81"],
        &["connect", "-zu", "127.0.0.1", "53"],
        &["addrinfo", "localhost", "80-90"],
        &["host", ""],
        &["listen", "127.0.0.1:70000"],
    ] {
        assert_usage_error(args);
    }
}

#[test]
fn a_lone_host_is_missing_its_port_in_every_command_that_splits_host_port() {
    for host in ["localhost", "127.0.0.1"] {
        for args in [&["connect", host][..], &["connect", "-z", host]] {
            assert_eq!(
                assert_usage_error(args),
                format!("error: \"{host}\": missing port: write HOST PORT or HOST:PORT"),
            );
        }
        for args in [&["listen", host][..], &["listen", "--broker", host]] {
            assert_eq!(
                assert_usage_error(args),
                format!(
                    "error: \"{host}\": missing port: write [ADDR:]PORT \
                     (no service is named \"{host}\")"
                ),
            );
        }
    }
    // scan takes them apart, and says so rather than failing to resolve.
    assert_eq!(
        assert_usage_error(&["scan", "localhost:80"]),
        "error: \"localhost:80\": scan takes the host and the ports apart: write localhost 80"
    );
    assert_eq!(
        assert_usage_error(&["connect", "[::1]"]),
        "error: \"[::1]\": missing port: write [::1]:PORT"
    );
    assert!(assert_usage_error(&["listen", "127.0.0.1:"]).ends_with("\"127.0.0.1:\": missing port"));
}

#[test]
fn a_port_out_of_range_reads_the_same_everywhere() {
    // 0 is a port to listen on or look up, not one to scan or check.
    for args in [
        &["serv", "70000"][..],
        &["connect", "127.0.0.1:70000"],
        &["connect", "127.0.0.1", "70000"],
        &["listen", "70000"],
        &["listen", "-p", "70000"],
        &["addrinfo", "localhost", "70000"],
    ] {
        let line = assert_usage_error(args);
        assert!(
            line.ends_with("port \"70000\": out of range (0-65535)"),
            "{args:?}: {line}"
        );
    }
    for args in [
        &["scan", "127.0.0.1", "70000"][..],
        &["scan", "127.0.0.1", "1-70000"],
        &["connect", "-z", "127.0.0.1", "70000"],
    ] {
        let line = assert_usage_error(args);
        assert!(
            line.ends_with("port \"70000\": out of range (1-65535)"),
            "{args:?}: {line}"
        );
    }
    let line = assert_usage_error(&["scan", "127.0.0.1", "0"]);
    assert!(
        line.ends_with("port \"0\": out of range (1-65535)"),
        "{line}"
    );
}

#[test]
fn a_failed_connect_reads_the_same_however_the_target_was_written() {
    let (_reserved, port) = closed_port();
    let p = port.to_string();
    let joined = format!("127.0.0.1:{p}");
    let one = assert_one_line_failure(&run(&["connect", &joined]), "HOST:PORT");
    let two = assert_one_line_failure(&run(&["connect", "127.0.0.1", &p]), "HOST PORT");
    assert_eq!(one, two);
    assert!(
        one.starts_with(&format!("nsock: connect to \"{joined}\": ")),
        "{one}"
    );
    // A name shows the address that failed after it.
    let named = assert_one_line_failure(&run(&["connect", "-4", "localhost", &p]), "a name");
    assert!(
        named.starts_with(&format!(
            "nsock: connect to \"localhost:{p}\" (127.0.0.1:{p}): "
        )),
        "{named}"
    );
}

#[test]
fn a_name_the_resolver_refuses_fails_the_same_way_in_every_command() {
    let bad = "bad host!";
    let joined = format!("{bad}:80");
    let prefix = format!("nsock: address \"{bad}\": ");
    // The resolver's reason, as addrinfo words it.
    let first = assert_one_line_failure(&run(&["addrinfo", bad]), "addrinfo");
    let reason = first
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("addrinfo: {first}"))
        .split(" (")
        .next()
        .unwrap()
        .to_string();
    for args in [
        &["scan", bad, "80"][..],
        &["scan", bad, "80", "-6"],
        &["connect", bad, "80"],
        &["connect", &joined],
        &["connect", "-z", bad, "80"],
        &["connect", "-s", bad, "127.0.0.1", "9"],
        &["listen", &joined],
        &["listen", "--broker", &joined],
        &["addrinfo", bad, "80", "--udp", "-6"],
    ] {
        let line = assert_one_line_failure(&run(args), &format!("{args:?}"));
        let rest = line
            .strip_prefix(&prefix)
            .unwrap_or_else(|| panic!("{args:?}: {line}"));
        // The reason, then at most what the caller chose, in parentheses.
        assert!(
            rest == reason || rest.starts_with(&format!("{reason} (")),
            "{args:?}: {line}"
        );
    }
    // A name under the reserved .invalid domain, once: the resolver may ask
    // the network, and says it does not exist.
    let line = assert_one_line_failure(&run(&["scan", "nosuch.invalid", "80"]), "scan");
    assert!(
        line.starts_with("nsock: address \"nosuch.invalid\": "),
        "{line}"
    );
}

// ---- listen: where to listen is one of four ----

#[test]
fn listen_without_a_port_says_one_of_the_ways_is_required() {
    let o = run(&["listen", "-s", "127.0.0.1", "-w", "1"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("  <[ADDR:]PORT|-p <PORT>|--unix <PATH>|--broker <[ADDR:]PORT>>\n"),
        "one of them, not each: {err}"
    );
    assert!(!err.contains("\n  -p <PORT>\n"), "{err}");
    assert!(
        err.ends_with("For more information, try '--help'.\n"),
        "{err}"
    );
    // -s goes with -p only: with [ADDR:]PORT it would be dropped unsaid.
    assert_usage_error(&["listen", "-s", "127.0.0.1", "80"]);
}

// ---- --json: one document whenever a lookup ran ----

/// Runs `args`, expecting exit code 1 with `needle` on stderr and exactly
/// `json` (one line) on stdout.
fn assert_json_failure(args: &[&str], json: &str, needle: &str) {
    let o = run(args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
    assert!(err.contains(needle), "{args:?}: {err}");
    assert_eq!(stdout(&o), format!("{json}\n"), "{args:?}");
}

#[test]
fn a_failed_lookup_still_prints_valid_json() {
    assert_json_failure(&["serv", "nosuch", "--json"], "[]", "\"nosuch\"");
    assert_json_failure(&["serv", "-p", "xyz", "--json"], "[]", "\"xyz\"");
    assert_json_failure(&["host", "bad host!", "--json"], "null", "bad host!");
    assert_json_failure(&["proto", "nosuch", "--json"], "null", "\"nosuch\"");
    assert_json_failure(&["addrinfo", "bad host!", "--json"], "[]", "bad host!");
    assert_json_failure(
        &["addrinfo", "127.0.0.1", "-6", "--json"],
        "[]",
        "no IPv6 address",
    );
    assert_json_failure(&["scan", "bad host!", "80", "--json"], "null", "bad host!");
    // Several keys: an array of what was found.
    let o = run(&["proto", "tcp", "nosuch", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v.as_array().map(Vec::len), Some(1), "{v}");
    // A usage error prints no document: nothing was looked up.
    assert_usage_error(&["serv", "70000", "--json"]);
    assert_usage_error(&["addrinfo", "localhost", "70000", "--json"]);
}

#[test]
fn serv_refuses_to_list_an_unknown_protocol() {
    let o = run(&["serv", "-p", "xyz"]);
    let line = assert_one_line_failure(&o, "serv -p xyz");
    assert!(line.contains("protocol name \"xyz\""), "{line}");
    assert!(o.stdout.is_empty());
    // A known protocol no service uses is an empty list, not an error.
    let o = run(&["serv", "-p", "icmp", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn a_port_without_a_service_name_is_unknown_in_text_and_null_in_json() {
    // An open port the services database has no name for.
    let (server, port) = loop {
        let s = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = s.local_addr().unwrap().port();
        if nativesockets::get_serv_by_port(nativesockets::Port(port), "tcp").is_err() {
            break (s, port);
        }
    };
    let p = port.to_string();
    let o = run(&["scan", "127.0.0.1", &p]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    let row = text
        .lines()
        .find(|l| l.starts_with(&format!("{port}/tcp ")))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(row.ends_with("  unknown"), "{row}");
    let o = run(&["scan", "127.0.0.1", &p, "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["open"][0]["service"], serde_json::Value::Null, "{v}");
    // connect -z says it as nc does.
    let o = run(&["connect", "-z", "127.0.0.1", &p]);
    assert!(
        stderr(&o).contains(&format!("{port} port [tcp/*] succeeded!")),
        "{}",
        stderr(&o)
    );
    drop(server);
}

// ---- the README's examples ----

/// The lines the README shows after `$ nsock ARGS` in a console block, up
/// to the next prompt or the end of the block.
#[cfg(target_os = "linux")]
fn readme_output(args: &str) -> Vec<String> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README.md");
    let prompt = format!("$ nsock {args}");
    let mut lines = readme.lines().skip_while(|l| l.trim_end() != prompt);
    assert!(lines.next().is_some(), "the README shows `{prompt}`");
    lines
        .take_while(|l| !l.starts_with("$ ") && !l.starts_with("```"))
        .map(str::to_string)
        .collect()
}

#[test]
#[cfg(target_os = "linux")]
fn the_readme_shows_how_addrinfo_prints_a_scope() {
    for (args, argv) in [
        (
            "addrinfo fe80::1%lo 22 --tcp",
            &["addrinfo", "fe80::1%lo", "22", "--tcp"],
        ),
        (
            "addrinfo fe80::1%1 22 --tcp",
            &["addrinfo", "fe80::1%1", "22", "--tcp"],
        ),
    ] {
        let o = run(argv);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let real: Vec<String> = stdout(&o).lines().map(str::to_string).collect();
        // The loopback interface is number 1 on Linux, as the README's
        // machine has it; elsewhere the numbers differ.
        if !real.iter().any(|l| l.contains("fe80::1%1 ")) {
            eprintln!("lo is not interface 1 here: not compared");
            return;
        }
        assert_eq!(readme_output(args), real, "the README shows `nsock {args}`");
    }
}

#[test]
#[cfg(target_os = "linux")]
fn the_readme_shows_the_real_errors() {
    for (args, argv) in [
        ("serv 70000", &["serv", "70000"][..]),
        ("scan localhost 10-5", &["scan", "localhost", "10-5"]),
        ("connect localhost", &["connect", "localhost"]),
        (
            "listen -s 127.0.0.1 -w 1",
            &["listen", "-s", "127.0.0.1", "-w", "1"],
        ),
        (
            "addrinfo localhost 80-90",
            &["addrinfo", "localhost", "80-90"],
        ),
        ("serv nosuch --json", &["serv", "nosuch", "--json"]),
        ("serv -p xyz", &["serv", "-p", "xyz"]),
        ("scan 'bad host!' 80", &["scan", "bad host!", "80"]),
        (
            "addrinfo 'bad host!' 80 --udp",
            &["addrinfo", "bad host!", "80", "--udp"],
        ),
        ("host 'bad host!' --json", &["host", "bad host!", "--json"]),
    ] {
        let o = run(argv);
        let real: Vec<String> = format!("{}{}", stdout(&o), stderr(&o))
            .lines()
            .map(str::to_string)
            .collect();
        assert_eq!(readme_output(args), real, "the README shows `nsock {args}`");
    }
}
