//! The services database (`/etc/services`): `Servent`, and
//! `get_serv_by_name` / `get_serv_by_port` over the cached system file.
//!
//! Nim (and the C library: glibc's `getservbyname_r` re-reads the file on
//! every call) reads the file for each lookup. Here the file is parsed once
//! and kept, so a lookup is a hash probe, a clock read and a copy of the
//! answer. The parts, each readable on its own:
//!
//! - `db.rs`: [`ServicesDb`], the parsed table and its parser, and the
//!   embedded fallback table (`embedded.txt`);
//! - `index.rs`: the hasher and key comparison of its name and port
//!   indexes;
//! - `file.rs`: [`ServicesFile`], a file followed on disk with a per-thread
//!   snapshot, and the lookups' errors.

use std::io;

use crate::types::Port;

mod db;
mod file;
mod index;

pub use self::db::ServicesDb;
pub use self::file::ServicesFile;

/// An entry of the services database (Nim's `Servent`, C's
/// `struct servent`).
///
/// Unlike Nim's (and C's `s_port`), `port` is in host byte order.
#[derive(PartialEq, Eq, Hash, Debug)]
pub struct Servent {
    /// The official name of the service (`http`).
    pub name: String,
    /// Other names of the service (`www`), in the file's order.
    pub aliases: Vec<String>,
    /// The port, in host byte order.
    pub port: Port,
    /// The protocol (`tcp`, `udp`, `sctp`, `ddp`, ...).
    pub proto: String,
}

/// Written out rather than derived: every `get_serv_by_*` answer is a
/// clone, and most entries have no aliases, which the derived clone still
/// walks through `<[String]>::to_vec`, a measurable share of a lookup.
impl Clone for Servent {
    #[inline(always)]
    fn clone(&self) -> Servent {
        Servent {
            name: self.name.as_str().to_owned(),
            aliases: if self.aliases.is_empty() {
                Vec::new()
            } else {
                self.aliases.clone()
            },
            port: self.port,
            proto: self.proto.as_str().to_owned(),
        }
    }
}

/// Looks up a service by name or alias in the system's services database
/// (Nim's `getServByName`): the first entry of `/etc/services` (Windows:
/// `%SystemRoot%\System32\drivers\etc\services`) named or aliased `name`,
/// case-sensitively, with protocol `proto` (`"tcp"`, `"udp"`, ...; `""`
/// for any protocol, C's `NULL`).
///
/// The answer is what the C library's [`getservbyname_r(3)`] gives for every
/// entry of the file, with `port` in host byte order (Nim returns it in
/// network order), but it comes from the crate's own copy of the file:
/// parsed once, kept in memory, and re-read when the file changes (seen
/// within one second; see [`ServicesFile`]), so a lookup takes tens of
/// nanoseconds where the C library reads the file each time. It is
/// thread-safe. Where the file is missing or unreadable (minimal
/// containers), the [embedded table](ServicesDb::embedded) of well-known
/// services answers.
///
/// # Errors
/// - `InvalidInput` for an empty name, or a name or protocol over 1 KiB or
///   with a NUL byte.
/// - `NotFound` when no entry matches, naming the service, the protocol
///   and the file.
///
/// # Examples
/// ```
/// use nativesockets::{get_serv_by_name, Port};
///
/// let http = get_serv_by_name("http", "tcp")?;
/// assert_eq!(http.port, Port(80));
/// assert_eq!(get_serv_by_name("ssh", "")?.port, Port(22));
/// assert_eq!(
///     get_serv_by_name("no-such-service", "tcp").unwrap_err().kind(),
///     std::io::ErrorKind::NotFound
/// );
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// [`getservbyname_r(3)`]: https://man7.org/linux/man-pages/man3/getservent_r.3.html
#[inline(always)]
pub fn get_serv_by_name(name: &str, proto: &str) -> io::Result<Servent> {
    ServicesFile::system().get_serv_by_name(name, proto)
}

/// Looks up a service by port (host byte order) in the system's services
/// database (Nim's `getServByPort`): the first entry with that port and
/// protocol `proto` (`""` for any protocol).
///
/// Answers as [`getservbyport_r(3)`] does, from the cached copy of the file,
/// like [`get_serv_by_name`].
///
/// # Errors
/// - `InvalidInput` for a protocol over 1 KiB or with a NUL byte.
/// - `NotFound` when no entry matches, naming the port, the protocol and
///   the file.
///
/// # Examples
/// ```
/// use nativesockets::{get_serv_by_port, Port};
///
/// assert_eq!(get_serv_by_port(Port(443), "tcp")?.name, "https");
/// assert_eq!(get_serv_by_port(Port(53), "udp")?.name, "domain");
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// [`getservbyport_r(3)`]: https://man7.org/linux/man-pages/man3/getservent_r.3.html
#[inline(always)]
pub fn get_serv_by_port(port: Port, proto: &str) -> io::Result<Servent> {
    ServicesFile::system().get_serv_by_port(port, proto)
}
