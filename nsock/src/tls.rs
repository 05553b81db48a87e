//! `--ssl` on `listen` and `connect`: TLS 1.2 and 1.3 through rustls
//! (its ring provider).
//!
//! The configuration is built from the flags before anything listens or
//! connects, so that a certificate that is not PEM, or a key that does not
//! match it, is a usage error. A server without `--ssl-cert` makes a fresh
//! self-signed certificate, as ncat does, and prints its SHA-256
//! fingerprint; a client verifies against the system's roots
//! (rustls-native-certs) and `--ssl-trustfile`, unless `--ssl-no-verify`.
//!
//! After the handshake (done on the caller's thread, so that its failure
//! is the command's), a [`Bridge`] carries the session: two threads
//! between the network socket and one end of a local socket pair, whose
//! other end the relay (or a child process) uses as if it were the
//! connection. The relay's behaviour is kept that way: an end of input on
//! the plain end becomes close_notify and a half-close of the socket, the
//! peer's close_notify an end-of-stream on the plain end. The buffers are
//! bounded: each thread holds one record's worth at a time, and blocks
//! while the side it writes to is full.

use std::io::{self, Read, Write};
use std::net::Shutdown;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};

use nativesockets::{pair, Domain, Protocol, SockType, SocketHandle};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{ring, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    AlertDescription, CertificateError, ClientConfig, ClientConnection, Connection,
    DigitallySignedStruct, RootCertStore, ServerConfig, ServerConnection, SignatureScheme,
};

use crate::output::{context, note, warn, Failure};

pub const LISTEN_TLS_HELP: &str = "\
TLS: --ssl serves TLS 1.2 and 1.3. With --ssl-cert FILE --ssl-key FILE \
(PEM) that certificate is shown; without them a fresh self-signed one is \
made and its SHA-256 fingerprint printed on stderr, as ncat does. \
--ssl-alpn LIST offers those protocols (comma-separated, first preferred).
  nsock listen --ssl 8443
  nsock listen --ssl --ssl-cert cert.pem --ssl-key key.pem 8443
  nsock listen --ssl --ssl-alpn h2,http/1.1 8443";

pub const CONNECT_TLS_HELP: &str = "\
TLS: --ssl speaks TLS 1.2 or 1.3 and checks the server's certificate \
against the system's roots, and the CA certificates of --ssl-trustfile \
FILE (PEM) too; --ssl-no-verify skips the check (with a warning). The \
name checked, and sent as SNI, is HOST, or --ssl-servername NAME. \
--ssl-alpn LIST offers those protocols (comma-separated); -v prints the \
version, cipher suite and protocol agreed. A failed handshake names its \
reason (unknown issuer, name mismatch, protocol version).
  nsock connect --ssl example.com 443
  nsock connect --ssl --ssl-trustfile ca.pem 127.0.0.1:8443 --ssl-servername test.local
  nsock connect --ssl --ssl-no-verify 127.0.0.1:8443
  nsock connect --ssl --ssl-alpn h2 example.com:443 -v";

/// What `--ssl` and its companions asked (one struct for both commands:
/// clap's definitions keep each flag to its command).
#[derive(Debug, Default, Clone)]
pub struct TlsArgs {
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    pub trustfile: Option<PathBuf>,
    pub no_verify: bool,
    pub servername: Option<String>,
    pub alpn: Option<String>,
}

/// ring's provider: X25519 and the NIST curves, without the
/// post-quantum key exchange only aws-lc-rs offers (rustls marks the
/// function deprecated for that), a trade for a build without cmake.
#[allow(deprecated)]
fn provider() -> Arc<CryptoProvider> {
    Arc::new(ring::default_provider())
}

/// The ALPN list, each name checked (none empty, none over 255 bytes).
fn alpn(args: &TlsArgs) -> Result<Vec<Vec<u8>>, Failure> {
    let Some(list) = &args.alpn else {
        return Ok(Vec::new());
    };
    list.split(',')
        .map(|p| match p.trim() {
            "" => Err(Failure::usage(format!(
                "--ssl-alpn {list:?}: an empty protocol name"
            ))),
            p if p.len() > 255 => Err(Failure::usage(format!(
                "--ssl-alpn: {p:?} is longer than 255 bytes"
            ))),
            p => Ok(p.as_bytes().to_vec()),
        })
        .collect()
}

/// A server's TLS setup, and the fingerprint to print of the self-signed
/// certificate made when none was given.
pub struct Server {
    pub config: Arc<ServerConfig>,
    pub fingerprint: Option<String>,
}

/// Builds the server's configuration: the certificate and key given, or a
/// new self-signed pair. A file that is not PEM, has no certificate or key,
/// or a key that does not match the certificate, is a usage error.
pub fn server(args: &TlsArgs) -> Result<Server, Failure> {
    let (chain, key, fingerprint) = match (&args.cert, &args.key) {
        (Some(cert), Some(key)) => (read_certs(cert, "--ssl-cert")?, read_key(key)?, None),
        // clap requires both together; say so if that ever changes.
        (Some(_), None) | (None, Some(_)) => {
            return Err(Failure::usage("--ssl-cert and --ssl-key go together"))
        }
        (None, None) => {
            let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string()])
                .map_err(|e| Failure::new(format!("making a self-signed certificate: {e}")))?;
            let der = made.cert.der().clone();
            let key = PrivateKeyDer::try_from(made.signing_key.serialize_der())
                .map_err(|e| Failure::new(format!("the self-signed certificate's key: {e}")))?;
            let print = fingerprint(&der);
            (vec![der], key, Some(print))
        }
    };
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| Failure::new(format!("TLS setup: {e}")))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| {
            let what = match (&args.cert, &args.key) {
                (Some(c), Some(k)) => {
                    format!("--ssl-cert {} / --ssl-key {}", c.display(), k.display())
                }
                _ => "the self-signed certificate".to_string(),
            };
            let why = match e {
                rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch) => {
                    "the key does not match the certificate".to_string()
                }
                e => e.to_string(),
            };
            Failure::usage(format!("{what}: {why}"))
        })?;
    config.alpn_protocols = alpn(args)?;
    Ok(Server {
        config: Arc::new(config),
        fingerprint,
    })
}

/// Builds the client's configuration: the system's roots and
/// `--ssl-trustfile`, or no verification at all with `--ssl-no-verify`.
pub fn client(args: &TlsArgs) -> Result<Arc<ClientConfig>, Failure> {
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| Failure::new(format!("TLS setup: {e}")))?;
    let mut config = if args.no_verify {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerify(provider())))
            .with_no_client_auth()
    } else {
        let mut roots = RootCertStore::empty();
        if let Some(path) = &args.trustfile {
            let certs = read_certs(path, "--ssl-trustfile")?;
            let (_, bad) = roots.add_parsable_certificates(certs);
            if bad > 0 {
                return Err(Failure::usage(format!(
                    "--ssl-trustfile {}: {bad} certificate(s) are not usable CA certificates",
                    path.display()
                )));
            }
        }
        // A store that cannot be read leaves only --ssl-trustfile; the
        // handshake then says "unknown issuer".
        let system = rustls_native_certs::load_native_certs();
        roots.add_parsable_certificates(system.certs);
        builder.with_root_certificates(roots).with_no_client_auth()
    };
    config.alpn_protocols = alpn(args)?;
    if args.no_verify {
        warn("warning: --ssl-no-verify: the server's certificate is not checked");
    }
    Ok(Arc::new(config))
}

/// The name a client checks and sends: `--ssl-servername`, else the host
/// it connects to (an address is checked as an address).
pub fn server_name(args: &TlsArgs, host: &str) -> Result<ServerName<'static>, Failure> {
    let name = args.servername.as_deref().unwrap_or(host);
    let name = name.trim_start_matches('[').trim_end_matches(']');
    ServerName::try_from(name.to_string())
        .map_err(|e| Failure::usage(format!("{name:?} is no TLS server name: {e}")))
}

/// Every certificate in a PEM file; none, or a file that is not PEM, is a
/// usage error naming the flag and the file.
fn read_certs(path: &Path, flag: &str) -> Result<Vec<CertificateDer<'static>>, Failure> {
    let bad = |why: String| Failure::usage(format!("{flag} {}: {why}", path.display()));
    std::fs::metadata(path).map_err(|e| bad(e.to_string()))?;
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| bad(format!("not a PEM file ({e})")))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(format!("not a PEM file ({e})")))?;
    if certs.is_empty() {
        return Err(bad(
            "no PEM certificate (-----BEGIN CERTIFICATE-----) in it".into(),
        ));
    }
    Ok(certs)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, Failure> {
    let bad = |why: String| Failure::usage(format!("--ssl-key {}: {why}", path.display()));
    std::fs::metadata(path).map_err(|e| bad(e.to_string()))?;
    PrivateKeyDer::from_pem_file(path).map_err(|e| match e {
        rustls::pki_types::pem::Error::NoItemsFound => {
            bad("no PEM private key (-----BEGIN PRIVATE KEY-----) in it".into())
        }
        e => bad(format!("not a PEM key file ({e})")),
    })
}

/// `AB:CD:...`, the SHA-256 of a certificate, as browsers and openssl
/// show it.
fn fingerprint(der: &CertificateDer<'_>) -> String {
    let digest = ::ring::digest::digest(&::ring::digest::SHA256, der.as_ref());
    let hex: Vec<String> = digest.as_ref().iter().map(|b| format!("{b:02X}")).collect();
    hex.join(":")
}

/// Prints the self-signed certificate's fingerprint, when one was made.
pub fn announce(server: &Server, quiet: bool) {
    if let (Some(print), false) = (&server.fingerprint, quiet) {
        note(format_args!(
            "TLS: a self-signed certificate for localhost, SHA-256 fingerprint {print}"
        ));
    }
}

/// `--ssl-no-verify`: any certificate is taken, though the handshake's
/// signatures are still checked (they prove the peer holds the key of the
/// certificate it showed, whatever that is worth).
#[derive(Debug)]
struct NoVerify(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerify {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// Runs the server's handshake on `sock` (blocking).
pub fn accept(sock: &SocketHandle, config: &Arc<ServerConfig>) -> io::Result<Connection> {
    let conn = ServerConnection::new(Arc::clone(config)).map_err(tls_error)?;
    handshake(sock, conn.into())
}

/// Runs the client's handshake on `sock` (blocking).
pub fn connect(
    sock: &SocketHandle,
    config: &Arc<ClientConfig>,
    name: ServerName<'static>,
) -> io::Result<Connection> {
    let conn = ClientConnection::new(Arc::clone(config), name).map_err(tls_error)?;
    handshake(sock, conn.into())
}

fn handshake(sock: &SocketHandle, mut conn: Connection) -> io::Result<Connection> {
    let mut io = sock;
    while conn.is_handshaking() {
        match conn.complete_io(&mut io) {
            Ok((0, 0)) if conn.is_handshaking() => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "TLS handshake: the peer closed the connection",
                ))
            }
            Ok(_) => {}
            Err(e) => return Err(describe(e)),
        }
    }
    // TLS 1.3 servers send their session tickets right after.
    while conn.wants_write() {
        conn.write_tls(&mut io)?;
    }
    Ok(conn)
}

/// What was agreed, for -v: `TLS 1.3, TLS13_AES_256_GCM_SHA384, ALPN h2`.
pub fn summary(conn: &Connection) -> String {
    let version = match conn.protocol_version() {
        Some(rustls::ProtocolVersion::TLSv1_3) => "TLS 1.3".to_string(),
        Some(rustls::ProtocolVersion::TLSv1_2) => "TLS 1.2".to_string(),
        Some(v) => format!("{v:?}"),
        None => "TLS".to_string(),
    };
    let suite = conn
        .negotiated_cipher_suite()
        .map_or_else(String::new, |s| format!(", {:?}", s.suite()));
    let alpn = match conn.alpn_protocol() {
        Some(p) => format!(", ALPN {}", String::from_utf8_lossy(p)),
        None => ", no ALPN".to_string(),
    };
    format!("{version}{suite}{alpn}")
}

fn tls_error(e: rustls::Error) -> io::Error {
    describe(io::Error::new(io::ErrorKind::InvalidData, e))
}

/// A handshake error with its reason in plain words first.
fn describe(e: io::Error) -> io::Error {
    let Some(tls) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) else {
        return e;
    };
    let why = match tls {
        rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer) => {
            "unknown issuer: the certificate is not signed by a trusted CA \
             (--ssl-trustfile adds one, --ssl-no-verify skips the check)"
                .to_string()
        }
        rustls::Error::InvalidCertificate(CertificateError::NotValidForNameContext {
            expected,
            presented,
        }) => format!(
            "name mismatch: the certificate is for {}, not {} (--ssl-servername sets the name checked)",
            presented
                .iter()
                .map(|p| p
                    .strip_prefix("DnsName(\"")
                    .and_then(|p| p.strip_suffix("\")"))
                    .unwrap_or(p))
                .collect::<Vec<_>>()
                .join(", "),
            expected.to_str()
        ),
        rustls::Error::InvalidCertificate(CertificateError::NotValidForName) => {
            "name mismatch: the certificate is not for this name \
             (--ssl-servername sets the name checked)"
                .to_string()
        }
        rustls::Error::InvalidCertificate(c) => format!("bad certificate: {c:?}"),
        rustls::Error::AlertReceived(AlertDescription::ProtocolVersion) => {
            "protocol version: the peer speaks no TLS version nsock does (1.2, 1.3)".to_string()
        }
        rustls::Error::AlertReceived(a) => format!("the peer refused: alert {a:?}"),
        rustls::Error::PeerIncompatible(p) => format!(
            "protocol version: the peer offers nothing nsock speaks (TLS 1.2, 1.3): {p:?}"
        ),
        rustls::Error::InvalidMessage(m) => {
            format!("not TLS, or a TLS version nsock does not speak: {m:?}")
        }
        other => other.to_string(),
    };
    io::Error::new(e.kind(), format!("TLS handshake failed: {why}"))
}

/// A TLS session carried between a socket and a plain local socket.
pub struct Bridge {
    sock: Arc<SocketHandle>,
    writer: JoinHandle<io::Result<()>>,
    reader: JoinHandle<io::Result<()>>,
}

/// The bytes one round moves: a TLS record's payload and then some.
const CHUNK: usize = 32 * 1024;

struct Session {
    conn: Mutex<Connection>,
    /// Held while TLS bytes are taken from the connection and sent, so
    /// that the two threads' records reach the socket in order.
    tx: Mutex<()>,
    sock: Arc<SocketHandle>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Session {
    /// Sends what the connection has queued for the peer.
    fn flush(&self) -> io::Result<()> {
        let _tx = lock(&self.tx);
        let mut out = Vec::new();
        {
            let mut conn = lock(&self.conn);
            while conn.wants_write() {
                conn.write_tls(&mut out)?;
            }
        }
        (&*self.sock).write_all(&out)
    }
}

impl Bridge {
    /// Starts carrying `conn` (handshake done) over `sock`; returns the
    /// plain end, to be used as the connection.
    pub fn start(sock: SocketHandle, conn: Connection) -> io::Result<(SocketHandle, Bridge)> {
        let (plain, inner) = pair(Domain::Unix, SockType::Stream, Protocol::Ip)
            .or_else(|_| pair(Domain::Inet, SockType::Stream, Protocol::Tcp))
            .map_err(|e| context(e, "creating a local socket pair"))?;
        let sock = Arc::new(sock);
        let inner = Arc::new(inner);
        let session = Arc::new(Session {
            conn: Mutex::new(conn),
            tx: Mutex::new(()),
            sock: Arc::clone(&sock),
        });
        let (s, i) = (Arc::clone(&session), Arc::clone(&inner));
        let writer = thread::Builder::new()
            .name("tls-out".into())
            .spawn(move || to_peer(&s, &i))?;
        let reader = thread::Builder::new()
            .name("tls-in".into())
            .spawn(move || from_peer(&session, &inner))?;
        Ok((
            plain,
            Bridge {
                sock,
                writer,
                reader,
            },
        ))
    }

    /// Waits for both directions to end, once the plain end has been
    /// closed (or shut down); the first error of either, if any.
    pub fn finish(self) -> io::Result<()> {
        let sent = self.writer.join().unwrap_or(Ok(()));
        // The peer may never close: nothing is read for anyone now.
        let _ = self.sock.shutdown(Shutdown::Both);
        let received = self.reader.join().unwrap_or(Ok(()));
        received.and(sent)
    }
}

/// Plain bytes from the relay, encrypted, to the peer; at their end,
/// close_notify and a half-close.
fn to_peer(s: &Session, inner: &SocketHandle) -> io::Result<()> {
    let mut buf = vec![0u8; CHUNK];
    let result = loop {
        let n = match inner.recv(&mut buf) {
            Ok(0) => break Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            // The relay's end went away: its session is over.
            Err(_) => break Ok(()),
        };
        let mut rest = &buf[..n];
        let sent = loop {
            if rest.is_empty() {
                break Ok(());
            }
            let taken = lock(&s.conn).writer().write(rest);
            match taken {
                Ok(m) => rest = &rest[m..],
                Err(e) => break Err(e),
            }
            if let Err(e) = s.flush() {
                break Err(e);
            }
        };
        if let Err(e) = sent {
            // The peer cannot take more: the relay's end learns it.
            let _ = inner.shutdown(Shutdown::Both);
            return Err(e);
        }
    };
    lock(&s.conn).send_close_notify();
    // The peer may have closed already: nothing left to tell it.
    let _ = s.flush();
    let _ = s.sock.shutdown(Shutdown::Write);
    result
}

/// The peer's records, decrypted, to the relay; at close_notify (or the
/// socket's end), a half-close of the plain end.
fn from_peer(s: &Session, inner: &SocketHandle) -> io::Result<()> {
    let mut buf = vec![0u8; CHUNK];
    let result = loop {
        let n = match (&*s.sock).read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => break Err(e),
        };
        match deliver(s, inner, &buf[..n]) {
            Ok(true) => {}
            Ok(false) => break Ok(()),
            Err(e) => break Err(e),
        }
        if n == 0 {
            break Ok(());
        }
    };
    let _ = inner.shutdown(Shutdown::Write);
    result
}

/// Feeds `data` (empty: the socket's end) to the connection and sends the
/// plain bytes it yields to the relay, a bounded piece at a time; false
/// once the session is over (close_notify, the socket's end, the relay
/// gone).
fn deliver(s: &Session, inner: &SocketHandle, mut data: &[u8]) -> io::Result<bool> {
    let mut plain = vec![0u8; CHUNK];
    let mut feed_eof = data.is_empty();
    // Plain bytes left in the connection from the last round: nothing more
    // is fed until they are taken (its plain buffer is bounded).
    let mut pending = false;
    loop {
        let mut out = Vec::new();
        let (closed, wants_write) = {
            let mut conn = lock(&s.conn);
            // Records already queued are the other thread's, which sends
            // them: this one sends only what reading made (an alert, a key
            // update), so that it never blocks on a full socket with the
            // peer doing the same, nobody reading.
            let queued = conn.wants_write();
            if !pending && (!data.is_empty() || feed_eof) {
                feed_eof = false;
                conn.read_tls(&mut data)?;
                if let Err(e) = conn.process_new_packets() {
                    drop(conn);
                    // The alert that says why.
                    let _ = s.flush();
                    return Err(io::Error::new(io::ErrorKind::InvalidData, e));
                }
            }
            pending = false;
            let closed = loop {
                if out.len() >= CHUNK {
                    pending = true;
                    break false;
                }
                match conn.reader().read(&mut plain) {
                    Ok(0) => break true,
                    Ok(m) => out.extend_from_slice(&plain[..m]),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break false,
                    // The socket ended without close_notify: the end all
                    // the same, as ncat and most clients take it.
                    Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break true,
                    Err(e) => return Err(e),
                }
            };
            (closed, conn.wants_write() && !queued)
        };
        if wants_write {
            let _ = s.flush();
        }
        if !out.is_empty() && inner.send_all(&out).is_err() {
            // The relay has gone: what the peer sends is not wanted.
            return Ok(false);
        }
        if closed {
            return Ok(false);
        }
        if !pending && data.is_empty() && !feed_eof {
            return Ok(true);
        }
    }
}

trait SendAll {
    fn send_all(&self, data: &[u8]) -> io::Result<()>;
}

impl SendAll for SocketHandle {
    fn send_all(&self, data: &[u8]) -> io::Result<()> {
        let mut me = self;
        me.write_all(data)
    }
}
