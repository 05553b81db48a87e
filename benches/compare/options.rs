//! Typed options: one getter and one setter of each kind of value (int,
//! bool, duration, struct) and `tcp_info()`, against the raw
//! `getsockopt` / `setsockopt` a program would write instead. Each must
//! cost what the system call costs (at most 1.05 of it); socket2 is shown
//! beside it for scale.

use std::hint::black_box;
use std::mem;
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsRawFd, RawFd};
use std::os::raw::c_int;
use std::time::Duration;

use nativesockets::{self as ns, Domain, Protocol, SockType, SocketHandle, SocketRef};

use crate::harness::{side, Bench, Target};

const AT_MOST_1_05: Target = Target::AtMost(1.05);

pub fn run(b: &mut Bench) {
    let s = ns::new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp)
        .expect("new_native_socket");
    int(b, &s);
    boolean(b, &s);
    duration(b, &s);
    structure(b, &s);
    tcp_info(b);
}

/// `getsockopt` of a plain `T`, as a raw program writes it.
fn raw_get<T: Copy>(fd: RawFd, level: c_int, name: c_int) -> T {
    let mut value = mem::MaybeUninit::<T>::zeroed();
    let mut len = mem::size_of::<T>() as libc::socklen_t;
    // SAFETY: `value` and `len` are valid for the kernel to write.
    let r = unsafe { libc::getsockopt(fd, level, name, value.as_mut_ptr().cast(), &mut len) };
    assert_eq!(r, 0, "getsockopt: {}", std::io::Error::last_os_error());
    // SAFETY: zeroed, then written by the kernel; `T` is a C type.
    unsafe { value.assume_init() }
}

/// `setsockopt` of a plain `T`.
fn raw_set<T: Copy>(fd: RawFd, level: c_int, name: c_int, value: T) {
    // SAFETY: `value` is live for the length passed.
    let r = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (&value as *const T).cast(),
            mem::size_of::<T>() as libc::socklen_t,
        )
    };
    assert_eq!(r, 0, "setsockopt: {}", std::io::Error::last_os_error());
}

fn int(b: &mut Bench, s: &SocketHandle) {
    let fd = s.as_raw();
    let case = "option get, int: ttl() (IP_TTL)";
    if b.wants(case) {
        b.compare(
            case,
            side("nativesockets", Target::Info, |n| {
                for _ in 0..n {
                    black_box(black_box(s).ttl().unwrap());
                }
            }),
            vec![
                side("libc getsockopt", AT_MOST_1_05, |n| {
                    for _ in 0..n {
                        black_box(raw_get::<c_int>(
                            black_box(fd),
                            libc::IPPROTO_IP,
                            libc::IP_TTL,
                        ));
                    }
                }),
                side("socket2 ttl_v4", Target::Info, |n| {
                    let r = socket2::SockRef::from(s);
                    for _ in 0..n {
                        black_box(r.ttl_v4().unwrap());
                    }
                }),
            ],
        );
    }
    let case = "option set, int: set_ttl (IP_TTL, alternating 64/65)";
    if b.wants(case) {
        b.compare(
            case,
            side("nativesockets", Target::Info, |n| {
                for i in 0..n {
                    black_box(s).set_ttl(64 + (i & 1) as u32).unwrap();
                }
            }),
            vec![
                side("libc setsockopt", AT_MOST_1_05, |n| {
                    for i in 0..n {
                        raw_set::<c_int>(
                            black_box(fd),
                            libc::IPPROTO_IP,
                            libc::IP_TTL,
                            64 + (i & 1) as c_int,
                        );
                    }
                }),
                side("socket2 set_ttl_v4", Target::Info, |n| {
                    let r = socket2::SockRef::from(s);
                    for i in 0..n {
                        r.set_ttl_v4(64 + (i & 1) as u32).unwrap();
                    }
                }),
            ],
        );
    }
}

fn boolean(b: &mut Bench, s: &SocketHandle) {
    let fd = s.as_raw();
    let case = "option get, bool: keepalive() (SO_KEEPALIVE)";
    if b.wants(case) {
        b.compare(
            case,
            side("nativesockets", Target::Info, |n| {
                for _ in 0..n {
                    black_box(black_box(s).keepalive().unwrap());
                }
            }),
            vec![
                side("libc getsockopt", AT_MOST_1_05, |n| {
                    for _ in 0..n {
                        let v =
                            raw_get::<c_int>(black_box(fd), libc::SOL_SOCKET, libc::SO_KEEPALIVE);
                        black_box(v != 0);
                    }
                }),
                side("socket2 keepalive", Target::Info, |n| {
                    let r = socket2::SockRef::from(s);
                    for _ in 0..n {
                        black_box(r.keepalive().unwrap());
                    }
                }),
            ],
        );
    }
    let case = "option set, bool: set_tcp_quickack (alternating)";
    if b.wants(case) {
        b.compare(
            case,
            side("nativesockets", Target::Info, |n| {
                for i in 0..n {
                    black_box(s).set_tcp_quickack(i & 1 == 1).unwrap();
                }
            }),
            vec![
                side("libc setsockopt", AT_MOST_1_05, |n| {
                    for i in 0..n {
                        raw_set::<c_int>(
                            black_box(fd),
                            libc::IPPROTO_TCP,
                            libc::TCP_QUICKACK,
                            (i & 1) as c_int,
                        );
                    }
                }),
                side("socket2 set_tcp_quickack", Target::Info, |n| {
                    let r = socket2::SockRef::from(s);
                    for i in 0..n {
                        r.set_tcp_quickack(i & 1 == 1).unwrap();
                    }
                }),
            ],
        );
    }
}

fn duration(b: &mut Bench, s: &SocketHandle) {
    let fd = s.as_raw();
    s.set_read_timeout(Some(Duration::from_millis(1500)))
        .unwrap();
    let case = "option get, duration: read_timeout() (SO_RCVTIMEO)";
    if b.wants(case) {
        b.compare(
            case,
            side("nativesockets", Target::Info, |n| {
                for _ in 0..n {
                    black_box(black_box(s).read_timeout().unwrap());
                }
            }),
            vec![
                side("libc getsockopt", AT_MOST_1_05, |n| {
                    for _ in 0..n {
                        let tv = raw_get::<libc::timeval>(
                            black_box(fd),
                            libc::SOL_SOCKET,
                            libc::SO_RCVTIMEO,
                        );
                        let d = (tv.tv_sec != 0 || tv.tv_usec != 0)
                            .then(|| Duration::new(tv.tv_sec as u64, tv.tv_usec as u32 * 1000));
                        black_box(d);
                    }
                }),
                side("socket2 read_timeout", Target::Info, |n| {
                    let r = socket2::SockRef::from(s);
                    for _ in 0..n {
                        black_box(r.read_timeout().unwrap());
                    }
                }),
            ],
        );
    }
    let case = "option set, duration: set_tcp_user_timeout (alternating)";
    if b.wants(case) {
        let ms = [Duration::from_millis(2000), Duration::from_millis(3000)];
        b.compare(
            case,
            side("nativesockets", Target::Info, |n| {
                for i in 0..n {
                    black_box(s)
                        .set_tcp_user_timeout(Some(ms[(i & 1) as usize]))
                        .unwrap();
                }
            }),
            vec![
                side("libc setsockopt", AT_MOST_1_05, |n| {
                    for i in 0..n {
                        let v = ms[(i & 1) as usize].as_millis() as c_int;
                        raw_set::<c_int>(
                            black_box(fd),
                            libc::IPPROTO_TCP,
                            libc::TCP_USER_TIMEOUT,
                            v,
                        );
                    }
                }),
                side("socket2 set_tcp_user_timeout", Target::Info, |n| {
                    let r = socket2::SockRef::from(s);
                    for i in 0..n {
                        r.set_tcp_user_timeout(Some(ms[(i & 1) as usize])).unwrap();
                    }
                }),
            ],
        );
    }
}

fn structure(b: &mut Bench, s: &SocketHandle) {
    let fd = s.as_raw();
    s.set_linger(Some(Duration::from_secs(3))).unwrap();
    let case = "option get, struct: linger() (SO_LINGER)";
    if b.wants(case) {
        b.compare(
            case,
            side("nativesockets", Target::Info, |n| {
                for _ in 0..n {
                    black_box(black_box(s).linger().unwrap());
                }
            }),
            vec![
                side("libc getsockopt", AT_MOST_1_05, |n| {
                    for _ in 0..n {
                        let l = raw_get::<libc::linger>(
                            black_box(fd),
                            libc::SOL_SOCKET,
                            libc::SO_LINGER,
                        );
                        black_box((l.l_onoff != 0).then(|| Duration::from_secs(l.l_linger as u64)));
                    }
                }),
                side("socket2 linger", Target::Info, |n| {
                    let r = socket2::SockRef::from(s);
                    for _ in 0..n {
                        black_box(r.linger().unwrap());
                    }
                }),
            ],
        );
    }
    let case = "option set, struct: set_linger (alternating 3 s/4 s)";
    if b.wants(case) {
        b.compare(
            case,
            side("nativesockets", Target::Info, |n| {
                for i in 0..n {
                    black_box(s)
                        .set_linger(Some(Duration::from_secs(3 + (i & 1))))
                        .unwrap();
                }
            }),
            vec![
                side("libc setsockopt", AT_MOST_1_05, |n| {
                    for i in 0..n {
                        let l = libc::linger {
                            l_onoff: 1,
                            l_linger: 3 + (i & 1) as c_int,
                        };
                        raw_set(black_box(fd), libc::SOL_SOCKET, libc::SO_LINGER, l);
                    }
                }),
                side("socket2 set_linger", Target::Info, |n| {
                    let r = socket2::SockRef::from(s);
                    for i in 0..n {
                        r.set_linger(Some(Duration::from_secs(3 + (i & 1))))
                            .unwrap();
                    }
                }),
            ],
        );
    }
}

fn tcp_info(b: &mut Bench) {
    let case = "tcp_info() (TCP_INFO, live loopback connection)";
    if !b.wants(case) {
        return;
    }
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let client = TcpStream::connect(listener.local_addr().unwrap()).expect("connect");
    let _server = listener.accept().expect("accept");
    let r = SocketRef::from(&client);
    let fd = client.as_raw_fd();
    b.compare(
        case,
        side("nativesockets", Target::Info, |n| {
            for _ in 0..n {
                black_box(black_box(&*r).tcp_info().unwrap());
            }
        }),
        vec![side("libc getsockopt(TCP_INFO)", AT_MOST_1_05, |n| {
            for _ in 0..n {
                black_box(raw_get::<libc::tcp_info>(
                    black_box(fd),
                    libc::IPPROTO_TCP,
                    libc::TCP_INFO,
                ));
            }
        })],
    );
}
