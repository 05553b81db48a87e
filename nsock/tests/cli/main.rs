//! The `nsock` binary run as a subprocess against real listeners on
//! loopback and Unix sockets in temporary directories: every command's
//! text and JSON output, exit codes, bad input, and data moving through
//! `listen` and `connect`.
//!
//! Scans target 127.0.0.1 only. Every child is waited on with a deadline
//! and killed past it, so a bug fails a test instead of hanging the suite.
//!
//! One binary, a module a command: `lookup` (serv, proto, host, addrinfo,
//! hostname), `usage`, `scan`, `relay` (listen and connect moving data),
//! `nc` (nc's options), `unix` (Unix-domain sockets), `broker`, and
//! `limits` (servers at the descriptor limit, under churn, with slow
//! peers; Linux, where `/proc` shows a child's CPU and descriptors). This
//! file holds what they share: running nsock with a deadline, reading its
//! output, and the listeners and peers the relay tests talk to.
//! Under Miri the file compiles to no tests at all (the `cfg` below).

// Every test runs nsock as a child process, which Miri cannot spawn: the
// file is left out under Miri, rather than each test marked ignored.
#![cfg(not(miri))]

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::ops::{Deref, DerefMut};
use std::process::{Child, ChildStderr, Command, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use nativesockets::{
    get_hostname, get_proto_by_name, get_protoent_by_name, get_serv_by_name, get_serv_by_port,
    new_native_socket, Domain, Port, Protocol, ServicesFile, SockAddr, SockType, SocketHandle,
};
use serde_json::Value;

/// Far more than any command here needs; reached only by a hung child.
const DEADLINE: Duration = Duration::from_secs(120);

/// The nsock binary, started as cargo starts this test: through the
/// target's runner when one is set (`qemu-s390x -L ...` for a cross-built
/// Linux target, which the host kernel cannot exec by itself). Under Wine
/// no runner is needed: a Windows process starts Windows programs.
fn nsock() -> Command {
    nativesockets_testutil::process::through_runner(env!("CARGO_BIN_EXE_nsock"))
}

/// A running nsock, killed and reaped when dropped: a failing test leaves
/// no process behind, and no reader blocked on the pipes of one.
struct Proc(Child);

impl Deref for Proc {
    type Target = Child;

    fn deref(&self) -> &Child {
        &self.0
    }
}

impl DerefMut for Proc {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        // An error means the child had already exited: nothing to do.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `nsock args` with stdout and stderr piped.
fn spawn(args: &[&str], stdin: Stdio) -> Proc {
    Proc(
        nsock()
            .args(args)
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn nsock"),
    )
}

/// Runs `nsock args` with empty stdin and returns its output.
fn run(args: &[&str]) -> Output {
    finish(spawn(args, Stdio::null()), &format!("nsock {args:?}"))
}

/// Waits for `child` with a deadline, collecting its output.
fn finish(mut child: Proc, what: &str) -> Output {
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let out = thread::spawn(move || read_all(stdout.as_mut()));
    let err = thread::spawn(move || read_all(stderr.as_mut()));
    let status = wait(&mut child, what);
    Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

fn read_all(r: Option<&mut impl Read>) -> Vec<u8> {
    let mut buf = Vec::new();
    if let Some(r) = r {
        r.read_to_end(&mut buf).unwrap();
    }
    buf
}

fn wait(child: &mut Child, what: &str) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not finish within {DEADLINE:?}");
        }
        thread::sleep(Duration::from_millis(10));
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts the exit code and that stderr is one line naming `needle`.
fn assert_fails(o: &Output, code: i32, needle: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(code), "stderr: {err}");
    assert!(err.contains(needle), "stderr should name {needle:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(o.stdout.is_empty(), "stdout: {}", stdout(o));
}

fn json(o: &Output) -> Value {
    assert!(o.status.success(), "exit {:?}: {}", o.status, stderr(o));
    let text = stdout(o);
    assert_eq!(
        text.lines().count(),
        1,
        "one JSON document, one line: {text}"
    );
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// The keys of a JSON object, in order.
fn keys(v: &Value) -> Vec<&str> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .map(String::as_str)
        .collect()
}

/// A port on 127.0.0.1 that refuses connections and stays so: a TCP
/// socket bound to it, never listening.
fn closed_port() -> (SocketHandle, u16) {
    let s = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
    s.bind_addr(&SockAddr::from(std::net::SocketAddr::from((
        [127, 0, 0, 1],
        0,
    ))))
    .unwrap();
    let port = s.local_addr().unwrap().port().unwrap().0;
    (s, port)
}

/// A running `nsock listen`, with the address it printed.
struct Listener {
    child: Proc,
    addr: String,
    stderr: thread::JoinHandle<String>,
}

/// Starts `nsock listen args`, piping all three streams, and reads the
/// `listening on ADDR` line from its stderr.
fn listen(args: &[&str]) -> Listener {
    let mut child = spawn(&[&["listen"], args].concat(), Stdio::piped());
    let err = BufReader::new(child.stderr.take().unwrap());
    let (line, err) = within("the `listening on` line", move || {
        let mut err = err;
        let mut line = String::new();
        err.read_line(&mut line).unwrap();
        (line, err)
    });
    let addr = line
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("listen printed {line:?}"))
        .trim()
        .to_string();
    let stderr = thread::spawn(move || drain(err));
    Listener {
        child,
        addr,
        stderr,
    }
}

fn drain(mut r: BufReader<ChildStderr>) -> String {
    let mut rest = String::new();
    let _ = r.read_to_string(&mut rest);
    rest
}

fn connect(args: &[&str]) -> Proc {
    spawn(&[&["connect"], args].concat(), Stdio::piped())
}

/// Writes `data` to the child's stdin from a thread, then closes it.
fn feed(child: &mut Child, data: Vec<u8>) -> thread::JoinHandle<()> {
    let mut stdin = child.stdin.take().unwrap();
    thread::spawn(move || {
        stdin.write_all(&data).unwrap();
    })
}

/// Reads the child's stdout to its end from a thread.
fn collect(child: &mut Child) -> thread::JoinHandle<Vec<u8>> {
    let mut out = child.stdout.take().unwrap();
    thread::spawn(move || {
        let mut buf = Vec::new();
        out.read_to_end(&mut buf).unwrap();
        buf
    })
}

/// Runs `f` on a thread and returns its result, failing the test (not
/// hanging it) if it takes past the deadline. The thread is then left
/// blocked until the test's `Proc`s, dropped as the panic unwinds, kill
/// the children whose pipes it waits on.
fn within<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(DEADLINE)
        .unwrap_or_else(|_| panic!("{what}: nothing within {DEADLINE:?}"))
}

/// Reads exactly `n` bytes from `r` within the deadline; gives `r` back.
fn read_n<R: Read + Send + 'static>(r: R, n: usize) -> (Vec<u8>, R) {
    within(&format!("{n} bytes"), move || {
        let mut r = r;
        let mut buf = vec![0u8; n];
        r.read_exact(&mut buf).unwrap();
        (buf, r)
    })
}

/// Accepts one connection on `server` within the deadline; the stream's
/// reads time out at the deadline too.
fn accept(server: &TcpListener) -> TcpStream {
    server.set_nonblocking(true).unwrap();
    let start = Instant::now();
    loop {
        match server.accept() {
            Ok((conn, _)) => {
                conn.set_nonblocking(false).unwrap();
                conn.set_read_timeout(Some(DEADLINE)).unwrap();
                return conn;
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => panic!("accept: {e}"),
        }
        assert!(
            start.elapsed() < DEADLINE,
            "no connection within {DEADLINE:?}"
        );
        thread::sleep(Duration::from_millis(5));
    }
}

/// Bytes that differ between the two directions and show any shift.
fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// Runs a listen and a connect with `to_listener` on the connect's stdin
/// and `to_connector` on the listen's stdin, both written at once; returns
/// (what listen printed, what connect printed).
fn exchange(
    listen_args: &[&str],
    connect_target: &[&str],
    to_listener: Vec<u8>,
    to_connector: Vec<u8>,
) -> (Vec<u8>, Vec<u8>) {
    let mut l = listen(listen_args);
    let mut args: Vec<&str> = connect_target.to_vec();
    let addr = l.addr.clone();
    if args.is_empty() {
        args.push(&addr);
    }
    let mut c = connect(&args);
    let l_in = feed(&mut l.child, to_connector);
    let c_in = feed(&mut c, to_listener);
    let l_out = collect(&mut l.child);
    let c_out = collect(&mut c);
    let c_status = wait(&mut c, "connect");
    let l_status = wait(&mut l.child, "listen");
    l_in.join().unwrap();
    c_in.join().unwrap();
    let mut c_err = String::new();
    c.stderr.take().unwrap().read_to_string(&mut c_err).unwrap();
    let l_err = l.stderr.join().unwrap();
    assert!(c_status.success(), "connect: {c_status:?} {c_err}");
    assert!(l_status.success(), "listen: {l_status:?} {l_err}");
    (l_out.join().unwrap(), c_out.join().unwrap())
}

/// Sends `ping` from the datagram relay `c` to the listening one `l` and
/// `pong` back, then ends both; returns what `l` printed on stderr.
fn ping_pong(mut l: Listener, mut c: Proc) -> String {
    let mut l_stdin = l.child.stdin.take().unwrap();
    let l_stdout = l.child.stdout.take().unwrap();
    let mut c_stdin = c.stdin.take().unwrap();
    let c_stdout = c.stdout.take().unwrap();
    c_stdin.write_all(b"ping").unwrap();
    assert_eq!(read_n(l_stdout, 4).0, b"ping");
    // The listener answers its latest sender.
    l_stdin.write_all(b"pong").unwrap();
    assert_eq!(read_n(c_stdout, 4).0, b"pong");
    drop(c);
    drop(l.child);
    l.stderr.join().unwrap()
}

mod broker;
mod exec;
mod forward;
mod forward_tls;
#[cfg(target_os = "linux")]
mod limits;
mod lookup;
mod nc;
mod ping;
mod proxy;
mod relay;
mod scan;
mod socks;
mod tls;
#[cfg(unix)]
mod unix;
mod usability;
mod usage;
