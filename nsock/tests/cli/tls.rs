//! `--ssl` on listen and connect: nsock against itself, against
//! `openssl s_server` / `s_client` and `ncat --ssl`, with a test CA made
//! here by the openssl command. A test whose tool is missing says so and
//! passes (`apt-get install openssl ncat` brings them).

use super::*;
use std::path::{Path, PathBuf};

/// Whether `program` runs here. Not on Windows: there the tests run
/// under Wine, whose Windows paths a Linux openssl would not understand.
pub(super) fn have(program: &str, arg: &str) -> bool {
    if cfg!(windows) {
        eprintln!("{program} is not used on Windows");
        return false;
    }
    Command::new(program)
        .arg(arg)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn skip(what: &str) {
    eprintln!("skipped: {what} is not installed here (apt-get install {what})");
}

/// A test CA and a server certificate it signed for `test.local`, in a
/// fresh directory removed on drop; `None` without the openssl command.
pub(super) struct Pki {
    pub dir: PathBuf,
}

impl Pki {
    pub fn new(tag: &str) -> Option<Pki> {
        if !have("openssl", "version") {
            skip("openssl");
            return None;
        }
        let dir = std::env::temp_dir().join(format!("nsock-tls-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir(&dir).unwrap();
        let pki = Pki { dir };
        std::fs::write(
            pki.path("ext.cnf"),
            "subjectAltName=DNS:test.local\nbasicConstraints=CA:FALSE\n",
        )
        .unwrap();
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ];
        pki.openssl(
            &[
                &["req", "-x509"],
                &ec[..],
                &["-keyout", "ca.key", "-out", "ca.pem"],
                &["-days", "2", "-subj", "/CN=nsock test CA"],
            ]
            .concat(),
        );
        pki.openssl(
            &[
                &["req"],
                &ec[..],
                &["-keyout", "key.pem", "-out", "srv.csr"],
                &["-subj", "/CN=test.local"],
            ]
            .concat(),
        );
        pki.openssl(&[
            "x509",
            "-req",
            "-in",
            "srv.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "cert.pem",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
        ]);
        Some(pki)
    }

    fn openssl(&self, args: &[&str]) {
        let o = Command::new("openssl")
            .args(args)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    pub fn arg(&self, name: &str) -> String {
        self.path(name).to_str().unwrap().to_string()
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A port on 127.0.0.1 that was free a moment ago, for servers that
/// cannot pick one and say which.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts a process with all three streams piped, killed on drop.
fn start(program: &str, args: &[&str], dir: &Path) -> Proc {
    Proc(
        Command::new(program)
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{program}: {e}")),
    )
}

/// Runs `nsock connect args` with `input` on stdin; returns its output.
pub(super) fn connect_with(args: &[&str], input: &[u8]) -> Output {
    let mut c = connect(args);
    let fed = feed(&mut c, input.to_vec());
    let o = finish(c, &format!("nsock connect {args:?}"));
    fed.join().unwrap();
    o
}

#[test]
fn nsock_to_nsock_with_a_self_signed_certificate_moves_data_both_ways() {
    let mut l = listen(&["127.0.0.1:0", "--ssl"]);
    let addr = l.addr.clone();
    let mut c = connect(&["--ssl", "--ssl-no-verify", &addr]);
    let up = pattern(1 << 20, 21);
    let down = pattern(300_000, 23);
    let l_in = feed(&mut l.child, down.clone());
    let c_in = feed(&mut c, up.clone());
    let l_out = collect(&mut l.child);
    let c_out = collect(&mut c);
    assert!(wait(&mut c, "connect --ssl").success());
    assert!(wait(&mut l.child, "listen --ssl").success());
    l_in.join().unwrap();
    c_in.join().unwrap();
    assert!(
        l_out.join().unwrap() == up,
        "the listener got what connect sent"
    );
    assert!(
        c_out.join().unwrap() == down,
        "connect got what the listener sent"
    );
    let mut c_err = String::new();
    c.stderr.take().unwrap().read_to_string(&mut c_err).unwrap();
    assert!(
        c_err.contains("--ssl-no-verify"),
        "a warning says so: {c_err}"
    );
    let l_err = l.stderr.join().unwrap();
    assert!(l_err.contains("SHA-256 fingerprint "), "{l_err}");
}

#[test]
fn connect_verifies_against_openssl_s_server_and_agrees_on_alpn() {
    let Some(pki) = Pki::new("s-server") else {
        return;
    };
    let port = free_port().to_string();
    let mut server = start(
        "openssl",
        &[
            "s_server",
            "-accept",
            &format!("127.0.0.1:{port}"),
            "-cert",
            "cert.pem",
            "-key",
            "key.pem",
            "-alpn",
            "foo,bar",
            "-naccept",
            "1",
        ],
        &pki.dir,
    );
    // s_server says ACCEPT on stdout once it listens.
    let out = BufReader::new(server.stdout.take().unwrap());
    let out = within("s_server's ACCEPT", move || {
        let mut out = out;
        let mut line = String::new();
        while !line.contains("ACCEPT") {
            line.clear();
            assert!(out.read_line(&mut line).unwrap() > 0, "s_server ended");
        }
        out
    });
    let target = format!("127.0.0.1:{port}");
    let o = connect_with(
        &[
            "--ssl",
            "--ssl-trustfile",
            &pki.arg("ca.pem"),
            "--ssl-servername",
            "test.local",
            "--ssl-alpn",
            "bar",
            "-v",
            &target,
        ],
        b"hello s_server\n",
    );
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("ALPN bar"),
        "the protocol agreed is shown: {err}"
    );
    // s_server prints what it got among its own lines, and ends with the
    // connection (-naccept 1).
    let text = within("s_server's output", move || {
        let mut out = out;
        let mut text = String::new();
        out.read_to_string(&mut text).unwrap();
        text
    });
    assert!(text.contains("hello s_server\n"), "{text}");
}

#[test]
fn openssl_s_client_verifies_nsock_listen_and_agrees_on_alpn() {
    let Some(pki) = Pki::new("s-client") else {
        return;
    };
    let mut l = listen(&[
        "127.0.0.1:0",
        "--ssl",
        "--ssl-cert",
        &pki.arg("cert.pem"),
        "--ssl-key",
        &pki.arg("key.pem"),
        "--ssl-alpn",
        "h2,foo",
    ]);
    let l_in = feed(&mut l.child, b"from nsock\n".to_vec());
    let l_out = collect(&mut l.child);
    let mut client = start(
        "openssl",
        &[
            "s_client",
            "-connect",
            &l.addr,
            "-CAfile",
            "ca.pem",
            "-verify_return_error",
            "-servername",
            "test.local",
            "-verify_hostname",
            "test.local",
            "-alpn",
            "foo",
            "-ign_eof",
        ],
        &pki.dir,
    );
    let c_in = feed(&mut client, b"from s_client\n".to_vec());
    let o = finish(client, "openssl s_client");
    c_in.join().unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{text}{}", stderr(&o));
    assert!(text.contains("Verify return code: 0 (ok)"), "{text}");
    assert!(text.contains("ALPN protocol: foo"), "{text}");
    assert!(text.contains("from nsock"), "{text}");
    assert!(wait(&mut l.child, "listen --ssl").success());
    l_in.join().unwrap();
    assert_eq!(l_out.join().unwrap(), b"from s_client\n");
}

#[test]
fn a_certificate_for_another_name_is_refused_naming_the_mismatch() {
    let Some(pki) = Pki::new("name") else { return };
    let l = listen(&[
        "127.0.0.1:0",
        "--ssl",
        "--ssl-cert",
        &pki.arg("cert.pem"),
        "--ssl-key",
        &pki.arg("key.pem"),
    ]);
    let o = connect_with(
        &["--ssl", "--ssl-trustfile", &pki.arg("ca.pem"), &l.addr],
        b"x",
    );
    assert_fails(&o, 1, "name mismatch");
    assert!(
        stderr(&o).contains("test.local"),
        "the certificate's name: {}",
        stderr(&o)
    );
}

#[test]
fn a_certificate_of_an_unknown_ca_is_refused_naming_the_issuer() {
    let Some(pki) = Pki::new("issuer") else {
        return;
    };
    let l = listen(&[
        "127.0.0.1:0",
        "--ssl",
        "--ssl-cert",
        &pki.arg("cert.pem"),
        "--ssl-key",
        &pki.arg("key.pem"),
    ]);
    let o = connect_with(&["--ssl", "--ssl-servername", "test.local", &l.addr], b"x");
    assert_fails(&o, 1, "unknown issuer");
}

#[test]
fn ncat_ssl_talks_to_nsock_both_ways() {
    if !have("ncat", "--version") {
        return skip("ncat");
    }
    let Some(pki) = Pki::new("ncat") else { return };
    // ncat connects to nsock listen --ssl.
    let mut l = listen(&["127.0.0.1:0", "--ssl"]);
    let (host, port) = l.addr.rsplit_once(':').unwrap();
    let l_in = feed(&mut l.child, b"to ncat\n".to_vec());
    let l_out = collect(&mut l.child);
    let mut n = start("ncat", &["--ssl", host, port], &pki.dir);
    let n_in = feed(&mut n, b"to nsock\n".to_vec());
    let o = finish(n, "ncat --ssl");
    n_in.join().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(o.stdout, b"to ncat\n");
    assert!(wait(&mut l.child, "listen --ssl").success());
    l_in.join().unwrap();
    assert_eq!(l_out.join().unwrap(), b"to nsock\n");

    // nsock connect verifies ncat's certificate.
    let port = free_port().to_string();
    let mut server = start(
        "ncat",
        &[
            "--ssl",
            "--ssl-cert",
            "cert.pem",
            "--ssl-key",
            "key.pem",
            "-l",
            "127.0.0.1",
            &port,
        ],
        &pki.dir,
    );
    let s_in = feed(&mut server, b"from ncat\n".to_vec());
    let s_out = collect(&mut server);
    // ncat -l serves one connection: a probe would use it up, so the
    // connect itself is tried until ncat listens.
    let target = format!("127.0.0.1:{port}");
    let ca = pki.arg("ca.pem");
    let args = [
        "--ssl",
        "--ssl-trustfile",
        &ca,
        "--ssl-servername",
        "test.local",
        &target,
    ];
    let started = Instant::now();
    let o = loop {
        let o = connect_with(&args, b"from nsock\n");
        if !stderr(&o).contains("refused") || started.elapsed() > DEADLINE {
            break o;
        }
        thread::sleep(Duration::from_millis(20));
    };
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(o.stdout, b"from ncat\n");
    s_in.join().unwrap();
    drop(server.stdin.take());
    let _ = wait(&mut server, "ncat -l");
    assert!(String::from_utf8_lossy(&s_out.join().unwrap()).contains("from nsock"));
}

#[test]
fn bad_tls_input_is_named_before_anything_listens() {
    let dir = std::env::temp_dir().join(format!("nsock-tls-bad-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir(&dir).unwrap();
    let text = dir.join("notes.txt");
    std::fs::write(&text, "not a certificate\n").unwrap();
    let text = text.to_str().unwrap();
    assert_fails(
        &run(&[
            "listen",
            "--ssl",
            "--ssl-cert",
            text,
            "--ssl-key",
            text,
            "0",
        ]),
        2,
        "--ssl-cert",
    );
    assert_fails(
        &run(&[
            "listen",
            "--ssl",
            "--ssl-cert",
            "/nonexistent/c.pem",
            "--ssl-key",
            text,
            "0",
        ]),
        2,
        "/nonexistent/c.pem",
    );
    assert_fails(&run(&["listen", "--ssl", "-u", "0"]), 2, "--udp");
    assert_fails(
        &run(&["listen", "--ssl", "--ssl-cert", text, "0"]),
        2,
        "--ssl-key",
    );
    assert_fails(
        &run(&["connect", "--ssl", "--ssl-trustfile", text, "127.0.0.1:9"]),
        2,
        "--ssl-trustfile",
    );
    assert_fails(
        &run(&["connect", "--ssl", "--ssl-alpn", "h2,,x", "127.0.0.1:9"]),
        2,
        "--ssl-alpn",
    );
    if let Some(pki) = Pki::new("mismatch") {
        let o = run(&[
            "listen",
            "--ssl",
            "--ssl-cert",
            &pki.arg("cert.pem"),
            "--ssl-key",
            &pki.arg("ca.key"),
            "0",
        ]);
        assert_fails(&o, 2, "the key does not match the certificate");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_client_of_an_old_protocol_version_is_refused_naming_it() {
    let Some(pki) = Pki::new("version") else {
        return;
    };
    let mut l = listen(&["127.0.0.1:0", "--ssl"]);
    // TLS 1.1, which OpenSSL 3 offers only at security level 0.
    let client = start(
        "openssl",
        &[
            "s_client",
            "-connect",
            &l.addr,
            "-tls1_1",
            "-cipher",
            "DEFAULT@SECLEVEL=0",
        ],
        &pki.dir,
    );
    let _ = finish(client, "openssl s_client -tls1_1");
    let status = wait(&mut l.child, "listen --ssl");
    let err = l.stderr.join().unwrap();
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(err.contains("protocol version"), "{err}");
}
