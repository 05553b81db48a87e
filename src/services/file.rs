//! [`ServicesFile`]: a services file followed on disk, parsed on first use
//! and again when it changes, with a per-thread snapshot so lookups take
//! no lock; and the errors of a lookup.

use std::cell::RefCell;
use std::fmt;
use std::fs;
use std::hash::Hasher;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use super::db::embedded_arc;
use super::index::FxHasher;
use super::{Servent, ServicesDb};
use crate::error::{invalid_input, Shortened, MAX_NAME_LEN};
use crate::sys;
use crate::types::Port;

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
/// [`ServicesFile::system`] is the one that [`get_serv_by_name`](crate::get_serv_by_name) and
/// [`get_serv_by_port`](crate::get_serv_by_port) use; [`ServicesFile::new`] follows any file.
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

    /// Looks up a service by name or alias, as [`get_serv_by_name`](crate::get_serv_by_name) does,
    /// in this file.
    ///
    /// # Errors
    /// As [`get_serv_by_name`](crate::get_serv_by_name).
    // Always inlined (errors and reloads are out of line, so it is small):
    // the answer is then built where the caller keeps it. Returned from a
    // call, the 80-byte `io::Result<Servent>` was copied by the caller with
    // 16-byte loads of what the callee wrote in 8-byte stores, which the
    // CPU cannot forward, a large share of a lookup (BENCHMARKS.md, "What it
    // took to meet the targets").
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

    /// Looks up a service by port, as [`get_serv_by_port`](crate::get_serv_by_port) does, in this
    /// file.
    ///
    /// # Errors
    /// As [`get_serv_by_port`](crate::get_serv_by_port).
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
            None => write!(f, "service name {}", Shortened(name))?,
        }
        f.write_str(": no such service")?;
        if !proto.is_empty() {
            write!(f, " for protocol {}", Shortened(proto))?;
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
