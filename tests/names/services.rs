//! The services database: well-known ports, errors naming the query, a
//! services file parsed as the C library reads it, reloaded when it
//! changes, the embedded table when it is missing, and every entry of the
//! system's file against the C library.

use super::*;

#[test]
fn well_known_services_have_host_order_ports() {
    let http = get_serv_by_name("http", "tcp").unwrap();
    assert_eq!(http.port, Port(80));
    assert_eq!(http.proto, "tcp");
    assert_eq!(get_serv_by_port(Port(22), "tcp").unwrap().name, "ssh");
    assert_eq!(get_serv_by_name("domain", "").unwrap().port, Port(53));
}

#[test]
fn service_lookup_errors_name_the_query() {
    let e = get_serv_by_name("no-such-service", "tcp").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    let text = e.to_string();
    assert!(
        text.starts_with("service name \"no-such-service\": no such service"),
        "{text}"
    );
    assert!(text.contains("\"tcp\""), "{text}");
    let path = ServicesFile::system().path().display().to_string();
    assert!(text.contains(&path), "{text}");
    assert!(format!("{e:?}").contains("no-such-service"));

    let e = get_serv_by_port(Port(1), "udp").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(
        e.to_string()
            .starts_with("service port 1: no such service for protocol \"udp\""),
        "{e}"
    );

    for (name, proto) in [("", "tcp"), ("a\0b", "tcp"), ("http", "t\0cp")] {
        let e = get_serv_by_name(name, proto).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{name:?} {proto:?}");
    }
    let long = "s".repeat(1025);
    let e = get_serv_by_name(&long, "").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().len() < 200, "{e}");
    assert_eq!(
        get_serv_by_port(Port(80), &long).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    let e = get_serv_by_port(Port(80), "t\0cp").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(
        e.to_string()
            .starts_with("protocol \"t\\0cp\": contains a NUL"),
        "{e}"
    );
}

#[test]
fn a_services_file_parses_as_the_c_library_reads_it() {
    let dir = TempDir::new("parse");
    let path = dir.0.join("services");
    std::fs::write(
        &path,
        "# comment line\n\
         \n\
         \t  \n\
         alpha\t\t1000/tcp\t\ta1 a2   # trailing comment\n\
         alpha 1000/udp a1\n\
         beta 1001/tcp alpha\n\
         alpha 1002/tcp dup-later\n\
         bad-no-port\n\
         bad-port x/tcp\n\
         bad-slash 1003\n\
         bad-range 65536/tcp\n\
         bad-range2 99999999999/udp\n\
         Gamma 65535/sctp#glued comment\n\
         delta 0/tcp\r\n\
         epsilon 1004/tcp eps#not-an-alias\n",
    )
    .unwrap();
    let db = ServicesDb::from_path(&path).unwrap();
    let names: Vec<&str> = db.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["alpha", "alpha", "beta", "alpha", "Gamma", "delta", "epsilon"]
    );
    assert_eq!(db.len(), 7);

    // Names and aliases, first match in file order, case-sensitive.
    let a = db.by_name("alpha", "").unwrap();
    assert_eq!(
        (a.port, a.proto.as_str(), a.aliases.clone()),
        (Port(1000), "tcp", vec!["a1".into(), "a2".into()])
    );
    assert_eq!(db.by_name("alpha", "udp").unwrap().port, Port(1000));
    assert_eq!(db.by_name("a2", "udp"), None);
    // `beta` lists `alpha` as an alias, after the first `alpha` line.
    assert_eq!(db.by_name("alpha", "tcp").unwrap().port, Port(1000));
    assert_eq!(db.by_name("dup-later", "tcp").unwrap().port, Port(1002));
    assert_eq!(db.by_name("gamma", ""), None);
    assert_eq!(db.by_name("Gamma", "sctp").unwrap().port, Port(65535));
    assert_eq!(db.by_port(Port(0), "tcp").unwrap().name, "delta");
    assert_eq!(db.by_name("eps", "").unwrap().aliases, ["eps"]);
    assert_eq!(db.by_name("not-an-alias", ""), None);
    for bad in [
        "bad-no-port",
        "bad-port",
        "bad-slash",
        "bad-range",
        "bad-range2",
    ] {
        assert_eq!(db.by_name(bad, ""), None, "{bad}");
    }
    assert_eq!(db.by_port(Port(1000), "udp").unwrap().proto, "udp");
    assert_eq!(db.by_port(Port(1000), "sctp"), None);

    // The same file through a ServicesFile answers the same, owned.
    let file = ServicesFile::new(&path);
    assert_eq!(
        file.get_serv_by_name("a1", "udp").unwrap(),
        db.by_name("a1", "udp").unwrap().clone()
    );
    assert!(!file.uses_embedded());
    assert_eq!(file.db().len(), 7);

    let missing = ServicesDb::from_path(dir.0.join("nope")).unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    assert!(missing.to_string().contains("nope"), "{missing}");
}

#[test]
fn a_services_file_change_is_seen_within_one_second() {
    let dir = TempDir::new("reload");
    let path = dir.0.join("services");
    std::fs::write(&path, "svc 1111/tcp old\n").unwrap();
    let file = ServicesFile::new(&path);
    assert_eq!(
        file.get_serv_by_name("svc", "tcp").unwrap().port,
        Port(1111)
    );
    // Same size, written right away: only the content differs.
    std::fs::write(&path, "svc 2222/tcp new\n").unwrap();
    thread::sleep(Duration::from_millis(1100));
    let svc = file.get_serv_by_name("svc", "tcp").unwrap();
    assert_eq!(
        (svc.port, svc.aliases.clone()),
        (Port(2222), vec!["new".to_string()])
    );
    assert!(file.get_serv_by_name("old", "").is_err());
    assert_eq!(file.get_serv_by_port(Port(2222), "").unwrap().name, "svc");

    // Gone: the embedded table answers, and says so in errors.
    std::fs::remove_file(&path).unwrap();
    thread::sleep(Duration::from_millis(1100));
    assert!(file.uses_embedded());
    assert_eq!(file.get_serv_by_name("ssh", "tcp").unwrap().port, Port(22));
    let e = file.get_serv_by_name("svc", "tcp").unwrap_err();
    assert!(e.to_string().contains("embedded services table"), "{e}");

    // Back again.
    std::fs::write(&path, "svc 3333/udp\n").unwrap();
    thread::sleep(Duration::from_millis(1100));
    assert!(!file.uses_embedded());
    assert_eq!(file.get_serv_by_name("svc", "").unwrap().port, Port(3333));
}

#[test]
fn a_missing_services_file_falls_back_to_the_embedded_table() {
    let dir = TempDir::new("missing");
    let file = ServicesFile::new(dir.0.join("services"));
    assert!(file.uses_embedded());
    assert_eq!(
        file.get_serv_by_name("https", "tcp").unwrap().port,
        Port(443)
    );
    assert_eq!(file.db().len(), ServicesDb::embedded().len());
    assert!(format!("{file:?}").contains("services"));
}

/// glibc's reentrant services calls, for the parity test.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod c_services {
    use std::ffi::{CStr, CString};
    use std::os::raw::{c_char, c_int};

    use nativesockets::{Port, Servent};

    extern "C" {
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

    fn call(
        f: impl FnOnce(
            *const c_char,
            *mut libc::servent,
            *mut c_char,
            usize,
            *mut *mut libc::servent,
        ) -> c_int,
        proto: &str,
    ) -> Option<Servent> {
        let proto = CString::new(proto).unwrap();
        let proto_ptr = if proto.as_bytes().is_empty() {
            std::ptr::null()
        } else {
            proto.as_ptr()
        };
        let mut buf = vec![0 as c_char; 64 * 1024];
        // SAFETY: zeroed servent is a valid out value.
        let mut ent: libc::servent = unsafe { std::mem::zeroed() };
        let mut result = std::ptr::null_mut();
        let ret = f(
            proto_ptr,
            &mut ent,
            buf.as_mut_ptr(),
            buf.len(),
            &mut result,
        );
        assert_ne!(ret, libc::ERANGE);
        if result.is_null() {
            return None;
        }
        let text = |p: *const c_char| {
            // SAFETY: the C library filled p with a NUL-terminated string.
            unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
        };
        let mut aliases = Vec::new();
        let mut p = ent.s_aliases;
        // SAFETY: s_aliases is a null-terminated array of strings.
        while unsafe { !(*p).is_null() } {
            // SAFETY: the loop's test just read *p as a non-null entry of
            // the same array.
            aliases.push(text(unsafe { *p }));
            // SAFETY: still inside the array.
            p = unsafe { p.add(1) };
        }
        Some(Servent {
            name: text(ent.s_name),
            aliases,
            port: Port(u16::from_be(ent.s_port as u16)),
            proto: text(ent.s_proto),
        })
    }

    pub fn by_name(name: &str, proto: &str) -> Option<Servent> {
        let name = CString::new(name).unwrap();
        // SAFETY: valid strings and buffers, as `call` passes them.
        call(
            |p, e, b, l, r| unsafe { getservbyname_r(name.as_ptr(), p, e, b, l, r) },
            proto,
        )
    }

    pub fn by_port(port: u16, proto: &str) -> Option<Servent> {
        // SAFETY: valid strings and buffers, as `call` passes them.
        call(
            |p, e, b, l, r| unsafe { getservbyport_r(c_int::from(port.to_be()), p, e, b, l, r) },
            proto,
        )
    }
}

#[test]
#[cfg_attr(
    not(all(target_os = "linux", target_env = "gnu")),
    ignore = "compares with glibc's getservbyname_r/getservbyport_r"
)]
#[cfg_attr(miri, ignore = "getservbyname_r(3), which Miri does not emulate")]
fn every_entry_of_the_system_services_file_answers_as_the_c_library() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let path = ServicesFile::system().path().to_path_buf();
        let Ok(text) = std::fs::read_to_string(&path) else {
            // No file: the C library knows nothing, the crate the embedded
            // table.
            assert!(ServicesFile::system().uses_embedded());
            assert_eq!(c_services::by_name("http", ""), None);
            return;
        };
        let db = ServicesDb::from_path(&path).unwrap();
        let mut lines = 0;
        let mut compared = 0;
        for line in text.lines() {
            let line = line.split('#').next().unwrap();
            let mut fields = line.split_whitespace();
            let (Some(name), Some(port_proto)) = (fields.next(), fields.next()) else {
                continue;
            };
            let Some((port, proto)) = port_proto.split_once('/') else {
                continue;
            };
            let port: u16 = port.parse().unwrap();
            let aliases: Vec<&str> = fields.collect();
            lines += 1;
            for key in std::iter::once(name).chain(aliases.iter().copied()) {
                for p in [proto, ""] {
                    let c = c_services::by_name(key, p);
                    assert!(c.is_some(), "the C library does not find {key}/{p:?}");
                    assert_eq!(get_serv_by_name(key, p).ok(), c, "{key}/{p:?}");
                    assert_eq!(db.by_name(key, p), c.as_ref(), "{key}/{p:?}");
                    compared += 1;
                }
            }
            for p in [proto, ""] {
                let c = c_services::by_port(port, p);
                assert!(c.is_some(), "the C library does not find {port}/{p:?}");
                assert_eq!(get_serv_by_port(Port(port), p).ok(), c, "{port}/{p:?}");
                assert_eq!(db.by_port(Port(port), p), c.as_ref(), "{port}/{p:?}");
                compared += 1;
            }
        }
        assert_eq!(
            lines,
            db.len(),
            "entries parsed by the test and by the crate"
        );
        assert!(
            compared > 2 * lines,
            "{compared} comparisons for {lines} lines"
        );
        // And misses agree.
        for (name, proto) in [
            ("no-such-service", ""),
            ("HTTP", "tcp"),
            ("http", "no-such-proto"),
        ] {
            assert_eq!(c_services::by_name(name, proto), None);
            assert_eq!(
                get_serv_by_name(name, proto).unwrap_err().kind(),
                ErrorKind::NotFound
            );
        }
        for port in [0u16, 1, 65535] {
            assert_eq!(
                get_serv_by_port(Port(port), "").ok(),
                c_services::by_port(port, ""),
                "{port}"
            );
        }
    }
}
