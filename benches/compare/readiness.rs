//! `select` over many idle sockets with one ready, against a raw `poll(2)`
//! and (below descriptor 1024) a raw `select(2)` as Nim calls it.
//!
//! The idle sockets are unbound UDP sockets (never readable; an
//! unconnected TCP socket would report a hang-up and count as ready). The
//! ready one is a bound UDP socket holding one datagram that is never read,
//! placed in the middle. Every side does one whole call per operation and
//! ends with the list of ready handles: ours refills its vector (the call
//! keeps only the ready handles in it), raw `poll` scans its `pollfd`
//! array, raw `select` rebuilds its `fd_set` and tests every bit, as a C
//! program must.

use std::hint::black_box;
use std::mem;
use std::net::UdpSocket;
use std::os::fd::RawFd;

use nativesockets::{self as ns, Domain, Protocol, SockType, SocketHandle};

use crate::harness::{side, Bench, Target};

const AT_MOST_1_10: Target = Target::AtMost(1.10);

pub fn run(b: &mut Bench) {
    for count in [1_000usize, 10_000] {
        let case = format!("select over {count} idle sockets, one ready (timeout 0)");
        if b.wants(&case) {
            select_many(b, &case, count);
        }
    }
}

/// Raises the soft descriptor limit towards the hard one so `want`
/// descriptors fit; returns whether they do.
fn room_for(want: usize) -> bool {
    // SAFETY: an all-zero rlimit is valid; getrlimit fills it.
    let mut lim: libc::rlimit = unsafe { mem::zeroed() };
    // SAFETY: `lim` is a valid rlimit to fill.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return false;
    }
    let want = want as libc::rlim_t;
    if lim.rlim_cur >= want {
        return true;
    }
    if lim.rlim_max < want {
        return false;
    }
    lim.rlim_cur = want;
    // SAFETY: raising the soft limit up to the hard one is always allowed.
    unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) == 0 }
}

fn select_many(b: &mut Bench, case: &str, count: usize) {
    // The sockets, the benchmark's other descriptors and some slack.
    if !room_for(count + 256) {
        b.skip(
            case,
            format!("RLIMIT_NOFILE's hard limit is below {}", count + 256),
        );
        return;
    }
    let ready = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let mut handles: Vec<SocketHandle> = (0..count - 1)
        .map(|_| {
            ns::new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp)
                .expect("new_native_socket(Inet, Dgram, Udp)")
        })
        .collect();
    handles.insert(count / 2, SocketHandle::from(ready));
    {
        let sender = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let to = handles[count / 2].local_addr().unwrap();
        sender
            .send_to(b"ready", to.as_socket_addr().unwrap())
            .expect("send");
    }
    let fds: Vec<RawFd> = handles.iter().map(SocketHandle::as_raw).collect();
    let max_fd = *fds.iter().max().unwrap();

    // The answer every side must give: the one ready handle.
    let mut check: Vec<&SocketHandle> = handles.iter().collect();
    // Wait for the datagram to land (it is local: at once, but not
    // necessarily before `send_to` returns on every kernel).
    assert_eq!(ns::select(&mut check, 1000).expect("select"), 1);
    assert_eq!(check[0].as_raw(), fds[count / 2]);

    let mut pollfds: Vec<libc::pollfd> = fds
        .iter()
        .map(|&fd| libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();

    let ours = side("nativesockets select", Target::Info, {
        let handles = &handles;
        let mut v: Vec<&SocketHandle> = Vec::with_capacity(count);
        move |n| {
            for _ in 0..n {
                v.clear();
                v.extend(handles.iter());
                assert_eq!(ns::select(&mut v, 0).expect("select"), 1);
                black_box(&v);
            }
        }
    });
    let mut alts = vec![side("libc poll + scan", AT_MOST_1_10, {
        let pollfds = &mut pollfds;
        let mut out: Vec<RawFd> = Vec::with_capacity(count);
        move |n| {
            for _ in 0..n {
                // SAFETY: the array is valid for its length; the kernel
                // writes only `revents`.
                let r = unsafe { libc::poll(pollfds.as_mut_ptr(), pollfds.len() as _, 0) };
                assert_eq!(r, 1, "poll: {}", std::io::Error::last_os_error());
                out.clear();
                out.extend(pollfds.iter().filter(|p| p.revents != 0).map(|p| p.fd));
                black_box(&out);
            }
        }
    })];
    if (max_fd as usize) < libc::FD_SETSIZE {
        let fds = &fds;
        alts.push(side("libc select(2) with fd_set", AT_MOST_1_10, {
            let mut out: Vec<RawFd> = Vec::with_capacity(count);
            move |n| {
                for _ in 0..n {
                    // SAFETY: an all-zero fd_set is the empty set; every
                    // descriptor is below FD_SETSIZE (checked above).
                    let mut set: libc::fd_set = unsafe { mem::zeroed() };
                    for &fd in fds {
                        // SAFETY: as above.
                        unsafe { libc::FD_SET(fd, &mut set) };
                    }
                    let mut tv = libc::timeval {
                        tv_sec: 0,
                        tv_usec: 0,
                    };
                    // SAFETY: the set and timeval are valid; the other
                    // sets are absent.
                    let r = unsafe {
                        libc::select(
                            max_fd + 1,
                            &mut set,
                            std::ptr::null_mut(),
                            std::ptr::null_mut(),
                            &mut tv,
                        )
                    };
                    assert_eq!(r, 1, "select: {}", std::io::Error::last_os_error());
                    out.clear();
                    // SAFETY: FD_ISSET reads the set the kernel wrote.
                    out.extend(
                        fds.iter()
                            .copied()
                            .filter(|&fd| unsafe { libc::FD_ISSET(fd, &set) }),
                    );
                    black_box(&out);
                }
            }
        }));
    } else {
        b.note(format!(
            "{case}: no raw select(2) row, descriptors reach {max_fd} (FD_SETSIZE is {})",
            libc::FD_SETSIZE
        ));
    }
    b.compare(case, ours, alts);
    drop(handles);
}
