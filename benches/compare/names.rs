//! The name databases: services against glibc's `getservbyname_r` /
//! `getservbyport_r` (which read `/etc/services` line by line on every
//! call), and `get_addr_info` on numeric addresses against a raw
//! `getaddrinfo` + `freeaddrinfo` with the same hints.

use std::ffi::{CStr, CString};
use std::hint::black_box;
use std::mem::MaybeUninit;
use std::os::raw::{c_char, c_int};
use std::ptr;

use nativesockets::{self as ns, Domain, Port, Protocol, ServicesDb, SockType};

use crate::harness::{side, Bench, Target, ALLOCATIONS};

const SERVICES: &str = "/etc/services";

extern "C" {
    // glibc's reentrant services calls, which the libc crate does not
    // declare.
    fn getservbyname_r(
        name: *const c_char,
        proto: *const c_char,
        result_buf: *mut libc::servent,
        buf: *mut c_char,
        buflen: libc::size_t,
        result: *mut *mut libc::servent,
    ) -> c_int;
    fn getservbyport_r(
        port: c_int,
        proto: *const c_char,
        result_buf: *mut libc::servent,
        buf: *mut c_char,
        buflen: libc::size_t,
        result: *mut *mut libc::servent,
    ) -> c_int;
}

/// What a caller of the reentrant C calls keeps: the entry and the buffer
/// its strings point into.
struct CServent {
    ent: MaybeUninit<libc::servent>,
    buf: [c_char; 4096],
}

impl CServent {
    fn new() -> CServent {
        CServent {
            ent: MaybeUninit::uninit(),
            buf: [0; 4096],
        }
    }

    /// `getservbyname_r`; the official name when found.
    fn by_name(&mut self, name: &CStr, proto: &CStr) -> Option<&CStr> {
        let mut res: *mut libc::servent = ptr::null_mut();
        // SAFETY: the strings are NUL-terminated; the entry, the buffer
        // and the result pointer are valid for glibc to write.
        let r = unsafe {
            getservbyname_r(
                name.as_ptr(),
                proto.as_ptr(),
                self.ent.as_mut_ptr(),
                self.buf.as_mut_ptr(),
                self.buf.len(),
                &mut res,
            )
        };
        self.answer(r, res)
    }

    /// `getservbyport_r` (the port in network byte order, as C wants it).
    fn by_port(&mut self, port: u16, proto: &CStr) -> Option<&CStr> {
        let mut res: *mut libc::servent = ptr::null_mut();
        // SAFETY: as in `by_name`.
        let r = unsafe {
            getservbyport_r(
                c_int::from(port.to_be()),
                proto.as_ptr(),
                self.ent.as_mut_ptr(),
                self.buf.as_mut_ptr(),
                self.buf.len(),
                &mut res,
            )
        };
        self.answer(r, res)
    }

    fn answer(&self, r: c_int, res: *mut libc::servent) -> Option<&CStr> {
        assert_eq!(r, 0, "getservby*_r failed: {r}");
        if res.is_null() {
            return None;
        }
        // SAFETY: on success `res` points at `self.ent`, whose name points
        // into `self.buf`, both alive as long as `self`.
        Some(unsafe { CStr::from_ptr((*res).s_name) })
    }
}

/// The first and the last entry of the file, and a port no entry has.
struct Picks {
    top: (String, u16, String),
    end: (String, u16, String),
    free_port: u16,
}

fn picks(text: &str) -> Option<Picks> {
    let entries: Vec<(String, u16, String)> = text
        .lines()
        .filter_map(|l| {
            let l = l.split('#').next().unwrap_or("");
            let mut f = l.split_whitespace();
            let name = f.next()?;
            let (port, proto) = f.next()?.split_once('/')?;
            Some((name.to_string(), port.parse().ok()?, proto.to_string()))
        })
        .collect();
    let top = entries.first()?.clone();
    let end = entries.last()?.clone();
    let free_port = (1024..=65535u16)
        .rev()
        .find(|p| entries.iter().all(|e| e.1 != *p))?;
    Some(Picks {
        top,
        end,
        free_port,
    })
}

pub fn run(b: &mut Bench) {
    services(b);
    addr_info(b, "127.0.0.1", Domain::Inet, "IPv4 127.0.0.1");
    addr_info(b, "::1", Domain::Inet6, "IPv6 ::1");
}

fn services(b: &mut Bench) {
    let text = match std::fs::read_to_string(SERVICES) {
        Ok(t) => t,
        Err(e) => {
            b.skip(
                "services",
                format!("{SERVICES}: {e} (glibc has nothing to compare with)"),
            );
            return;
        }
    };
    let Some(p) = picks(&text) else {
        b.skip("services", format!("{SERVICES} has no entries"));
        return;
    };

    // Parsing, and what the parsed database holds on the heap.
    let parse_case = "ServicesDb::from_path (/etc/services, whole file)";
    if b.wants(parse_case) {
        let before = ALLOCATIONS.start();
        let db = ServicesDb::from_path(SERVICES).expect("ServicesDb::from_path");
        let (allocs, live) = ALLOCATIONS.stop(before);
        b.note(format!(
            "ServicesDb::from_path({SERVICES}): {} entries, {} allocations, {} bytes live on the heap \
             after parsing ({:.1} KiB; target < 256 KiB)",
            db.len(),
            allocs,
            live,
            live as f64 / 1024.0
        ));
        drop(db);
        b.compare(
            parse_case,
            side("nativesockets ServicesDb::from_path", Target::Info, |n| {
                for _ in 0..n {
                    black_box(ServicesDb::from_path(SERVICES).unwrap());
                }
            }),
            vec![side(
                "glibc getservent_r over the whole file",
                Target::OursAtMostNs(1_000_000.0),
                |n| {
                    for _ in 0..n {
                        black_box(walk_with_glibc());
                    }
                },
            )],
        );
    }

    let db = ServicesDb::from_path(SERVICES).expect("ServicesDb::from_path");
    let tcp = c"tcp";
    let miss_name = "no-such-service";
    let lookups: [(&str, &(String, u16, String), f64); 2] =
        [("top", &p.top, 100.0), ("end", &p.end, 300.0)];

    for (where_, (name, port, proto), times) in lookups {
        let c_name = CString::new(name.as_str()).unwrap();
        let c_proto = CString::new(proto.as_str()).unwrap();
        let target = Target::AtMost(1.0 / times);

        let ours = ns::get_serv_by_name(name, proto).expect("get_serv_by_name");
        let mut c = CServent::new();
        assert_eq!(
            c.by_name(&c_name, &c_proto).map(|s| s.to_str().unwrap()),
            Some(ours.name.as_str())
        );
        let case = format!("get_serv_by_name, {where_} of file ({name}/{proto})");
        if b.wants(&case) {
            b.compare(
                &case,
                side("nativesockets get_serv_by_name", Target::Info, |n| {
                    for _ in 0..n {
                        black_box(ns::get_serv_by_name(black_box(name), proto).unwrap());
                    }
                }),
                vec![glibc_by_name(&c_name, &c_proto, target)],
            );
        }
        let case = format!("ServicesDb::by_name (reference), {where_} of file ({name}/{proto})");
        if b.wants(&case) {
            assert_eq!(db.by_name(name, proto), Some(&ours));
            b.compare(
                &case,
                side("nativesockets ServicesDb::by_name", Target::Info, |n| {
                    for _ in 0..n {
                        black_box(db.by_name(black_box(name), proto).unwrap());
                    }
                }),
                vec![glibc_by_name(&c_name, &c_proto, target)],
            );
        }

        let port = Port(*port);
        let ours = ns::get_serv_by_port(port, proto).expect("get_serv_by_port");
        assert_eq!(
            c.by_port(port.0, &c_proto).map(|s| s.to_str().unwrap()),
            Some(ours.name.as_str())
        );
        let case = format!("get_serv_by_port, {where_} of file ({}/{proto})", port.0);
        if b.wants(&case) {
            b.compare(
                &case,
                side("nativesockets get_serv_by_port", Target::Info, |n| {
                    for _ in 0..n {
                        black_box(ns::get_serv_by_port(black_box(port), proto).unwrap());
                    }
                }),
                vec![glibc_by_port(port.0, &c_proto, target)],
            );
        }
        let case = format!(
            "ServicesDb::by_port (reference), {where_} of file ({}/{proto})",
            port.0
        );
        if b.wants(&case) {
            b.compare(
                &case,
                side("nativesockets ServicesDb::by_port", Target::Info, |n| {
                    for _ in 0..n {
                        black_box(db.by_port(black_box(port), proto).unwrap());
                    }
                }),
                vec![glibc_by_port(port.0, &c_proto, target)],
            );
        }
    }

    // Misses: glibc reads the whole file to say no.
    let miss = Target::AtMost(1.0 / 300.0);
    let c_miss = CString::new(miss_name).unwrap();
    let mut c = CServent::new();
    assert!(c.by_name(&c_miss, tcp).is_none());
    assert!(c.by_port(p.free_port, tcp).is_none());
    let case = format!("get_serv_by_name, miss ({miss_name}/tcp)");
    if b.wants(&case) {
        b.compare(
            &case,
            side("nativesockets get_serv_by_name", Target::Info, |n| {
                for _ in 0..n {
                    black_box(ns::get_serv_by_name(black_box(miss_name), "tcp").unwrap_err());
                }
            }),
            vec![glibc_by_name(&c_miss, tcp, miss)],
        );
    }
    let case = format!("ServicesDb::by_name (reference), miss ({miss_name}/tcp)");
    if b.wants(&case) {
        b.compare(
            &case,
            side("nativesockets ServicesDb::by_name", Target::Info, |n| {
                for _ in 0..n {
                    assert!(db.by_name(black_box(miss_name), "tcp").is_none());
                }
            }),
            vec![glibc_by_name(&c_miss, tcp, miss)],
        );
    }
    let free = Port(p.free_port);
    let case = format!("get_serv_by_port, miss ({}/tcp)", free.0);
    if b.wants(&case) {
        b.compare(
            &case,
            side("nativesockets get_serv_by_port", Target::Info, |n| {
                for _ in 0..n {
                    black_box(ns::get_serv_by_port(black_box(free), "tcp").unwrap_err());
                }
            }),
            vec![glibc_by_port(free.0, tcp, miss)],
        );
    }
    let case = format!("ServicesDb::by_port (reference), miss ({}/tcp)", free.0);
    if b.wants(&case) {
        b.compare(
            &case,
            side("nativesockets ServicesDb::by_port", Target::Info, |n| {
                for _ in 0..n {
                    assert!(db.by_port(black_box(free), "tcp").is_none());
                }
            }),
            vec![glibc_by_port(free.0, tcp, miss)],
        );
    }

    // Lookups by reference must not allocate.
    let before = ALLOCATIONS.start();
    for _ in 0..1000 {
        black_box(db.by_name(black_box(&p.end.0), &p.end.2));
        black_box(db.by_port(black_box(Port(p.end.1)), &p.end.2));
        black_box(db.by_name(black_box(miss_name), "tcp"));
    }
    let (allocs, _) = ALLOCATIONS.stop(before);
    b.note(format!(
        "ServicesDb::by_name/by_port by reference: {allocs} allocations in 3000 lookups"
    ));
}

fn glibc_by_name<'a>(name: &'a CStr, proto: &'a CStr, target: Target) -> crate::harness::Side<'a> {
    let mut c = Box::new(CServent::new());
    side("glibc getservbyname_r", target, move |n| {
        for _ in 0..n {
            black_box(c.by_name(black_box(name), proto).is_some());
        }
    })
}

fn glibc_by_port(port: u16, proto: &CStr, target: Target) -> crate::harness::Side<'_> {
    let mut c = Box::new(CServent::new());
    side("glibc getservbyport_r", target, move |n| {
        for _ in 0..n {
            black_box(c.by_port(black_box(port), proto).is_some());
        }
    })
}

extern "C" {
    fn getservent_r(
        result_buf: *mut libc::servent,
        buf: *mut c_char,
        buflen: libc::size_t,
        result: *mut *mut libc::servent,
    ) -> c_int;
    fn endservent();
}

/// Every entry through glibc: `setservent`, `getservent_r` until the end,
/// `endservent`. Returns how many entries there were.
fn walk_with_glibc() -> usize {
    let mut c = CServent::new();
    let mut count = 0;
    // SAFETY: setservent/getservent_r/endservent on one thread's walk;
    // nothing else in this benchmark uses the database iterator (the
    // `_r` lookups do not).
    unsafe {
        libc::setservent(0);
        loop {
            let mut res: *mut libc::servent = ptr::null_mut();
            let r = getservent_r(
                c.ent.as_mut_ptr(),
                c.buf.as_mut_ptr(),
                c.buf.len(),
                &mut res,
            );
            if r != 0 || res.is_null() {
                break;
            }
            count += 1;
        }
        endservent();
    }
    count
}

fn addr_info(b: &mut Bench, address: &'static str, domain: Domain, label: &str) {
    let case = format!("get_addr_info, numeric {label}, port 80, TCP");
    if !b.wants(&case) {
        return;
    }
    // The hints the crate passes for this query (see src/addrinfo.rs):
    // canonical name asked for, numeric service, v4-mapped for IPv6.
    let mut flags = libc::AI_CANONNAME | libc::AI_NUMERICSERV;
    if domain == Domain::Inet6 {
        flags |= libc::AI_V4MAPPED;
    }
    // SAFETY: an all-zero addrinfo is the "no hints" value C programs
    // start from.
    let mut hints: libc::addrinfo = unsafe { std::mem::zeroed() };
    hints.ai_flags = flags;
    hints.ai_family = domain.to_int();
    hints.ai_socktype = SockType::Stream.to_int();
    hints.ai_protocol = Protocol::Tcp.to_int();
    let node = CString::new(address).unwrap();
    let service = c"80";

    let ours = ns::get_addr_info(address, Port(80), domain, SockType::Stream, Protocol::Tcp)
        .expect("get_addr_info");
    assert!(ours.iter().count() >= 1);

    assert_eq!(raw_getaddrinfo(&node, service, &hints), ours.iter().count());

    b.compare(
        &case,
        side("nativesockets get_addr_info", Target::Info, |n| {
            for _ in 0..n {
                let list = ns::get_addr_info(
                    black_box(address),
                    Port(80),
                    domain,
                    SockType::Stream,
                    Protocol::Tcp,
                )
                .unwrap();
                drop(black_box(list));
            }
        }),
        vec![
            side(
                "libc getaddrinfo + freeaddrinfo (same hints, C strings ready)",
                Target::AtMost(1.05),
                |n| {
                    for _ in 0..n {
                        raw_getaddrinfo_free(black_box(&node), service, &hints);
                    }
                },
            ),
            // What a Rust caller of the raw call has to do with the same
            // inputs as ours (a &str and a port number).
            side(
                "libc getaddrinfo + freeaddrinfo, C strings made from &str + u16 per call",
                Target::Info,
                |n| {
                    for _ in 0..n {
                        let node = CString::new(black_box(address)).unwrap();
                        let service = CString::new(black_box(80u16).to_string()).unwrap();
                        raw_getaddrinfo_free(&node, &service, &hints);
                    }
                },
            ),
        ],
    );
}

/// One `getaddrinfo` + `freeaddrinfo`; returns how many entries came
/// (to check both sides get the same answer).
fn raw_getaddrinfo(node: &CStr, service: &CStr, hints: &libc::addrinfo) -> usize {
    let mut res: *mut libc::addrinfo = ptr::null_mut();
    // SAFETY: NUL-terminated strings, valid hints and out pointer.
    let r = unsafe { libc::getaddrinfo(node.as_ptr(), service.as_ptr(), hints, &mut res) };
    assert_eq!(r, 0, "getaddrinfo: {r}");
    let mut count = 0;
    let mut p = res;
    while !p.is_null() {
        count += 1;
        // SAFETY: walking the list getaddrinfo returned.
        p = unsafe { (*p).ai_next };
    }
    // SAFETY: `res` came from getaddrinfo and is freed once.
    unsafe { libc::freeaddrinfo(res) };
    count
}

/// One `getaddrinfo` + `freeaddrinfo`, nothing more: what the benchmark
/// times.
fn raw_getaddrinfo_free(node: &CStr, service: &CStr, hints: &libc::addrinfo) {
    let mut res: *mut libc::addrinfo = ptr::null_mut();
    // SAFETY: NUL-terminated strings, valid hints and out pointer.
    let r = unsafe { libc::getaddrinfo(node.as_ptr(), service.as_ptr(), hints, &mut res) };
    assert_eq!(r, 0, "getaddrinfo: {r}");
    // SAFETY: `res` came from getaddrinfo and is freed once.
    unsafe { libc::freeaddrinfo(black_box(res)) };
}
