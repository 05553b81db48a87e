//! The thin calls: socket creation, integer options, blocking mode and the
//! local address. Each must cost what the system call costs.

use std::ffi::CStr;
use std::hint::black_box;
use std::mem::{self, ManuallyDrop, MaybeUninit};
use std::net::{TcpListener, TcpStream};
use std::os::fd::{FromRawFd, RawFd};
use std::os::raw::{c_char, c_int, c_void};

use nativesockets::{self as ns, Domain, Protocol, SockType, SocketHandle};

use crate::harness::{side, Bench, Target};

const AT_MOST_1_05: Target = Target::AtMost(1.05);

pub fn run(b: &mut Bench) {
    create_and_close(b);
    int_options(b);
    blocking(b);
    sock_name(b);
    local_addr(b, "127.0.0.1:0", "IPv4");
    local_addr(b, "[::1]:0", "IPv6");
}

fn new_tcp() -> SocketHandle {
    ns::new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp)
        .expect("new_native_socket(Inet, Stream, Tcp)")
}

/// A std view of a descriptor owned elsewhere, never closed by std.
fn std_view<T: FromRawFd>(fd: RawFd) -> ManuallyDrop<T> {
    // SAFETY: `fd` is an open socket owned by the caller, which outlives
    // the view; ManuallyDrop keeps the view from closing it.
    ManuallyDrop::new(unsafe { T::from_raw_fd(fd) })
}

fn create_and_close(b: &mut Bench) {
    let case = "new_native_socket + close (TCP/IPv4)";
    if !b.wants(case) {
        return;
    }
    b.compare(
        case,
        side("nativesockets", Target::Info, |n| {
            for _ in 0..n {
                let s = ns::new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp)
                    .expect("new_native_socket");
                ns::close(black_box(s)).expect("close");
            }
        }),
        vec![
            side("libc socket(SOCK_CLOEXEC) + close", AT_MOST_1_05, |n| {
                for _ in 0..n {
                    // SAFETY: plain system calls on a descriptor made here.
                    let fd = unsafe {
                        libc::socket(
                            libc::AF_INET,
                            libc::SOCK_STREAM | libc::SOCK_CLOEXEC,
                            libc::IPPROTO_TCP,
                        )
                    };
                    assert!(fd >= 0, "socket: {}", std::io::Error::last_os_error());
                    // SAFETY: `fd` was just created and is closed once.
                    let r = unsafe { libc::close(black_box(fd)) };
                    assert_eq!(r, 0, "close: {}", std::io::Error::last_os_error());
                }
            }),
            side("socket2 Socket::new + drop", AT_MOST_1_05, |n| {
                for _ in 0..n {
                    let s = socket2::Socket::new(
                        socket2::Domain::IPV4,
                        socket2::Type::STREAM,
                        Some(socket2::Protocol::TCP),
                    )
                    .expect("socket2::Socket::new");
                    drop(black_box(s));
                }
            }),
        ],
    );
}

fn raw_getsockopt(fd: RawFd, level: c_int, name: c_int) -> c_int {
    let mut value: c_int = 0;
    let mut len = mem::size_of::<c_int>() as libc::socklen_t;
    // SAFETY: `value` and `len` are valid for the kernel to write.
    let r =
        unsafe { libc::getsockopt(fd, level, name, (&mut value as *mut c_int).cast(), &mut len) };
    assert_eq!(r, 0, "getsockopt: {}", std::io::Error::last_os_error());
    value
}

fn raw_setsockopt(fd: RawFd, level: c_int, name: c_int, value: c_int) {
    // SAFETY: `value` is a live int of the length passed.
    let r = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (&value as *const c_int).cast(),
            mem::size_of::<c_int>() as libc::socklen_t,
        )
    };
    assert_eq!(r, 0, "setsockopt: {}", std::io::Error::last_os_error());
}

fn int_options(b: &mut Bench) {
    let s = new_tcp();
    let fd = s.as_raw();
    let case = "get_sock_opt_int (SO_RCVBUF)";
    if b.wants(case) {
        b.compare(
            case,
            side("nativesockets", Target::Info, |n| {
                for _ in 0..n {
                    black_box(ns::get_sock_opt_int(&s, ns::SOL_SOCKET, ns::SO_RCVBUF).unwrap());
                }
            }),
            vec![
                side("libc getsockopt", AT_MOST_1_05, |n| {
                    for _ in 0..n {
                        black_box(raw_getsockopt(
                            black_box(fd),
                            libc::SOL_SOCKET,
                            libc::SO_RCVBUF,
                        ));
                    }
                }),
                side("socket2 recv_buffer_size", AT_MOST_1_05, |n| {
                    let r = socket2::SockRef::from(&s);
                    for _ in 0..n {
                        black_box(r.recv_buffer_size().unwrap());
                    }
                }),
            ],
        );
    }

    let case = "set_sock_opt_int (TCP_NODELAY, alternating 1/0)";
    if b.wants(case) {
        b.compare(
            case,
            side("nativesockets", Target::Info, |n| {
                for i in 0..n {
                    ns::set_sock_opt_int(&s, ns::IPPROTO_TCP, ns::TCP_NODELAY, (i & 1) as i32)
                        .unwrap();
                }
            }),
            vec![
                side("libc setsockopt", AT_MOST_1_05, |n| {
                    for i in 0..n {
                        raw_setsockopt(
                            black_box(fd),
                            libc::IPPROTO_TCP,
                            libc::TCP_NODELAY,
                            (i & 1) as c_int,
                        );
                    }
                }),
                side("socket2 set_tcp_nodelay", AT_MOST_1_05, |n| {
                    let r = socket2::SockRef::from(&s);
                    for i in 0..n {
                        r.set_tcp_nodelay(i & 1 == 1).unwrap();
                    }
                }),
            ],
        );
    }
}

fn blocking(b: &mut Bench) {
    let case = "set_blocking (alternating)";
    if !b.wants(case) {
        return;
    }
    let s = new_tcp();
    let fd = s.as_raw();
    b.compare(
        case,
        side("nativesockets", Target::Info, |n| {
            for i in 0..n {
                ns::set_blocking(&s, i & 1 == 0).unwrap();
            }
        }),
        vec![
            side("libc ioctl(FIONBIO)", AT_MOST_1_05, |n| {
                for i in 0..n {
                    let mut on = c_int::from(i & 1 == 1);
                    // SAFETY: FIONBIO reads one int from a live pointer.
                    let r = unsafe { libc::ioctl(black_box(fd), libc::FIONBIO, &mut on) };
                    assert_eq!(r, 0, "ioctl: {}", std::io::Error::last_os_error());
                }
            }),
            side("libc fcntl(F_GETFL) + fcntl(F_SETFL)", AT_MOST_1_05, |n| {
                for i in 0..n {
                    let fd = black_box(fd);
                    // SAFETY: F_GETFL / F_SETFL on an open descriptor.
                    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
                    assert!(flags >= 0, "fcntl: {}", std::io::Error::last_os_error());
                    let flags = if i & 1 == 1 {
                        flags | libc::O_NONBLOCK
                    } else {
                        flags & !libc::O_NONBLOCK
                    };
                    // SAFETY: as above.
                    let r = unsafe { libc::fcntl(fd, libc::F_SETFL, flags) };
                    assert_eq!(r, 0, "fcntl: {}", std::io::Error::last_os_error());
                }
            }),
            side("socket2 set_nonblocking (fcntl)", AT_MOST_1_05, |n| {
                let r = socket2::SockRef::from(&s);
                for i in 0..n {
                    r.set_nonblocking(i & 1 == 1).unwrap();
                }
            }),
            side("std set_nonblocking (ioctl)", AT_MOST_1_05, |n| {
                let t = std_view::<TcpStream>(fd);
                for i in 0..n {
                    t.set_nonblocking(i & 1 == 1).unwrap();
                }
            }),
        ],
    );
}

/// A listening socket on `addr`, owned by the crate's handle.
fn listener(addr: &str) -> SocketHandle {
    SocketHandle::from(TcpListener::bind(addr).expect("bind a loopback listener"))
}

/// `getsockname` into uninitialised storage, as a C program does.
fn raw_getsockname(fd: RawFd) -> libc::sockaddr_storage {
    let mut ss = MaybeUninit::<libc::sockaddr_storage>::uninit();
    let mut len = mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    // SAFETY: the storage and length are valid for the kernel to write.
    let r = unsafe { libc::getsockname(fd, ss.as_mut_ptr().cast(), &mut len) };
    assert_eq!(r, 0, "getsockname: {}", std::io::Error::last_os_error());
    // SAFETY: the kernel wrote `len` bytes, which include the family and
    // (for the IP families this benchmark uses) the whole address; the
    // rest of the storage is never read.
    unsafe { ss.assume_init() }
}

fn raw_port(ss: &libc::sockaddr_storage) -> u16 {
    match c_int::from(ss.ss_family) {
        libc::AF_INET => {
            // SAFETY: the family says this is a sockaddr_in.
            let sin =
                unsafe { &*(ss as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>() };
            u16::from_be(sin.sin_port)
        }
        libc::AF_INET6 => {
            // SAFETY: the family says this is a sockaddr_in6.
            let sin6 =
                unsafe { &*(ss as *const libc::sockaddr_storage).cast::<libc::sockaddr_in6>() };
            u16::from_be(sin6.sin6_port)
        }
        _ => 0,
    }
}

fn sock_name(b: &mut Bench) {
    let case = "get_sock_name (port, IPv4)";
    if !b.wants(case) {
        return;
    }
    let l = listener("127.0.0.1:0");
    let fd = l.as_raw();
    let port = ns::get_sock_name(&l).unwrap().0;
    assert_eq!(raw_port(&raw_getsockname(fd)), port);
    b.compare(
        case,
        side("nativesockets", Target::Info, |n| {
            for _ in 0..n {
                black_box(ns::get_sock_name(black_box(&l)).unwrap());
            }
        }),
        vec![
            side("libc getsockname + ntohs", AT_MOST_1_05, |n| {
                for _ in 0..n {
                    black_box(raw_port(&raw_getsockname(black_box(fd))));
                }
            }),
            side("std local_addr().port()", AT_MOST_1_05, |n| {
                let t = std_view::<TcpListener>(fd);
                for _ in 0..n {
                    black_box(t.local_addr().unwrap().port());
                }
            }),
            side("socket2 local_addr()", AT_MOST_1_05, |n| {
                let r = socket2::SockRef::from(&l);
                for _ in 0..n {
                    black_box(r.local_addr().unwrap().as_socket().unwrap().port());
                }
            }),
        ],
    );
}

/// `<arpa/inet.h>`'s longest IPv6 text plus its NUL.
const INET6_ADDRSTRLEN: usize = 46;

extern "C" {
    // glibc's, which the libc crate does not declare.
    fn inet_ntop(
        af: c_int,
        src: *const c_void,
        dst: *mut c_char,
        size: libc::socklen_t,
    ) -> *const c_char;
}

/// What a C-minded Rust program writes for "local address as text":
/// `getsockname`, `inet_ntop` into a stack buffer, then a `String`.
fn raw_local_addr(fd: RawFd) -> (String, u16) {
    let ss = raw_getsockname(fd);
    let mut buf = [0 as c_char; INET6_ADDRSTRLEN];
    let family = c_int::from(ss.ss_family);
    let src: *const c_void = match family {
        libc::AF_INET => {
            // SAFETY: the family says this is a sockaddr_in.
            let sin =
                unsafe { &*(&ss as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>() };
            (&sin.sin_addr as *const libc::in_addr).cast()
        }
        libc::AF_INET6 => {
            // SAFETY: the family says this is a sockaddr_in6.
            let sin6 =
                unsafe { &*(&ss as *const libc::sockaddr_storage).cast::<libc::sockaddr_in6>() };
            (&sin6.sin6_addr as *const libc::in6_addr).cast()
        }
        f => panic!("unexpected family {f}"),
    };
    // SAFETY: `src` points at an address of `family`; `buf` has room for
    // the longest text form.
    let p = unsafe { inet_ntop(family, src, buf.as_mut_ptr(), buf.len() as libc::socklen_t) };
    assert!(
        !p.is_null(),
        "inet_ntop: {}",
        std::io::Error::last_os_error()
    );
    // SAFETY: inet_ntop wrote a NUL-terminated string into `buf`.
    let text = unsafe { CStr::from_ptr(buf.as_ptr()) };
    (text.to_str().expect("ASCII").to_owned(), raw_port(&ss))
}

fn local_addr(b: &mut Bench, bind: &str, family: &str) {
    let case = format!("get_local_addr ({family})");
    if !b.wants(&case) {
        return;
    }
    let l = listener(bind);
    let fd = l.as_raw();
    let (text, port) = ns::get_local_addr(&l).unwrap();
    assert_eq!(raw_local_addr(fd), (text, port.0));
    b.compare(
        &case,
        side("nativesockets", Target::Info, |n| {
            for _ in 0..n {
                black_box(ns::get_local_addr(black_box(&l)).unwrap());
            }
        }),
        vec![
            side("libc getsockname + inet_ntop + String", AT_MOST_1_05, |n| {
                for _ in 0..n {
                    black_box(raw_local_addr(black_box(fd)));
                }
            }),
            side("std local_addr() + ip().to_string()", AT_MOST_1_05, |n| {
                let t = std_view::<TcpListener>(fd);
                for _ in 0..n {
                    let a = t.local_addr().unwrap();
                    black_box((a.ip().to_string(), a.port()));
                }
            }),
        ],
    );
}
