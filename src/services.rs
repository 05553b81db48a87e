//! The services database (`/etc/services`): a parser, an in-memory table
//! with allocation-free lookups, an embedded fallback table, and a cached
//! view of a file that follows its changes; `get_serv_by_name` and
//! `get_serv_by_port` on top.
//!
//! Nim (and the C library: glibc's `getservbyname_r` re-reads the file on
//! every call, 15 to 65 µs a lookup) reads the file for each lookup. Here
//! the file is parsed once and kept, so a lookup is a hash probe, a clock
//! read and a copy of the answer.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::hash::{BuildHasherDefault, Hasher};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use crate::error::{context, invalid_input, word, MAX_NAME_LEN};
use crate::sys;
use crate::Port;

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
/// walks through `<[String]>::to_vec` (about 5 ns of a 55 ns lookup).
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

/// A parsed services database: every entry of a services file, in file
/// order, with indexes by name and by port.
///
/// Lookups ([`by_name`](Self::by_name), [`by_port`](Self::by_port)) answer
/// exactly as glibc's `getservbyname_r` and `getservbyport_r` do on the
/// same file: the first entry in file order whose name or one of whose
/// aliases equals the name (case-sensitively), or whose port equals the
/// port, and whose protocol equals `proto`; an empty `proto` matches any
/// protocol (C's `NULL`). They return a reference and allocate nothing.
///
/// # File format
/// One entry a line: `name port/protocol [alias ...]`, fields separated by
/// blanks (space, tab, `\r`, `\v`, `\f`). A `#` anywhere starts a comment
/// that runs to the end of the line; so does a NUL byte. Blank lines,
/// comment lines and malformed lines (no port, a port that is not a
/// number, no `/`) are skipped, as glibc skips them. Two readings differ
/// from glibc's, on lines no real file has: a port over 65535 (glibc keeps
/// it modulo 65536, `70000/tcp` as port 4464) or with a sign, and an empty
/// protocol (`80/`), make the line malformed here. Text that is not UTF-8
/// (from [`from_path`](Self::from_path)) is read lossily, so such a line
/// still counts, in its place.
///
/// Building the indexes takes one pass; the system's file (about 13 KB,
/// 320 entries) parses in well under a millisecond into well under
/// 256 KiB.
///
/// # Examples
/// ```
/// use nativesockets::{Port, ServicesDb};
///
/// let db = ServicesDb::parse("
///     # a comment
///     http   80/tcp  www   # World Wide Web
///     http   80/udp  www
///     bogus  port/tcp
/// ");
/// assert_eq!(db.len(), 2);
/// let www = db.by_name("www", "udp").unwrap();
/// assert_eq!((www.name.as_str(), www.port, www.proto.as_str()), ("http", Port(80), "udp"));
/// assert_eq!(db.by_port(Port(80), "").unwrap().proto, "tcp"); // first in file order
/// assert!(db.by_name("WWW", "").is_none()); // case-sensitive, as in C
/// ```
pub struct ServicesDb {
    entries: Vec<Servent>,
    names: HashMap<Box<str>, Span, FastHash>,
    ports: HashMap<u16, Span, FastHash>,
    /// Entry indexes, grouped by key; each group in file order.
    lists: Vec<u32>,
}

/// A group of entry indexes in `ServicesDb::lists`.
#[derive(Copy, Clone, Debug)]
struct Span {
    start: u32,
    len: u32,
}

impl ServicesDb {
    /// Parses the text of a services file; malformed lines are skipped
    /// (see the [type's docs](Self) for the format).
    pub fn parse(text: &str) -> ServicesDb {
        ServicesDb::from_entries(text.split('\n').filter_map(parse_line).collect())
    }

    /// Reads and parses the services file at `path`.
    ///
    /// # Errors
    /// The error of reading the file, naming it (`NotFound` when it does
    /// not exist).
    pub fn from_path(path: impl AsRef<Path>) -> io::Result<ServicesDb> {
        let path = path.as_ref();
        let bytes = fs::read(path).map_err(|e| context(e, "services file", path))?;
        Ok(ServicesDb::parse(&String::from_utf8_lossy(&bytes)))
    }

    /// The built-in table: every entry of Debian's netbase services file
    /// (the well-known IANA services: `ssh`, `http`, `https`, `domain`,
    /// ...), parsed on first use. It answers for the system database where
    /// the system has no readable services file (minimal containers).
    pub fn embedded() -> &'static ServicesDb {
        embedded_arc()
    }

    /// The first entry, in file order, named or aliased `name` with
    /// protocol `proto` (any protocol if `proto` is empty); `None` if there
    /// is none. Allocates nothing.
    #[inline]
    pub fn by_name(&self, name: &str, proto: &str) -> Option<&Servent> {
        self.first_of(*self.names.get(NameKey::new(name))?, proto)
    }

    /// The first entry, in file order, with port `port` (host byte order)
    /// and protocol `proto` (any protocol if `proto` is empty); `None` if
    /// there is none. Allocates nothing.
    #[inline]
    pub fn by_port(&self, port: Port, proto: &str) -> Option<&Servent> {
        self.first_of(*self.ports.get(&port.0)?, proto)
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries, in file order.
    pub fn iter(&self) -> std::slice::Iter<'_, Servent> {
        self.entries.iter()
    }

    #[inline]
    fn first_of(&self, span: Span, proto: &str) -> Option<&Servent> {
        let start = span.start as usize;
        self.lists[start..start + span.len as usize]
            .iter()
            .map(|&i| &self.entries[i as usize])
            .find(|e| proto.is_empty() || short_eq(e.proto.as_bytes(), proto.as_bytes()))
    }

    fn from_entries(entries: Vec<Servent>) -> ServicesDb {
        // Key -> group number, and (group, entry) pairs in file order;
        // a stable counting sort by group then lays each group out in file
        // order.
        let mut name_groups: HashMap<&str, u32, FastHash> = HashMap::default();
        let mut port_groups: HashMap<u16, u32, FastHash> = HashMap::default();
        let mut name_pairs: Vec<(u32, u32)> = Vec::with_capacity(entries.len() * 2);
        let mut port_pairs: Vec<(u32, u32)> = Vec::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            let i = i as u32;
            let entry_start = name_pairs.len();
            for key in std::iter::once(&e.name).chain(&e.aliases) {
                let next = name_groups.len() as u32;
                let group = *name_groups.entry(key.as_str()).or_insert(next);
                // A name repeated among an entry's aliases counts once.
                if !name_pairs[entry_start..].contains(&(group, i)) {
                    name_pairs.push((group, i));
                }
            }
            let next = port_groups.len() as u32;
            let group = *port_groups.entry(e.port.0).or_insert(next);
            port_pairs.push((group, i));
        }
        let mut lists = Vec::with_capacity(name_pairs.len() + port_pairs.len());
        let name_spans = group_into(&mut lists, name_groups.len(), &name_pairs);
        let port_spans = group_into(&mut lists, port_groups.len(), &port_pairs);
        let mut names = HashMap::with_capacity_and_hasher(name_groups.len(), FastHash::default());
        for (key, group) in name_groups {
            names.insert(Box::from(key), name_spans[group as usize]);
        }
        let mut ports = HashMap::with_capacity_and_hasher(port_groups.len(), FastHash::default());
        for (port, group) in port_groups {
            ports.insert(port, port_spans[group as usize]);
        }
        ServicesDb {
            entries,
            names,
            ports,
            lists,
        }
    }
}

/// Appends the entry indexes of `pairs` to `lists` grouped by group number
/// (keeping their order within a group) and returns each group's span.
fn group_into(lists: &mut Vec<u32>, groups: usize, pairs: &[(u32, u32)]) -> Vec<Span> {
    let base = lists.len() as u32;
    let mut spans = vec![Span { start: 0, len: 0 }; groups];
    for &(group, _) in pairs {
        spans[group as usize].len += 1;
    }
    let mut next = base;
    for span in &mut spans {
        span.start = next;
        next += span.len;
    }
    lists.resize(next as usize, 0);
    let mut fill: Vec<u32> = spans.iter().map(|s| s.start).collect();
    for &(group, entry) in pairs {
        let slot = &mut fill[group as usize];
        lists[*slot as usize] = entry;
        *slot += 1;
    }
    spans
}

/// C's `isspace` in the "C" locale, which glibc's parser uses.
fn is_c_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r')
}

/// One line of a services file, or `None` for a blank, comment or
/// malformed one.
fn parse_line(line: &str) -> Option<Servent> {
    let end = line.find(['#', '\0']).unwrap_or(line.len());
    let mut fields = line[..end].split(is_c_space).filter(|f| !f.is_empty());
    let name = fields.next()?;
    let (port, proto) = fields.next()?.split_once('/')?;
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) || proto.is_empty() {
        return None;
    }
    let port = port.parse::<u16>().ok()?;
    Some(Servent {
        name: name.to_owned(),
        aliases: fields.map(str::to_owned).collect(),
        port: Port(port),
        proto: proto.to_owned(),
    })
}

impl fmt::Debug for ServicesDb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServicesDb")
            .field("entries", &self.entries.len())
            .field("names", &self.names.len())
            .field("ports", &self.ports.len())
            .finish()
    }
}

impl<'a> IntoIterator for &'a ServicesDb {
    type Item = &'a Servent;
    type IntoIter = std::slice::Iter<'a, Servent>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter()
    }
}

fn embedded_arc() -> &'static Arc<ServicesDb> {
    static EMBEDDED: OnceLock<Arc<ServicesDb>> = OnceLock::new();
    EMBEDDED.get_or_init(|| Arc::new(ServicesDb::parse(include_str!("services_embedded.txt"))))
}

/// The FxHash mixing step (rustc's hasher): a few cycles a word, where
/// std's SipHash takes about 20 ns for a short key. The keys come from
/// the system's own services file, so flooding resistance buys nothing.
#[derive(Default, Clone, Copy)]
struct FxHasher {
    hash: u64,
}

type FastHash = BuildHasherDefault<FxHasher>;

/// A service name as the name index compares it: by [`short_eq`], without
/// the `memcmp` call that `str`'s equality makes (hashing is `str`'s, so a
/// `Box<str>` key and a `NameKey` of the same text hash alike).
#[repr(transparent)]
#[derive(Debug)]
struct NameKey(str);

impl NameKey {
    #[inline]
    fn new(name: &str) -> &NameKey {
        // SAFETY: NameKey is a repr(transparent) wrapper of str, so the
        // two have the same layout and pointer metadata (as std does for
        // Path over OsStr).
        unsafe { &*(name as *const str as *const NameKey) }
    }
}

impl PartialEq for NameKey {
    #[inline]
    fn eq(&self, other: &NameKey) -> bool {
        short_eq(self.0.as_bytes(), other.0.as_bytes())
    }
}

impl Eq for NameKey {}

impl std::hash::Hash for NameKey {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl std::borrow::Borrow<NameKey> for Box<str> {
    #[inline]
    fn borrow(&self) -> &NameKey {
        NameKey::new(self)
    }
}

/// Byte-string equality without a `memcmp` call for the short strings
/// service names and protocols are ("tcpmux", "tcp"): the call cost more
/// than the comparison, about 3 ns of a 45 ns lookup; a byte loop, about
/// as much again. Up to 16 bytes, two overlapping word loads a side.
#[inline(always)]
fn short_eq(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        0 => true,
        1 => a[0] == b[0],
        2..=3 => word::<2>(a, 0) == word::<2>(b, 0) && word::<2>(a, n - 2) == word::<2>(b, n - 2),
        4..=7 => word::<4>(a, 0) == word::<4>(b, 0) && word::<4>(a, n - 4) == word::<4>(b, n - 4),
        8..=16 => word::<8>(a, 0) == word::<8>(b, 0) && word::<8>(a, n - 8) == word::<8>(b, n - 8),
        _ => a == b,
    }
}

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        // Fixed-size reads only (a variable-length copy of the tail would
        // be a memcpy call costing more than the whole hash); a tail is
        // read as a word overlapping the one before it.
        let n = bytes.len();
        match n {
            0 => {}
            1..=3 => self.add(
                u64::from(bytes[0]) | u64::from(bytes[n / 2]) << 8 | u64::from(bytes[n - 1]) << 16,
            ),
            4..=7 => {
                let (a, b) = (word::<4>(bytes, 0), word::<4>(bytes, n - 4));
                self.add(u64::from(u32::from_le_bytes(a)) | u64::from(u32::from_le_bytes(b)) << 32);
            }
            _ => {
                let mut at = 0;
                while at + 8 < n {
                    self.add(u64::from_le_bytes(word::<8>(bytes, at)));
                    at += 8;
                }
                self.add(u64::from_le_bytes(word::<8>(bytes, n - 8)));
            }
        }
    }

    #[inline]
    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    #[inline]
    fn write_u16(&mut self, n: u16) {
        self.add(u64::from(n));
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

/// How often a [`ServicesFile`] looks at its file: under a second, so a
/// change is seen within one second even though the coarse clock it reads
/// may lag by a few milliseconds.
const CHECK_INTERVAL_MS: u64 = 900;

/// A file modified this close to when it was read may change again within
/// the file system's timestamp granularity (2 s on FAT) without its
/// modification time or size changing, so it is read again at the next
/// check.
const RACY_WINDOW: Duration = Duration::from_secs(2);

/// A services file, parsed on first use and cached, that follows changes
/// to the file: a lookup at least one second after the file changed sees
/// the new content.
///
/// The file is not looked at on every lookup: a lookup reads a coarse
/// monotonic clock (a few ns) and, at most once every 0.9 s, one thread
/// compares the file's size and modification time (one `stat`) with what
/// it read, and re-reads and re-parses it when they differ (or when it
/// was modified so recently that a same-size rewrite within the
/// timestamp's granularity could go unseen). Lookups meanwhile go on with
/// the database they have: each thread keeps a reference to the current
/// one and only compares a generation number on the hot path, so threads
/// do not contend for a lock or a reference count.
///
/// Where the file is missing or unreadable, the [embedded
/// table](ServicesDb::embedded) answers until it appears.
///
/// [`ServicesFile::system`] is the one that [`get_serv_by_name`] and
/// [`get_serv_by_port`] use; [`ServicesFile::new`] follows any file.
///
/// # Examples
/// ```
/// use nativesockets::{Port, ServicesFile};
///
/// let path = std::env::temp_dir().join(format!("services-doc-{}", std::process::id()));
/// std::fs::write(&path, "myproto 7777/tcp mp\n")?;
/// let services = ServicesFile::new(&path);
/// assert_eq!(services.get_serv_by_name("mp", "tcp")?.port, Port(7777));
/// assert_eq!(services.get_serv_by_port(Port(7777), "")?.name, "myproto");
/// std::fs::remove_file(&path)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct ServicesFile {
    path: PathBuf,
    /// The generation of `current`, readable without its lock; 0 until
    /// the first load.
    generation: AtomicU64,
    /// The coarse clock's time (ms) of the next look at the file.
    next_check_ms: AtomicU64,
    current: RwLock<Snapshot>,
    /// Held while looking at and loading the file.
    file: Mutex<FileState>,
}

/// One loaded database. Generations are unique across all
/// `ServicesFile`s, so a thread's cached snapshot is current exactly when
/// its generation is the file's.
#[derive(Clone)]
struct Snapshot {
    generation: u64,
    db: Arc<ServicesDb>,
    from_file: bool,
    /// Where the answers come from, for error messages.
    source: Arc<str>,
}

/// What was read: the file's size and modification time then, a hash of
/// its content, and whether it must be read again at the next check
/// whatever its metadata says.
#[derive(Default)]
struct FileState {
    seen: Option<(u64, Option<SystemTime>)>,
    content_hash: Option<u64>,
    recheck: bool,
}

/// A snapshot to answer one lookup from (see [`ServicesFile::current`]).
enum Current {
    /// The calling thread's cached snapshot.
    Cached(*const Snapshot),
    /// A copy, when the thread's cache cannot be used (during thread
    /// teardown).
    Owned(Snapshot),
}

impl Current {
    #[inline]
    fn get(&self) -> &Snapshot {
        match self {
            // SAFETY: the pointer is to the snapshot in this thread's
            // `CACHED`, which only `current` replaces, on this same
            // thread; a `Current` lives within one call (a lookup, `db`,
            // `uses_embedded`) that makes no other lookup, and is not
            // `Send` (raw pointer), so the snapshot stays in place and
            // unaliased by a mutable borrow for as long as this reference.
            Current::Cached(ptr) => unsafe { &**ptr },
            Current::Owned(s) => s,
        }
    }
}

static NEXT_GENERATION: AtomicU64 = AtomicU64::new(1);

thread_local! {
    static CACHED: RefCell<Option<Snapshot>> = const { RefCell::new(None) };
}

impl ServicesFile {
    /// Follows the services file at `path`. Nothing is read until the
    /// first lookup.
    pub fn new(path: impl Into<PathBuf>) -> ServicesFile {
        ServicesFile {
            path: path.into(),
            generation: AtomicU64::new(0),
            next_check_ms: AtomicU64::new(0),
            current: RwLock::new(Snapshot {
                generation: 0,
                db: Arc::clone(embedded_arc()),
                from_file: false,
                source: Arc::from(""),
            }),
            file: Mutex::new(FileState::default()),
        }
    }

    /// The system's services database: `/etc/services` on Unix,
    /// `%SystemRoot%\System32\drivers\etc\services` on Windows (with the
    /// embedded table where that file is missing or unreadable).
    pub fn system() -> &'static ServicesFile {
        static SYSTEM: OnceLock<ServicesFile> = OnceLock::new();
        SYSTEM.get_or_init(|| ServicesFile::new(sys::services_path()))
    }

    /// The path of the file followed.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The current database (after looking at the file, if due), to look
    /// up many entries, or entries by reference.
    pub fn db(&self) -> Arc<ServicesDb> {
        Arc::clone(&self.current().get().db)
    }

    /// Whether the embedded table answers, because the file is missing or
    /// could not be read.
    pub fn uses_embedded(&self) -> bool {
        !self.current().get().from_file
    }

    /// Looks up a service by name or alias, as [`get_serv_by_name`] does,
    /// in this file.
    ///
    /// # Errors
    /// As [`get_serv_by_name`].
    // Always inlined (errors and reloads are out of line, so it is small):
    // the answer is then built where the caller keeps it. Returned from a
    // call, the 80-byte `io::Result<Servent>` was copied by the caller with
    // 16-byte loads of what the callee wrote in 8-byte stores, which the
    // CPU cannot forward: 10 to 25 ns of a lookup, depending on code
    // layout.
    #[inline(always)]
    pub fn get_serv_by_name(&self, name: &str, proto: &str) -> io::Result<Servent> {
        check_length("service name", name, false)?;
        check_length("protocol", proto, true)?;
        let current = self.current();
        let s = current.get();
        match s.db.by_name(name, proto) {
            Some(found) => Ok(found.clone()),
            None => Err(miss(Some(name), None, proto, &s.source)),
        }
    }

    /// Looks up a service by port, as [`get_serv_by_port`] does, in this
    /// file.
    ///
    /// # Errors
    /// As [`get_serv_by_port`].
    // Always inlined, as `get_serv_by_name`.
    #[inline(always)]
    pub fn get_serv_by_port(&self, port: Port, proto: &str) -> io::Result<Servent> {
        check_length("protocol", proto, true)?;
        let current = self.current();
        let s = current.get();
        match s.db.by_port(port, proto) {
            Some(found) => Ok(found.clone()),
            None => Err(miss(None, Some(port), proto, &s.source)),
        }
    }

    /// The current snapshot, for a caller that runs no other lookup before
    /// it is done with it: a pointer to the calling thread's cached one
    /// when its generation is current (no lock, no reference count), so
    /// the answer is built in place by the caller (through a closure, the
    /// 80-byte `io::Result<Servent>` was moved twice more, which cost a
    /// third of a cached lookup); otherwise a copy from under the read
    /// lock, which the thread then caches.
    #[inline(always)]
    fn current(&self) -> Current {
        let generation = self.current_generation();
        let cached = CACHED.try_with(|cell| {
            // Busy only while another lookup on this thread holds it,
            // which `current`'s callers never do; then the slow path.
            let mut cached = cell.try_borrow_mut().ok()?;
            match cached.as_ref() {
                Some(s) if s.generation == generation => Some(s as *const Snapshot),
                _ => Some(self.refresh(&mut cached) as *const Snapshot),
            }
        });
        match cached {
            Ok(Some(ptr)) => Current::Cached(ptr),
            _ => self.owned(),
        }
    }

    /// Replaces a thread's cached snapshot with the current one (out of
    /// line: the inlined lookup path stays small).
    #[cold]
    #[inline(never)]
    fn refresh<'a>(&self, cached: &'a mut Option<Snapshot>) -> &'a Snapshot {
        cached.insert(self.snapshot())
    }

    /// A copy of the current snapshot, when the thread's cache cannot be
    /// used.
    #[cold]
    #[inline(never)]
    fn owned(&self) -> Current {
        Current::Owned(self.snapshot())
    }

    fn snapshot(&self) -> Snapshot {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The current generation, after looking at the file if due; loads
    /// the file on first use (other threads wait for that load).
    #[inline]
    fn current_generation(&self) -> u64 {
        let now = sys::coarse_now_ms();
        let due = self.next_check_ms.load(Ordering::Relaxed);
        if now >= due
            && self
                .next_check_ms
                .compare_exchange(
                    due,
                    now + CHECK_INTERVAL_MS,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_ok()
        {
            self.reload_if_changed();
        }
        let generation = self.generation.load(Ordering::Acquire);
        if generation != 0 {
            return generation;
        }
        self.reload_if_changed();
        self.generation.load(Ordering::Acquire)
    }

    /// Looks at the file and, if it changed (or may have), reads and
    /// parses it again; publishes a new snapshot when the content differs.
    fn reload_if_changed(&self) {
        let mut state = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        let meta = fs::metadata(&self.path)
            .ok()
            .map(|m| (m.len(), m.modified().ok()));
        let loaded = self.generation.load(Ordering::Acquire) != 0;
        if loaded && !state.recheck && meta == state.seen {
            return;
        }
        let read_at = SystemTime::now();
        let content = fs::read(&self.path).ok();
        state.seen = meta;
        // A file that exists but cannot be read is tried again at each
        // check: a permission change alters neither size nor mtime.
        state.recheck = match (&content, meta) {
            (None, Some(_)) => true,
            (Some(_), Some((_, Some(mtime)))) => mtime + RACY_WINDOW > read_at,
            (Some(_), _) => true,
            (None, None) => false,
        };
        let content_hash = content.as_deref().map(|bytes| {
            let mut h = FxHasher::default();
            h.write(bytes);
            h.finish()
        });
        if loaded && content_hash == state.content_hash {
            return;
        }
        state.content_hash = content_hash;
        let (db, from_file, source) = match content {
            Some(bytes) => (
                Arc::new(ServicesDb::parse(&String::from_utf8_lossy(&bytes))),
                true,
                self.path.display().to_string(),
            ),
            None => (
                Arc::clone(embedded_arc()),
                false,
                format!(
                    "the embedded services table ({} is missing or unreadable)",
                    self.path.display()
                ),
            ),
        };
        let generation = NEXT_GENERATION.fetch_add(1, Ordering::Relaxed);
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Snapshot {
            generation,
            db,
            from_file,
            source: Arc::from(source),
        };
        self.generation.store(generation, Ordering::Release);
    }
}

impl fmt::Debug for ServicesFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let current = self.snapshot();
        f.debug_struct("ServicesFile")
            .field("path", &self.path)
            .field("loaded", &(current.generation != 0))
            .field("from_file", &current.from_file)
            .field("entries", &current.db.len())
            .finish()
    }
}

/// The `NotFound` error of a service lookup. Nothing is formatted until
/// the error is displayed: a miss must stay about as cheap as a hit, and
/// building the message would cost more than the lookup.
struct ServiceMiss {
    /// The name looked up (empty for a lookup by port), then the protocol.
    text: Box<str>,
    name_len: usize,
    port: Option<Port>,
    source: Arc<str>,
}

impl ServiceMiss {
    fn error(name: &str, port: Option<Port>, proto: &str, source: &Arc<str>) -> io::Error {
        let mut text = String::with_capacity(name.len() + proto.len());
        text.push_str(name);
        text.push_str(proto);
        io::Error::new(
            io::ErrorKind::NotFound,
            ServiceMiss {
                text: text.into_boxed_str(),
                name_len: name.len(),
                port,
                source: Arc::clone(source),
            },
        )
    }
}

impl fmt::Display for ServiceMiss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (name, proto) = self.text.split_at(self.name_len);
        match self.port {
            Some(port) => write!(f, "service port {port}")?,
            None => {
                // Cut as the crate's other messages are: long names make
                // unreadable messages.
                const LIMIT: usize = 80;
                let quoted = format!("{name:?}");
                if quoted.len() <= LIMIT {
                    write!(f, "service name {quoted}")?;
                } else {
                    let mut end = LIMIT;
                    while !quoted.is_char_boundary(end) {
                        end -= 1;
                    }
                    write!(
                        f,
                        "service name {}... ({} bytes)",
                        &quoted[..end],
                        quoted.len()
                    )?;
                }
            }
        }
        f.write_str(": no such service")?;
        if !proto.is_empty() {
            write!(f, " for protocol {proto:?}")?;
        }
        write!(f, " in {}", self.source)
    }
}

impl fmt::Debug for ServiceMiss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_string(), f)
    }
}

impl std::error::Error for ServiceMiss {}

/// `InvalidInput` for text that is empty (unless `empty_ok`) or over
/// 1 KiB. A NUL byte is looked for only after a miss (see [`miss`]): no
/// entry holds one, so a hit proves there is none, and the hot path skips
/// the scan.
#[inline(always)]
fn check_length(what: &str, value: &str, empty_ok: bool) -> io::Result<()> {
    if (value.is_empty() && !empty_ok) || value.len() > MAX_NAME_LEN {
        return Err(bad_length(what, value));
    }
    Ok(())
}

/// The error of [`check_length`], out of line: the inlined lookup path
/// stays small.
#[cold]
#[inline(never)]
fn bad_length(what: &str, value: &str) -> io::Error {
    if value.is_empty() {
        invalid_input(what, value, "is empty")
    } else {
        invalid_input(what, value, "is longer than 1024 bytes")
    }
}

/// The error of a lookup that found nothing: `InvalidInput` if the name
/// or protocol holds a NUL byte (which no entry can), else `NotFound`.
#[cold]
#[inline(never)]
fn miss(name: Option<&str>, port: Option<Port>, proto: &str, source: &Arc<str>) -> io::Error {
    if let Some(name) = name.filter(|n| n.as_bytes().contains(&0)) {
        return invalid_input("service name", name, "contains a NUL byte");
    }
    if proto.as_bytes().contains(&0) {
        return invalid_input("protocol", proto, "contains a NUL byte");
    }
    ServiceMiss::error(name.unwrap_or(""), port, proto, source)
}

/// Looks up a service by name or alias in the system's services database
/// (Nim's `getServByName`): the first entry of `/etc/services` (Windows:
/// `%SystemRoot%\System32\drivers\etc\services`) named or aliased `name`,
/// case-sensitively, with protocol `proto` (`"tcp"`, `"udp"`, ...; `""`
/// for any protocol, C's `NULL`).
///
/// The answer is what the C library's `getservbyname_r` gives for every
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
#[inline(always)]
pub fn get_serv_by_name(name: &str, proto: &str) -> io::Result<Servent> {
    ServicesFile::system().get_serv_by_name(name, proto)
}

/// Looks up a service by port (host byte order) in the system's services
/// database (Nim's `getServByPort`): the first entry with that port and
/// protocol `proto` (`""` for any protocol).
///
/// Answers as `getservbyport_r` does, from the cached copy of the file,
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
#[inline(always)]
pub fn get_serv_by_port(port: Port, proto: &str) -> io::Result<Servent> {
    ServicesFile::system().get_serv_by_port(port, proto)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_parse_as_glibc_reads_them() {
        let e = parse_line(" \tfoo\t\t123/tcp  bar baz\r").unwrap();
        assert_eq!(e.name, "foo");
        assert_eq!(e.aliases, ["bar", "baz"]);
        assert_eq!((e.port, e.proto.as_str()), (Port(123), "tcp"));
        assert_eq!(parse_line("x 1/tcp#c").unwrap().proto, "tcp");
        assert_eq!(parse_line("x 1//tcp").unwrap().proto, "/tcp");
        assert_eq!(parse_line("x 0065535/udp").unwrap().port, Port(65535));
        for bad in [
            "",
            "   ",
            "# x 1/tcp",
            "x",
            "x 1",
            "x /tcp",
            "x 1/",
            "x a/tcp",
            "x 1 /tcp",
            "x 65536/tcp",
            "x +1/tcp",
            "x -1/tcp",
            "x#y 1/tcp",
            "x\u{0}1/tcp",
        ] {
            assert!(parse_line(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn the_embedded_table_has_the_well_known_services() {
        let db = ServicesDb::embedded();
        assert!(db.len() >= 300, "{}", db.len());
        for (name, port) in [("ssh", 22), ("http", 80), ("https", 443), ("domain", 53)] {
            assert_eq!(db.by_name(name, "tcp").unwrap().port, Port(port));
        }
    }

    #[test]
    fn a_name_repeated_in_its_own_aliases_is_listed_once() {
        let db = ServicesDb::parse("a 1/tcp a b a\na 2/udp\n");
        assert_eq!(db.by_name("a", "udp").unwrap().port, Port(2));
        let span = db.names["a"];
        assert_eq!(span.len, 2);
    }

    #[test]
    fn short_eq_and_the_hash_see_every_byte_of_every_length() {
        let hash = |b: &[u8]| {
            let mut h = FxHasher::default();
            h.write(b);
            h.finish()
        };
        for n in 0..=40 {
            let a: Vec<u8> = (0..n as u8).map(|i| b'a' + i % 26).collect();
            assert!(short_eq(&a, &a.clone()), "length {n}");
            assert_eq!(hash(&a), hash(&a.clone()), "length {n}");
            for at in 0..n {
                let mut b = a.clone();
                b[at] ^= 0x20;
                assert!(!short_eq(&a, &b), "length {n}, byte {at}");
                assert_ne!(hash(&a), hash(&b), "length {n}, byte {at}");
            }
            let longer = [&a[..], b"x"].concat();
            assert!(
                !short_eq(&a, &longer) && !short_eq(&longer, &a),
                "length {n}"
            );
        }
    }
}
