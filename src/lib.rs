//! # nativesockets
//!
//! A low-level, cross-platform sockets interface: sockets with a typed
//! domain, type and protocol; binding, listening, accepting; the name
//! databases (`getaddrinfo`, services, hosts, protocols); local and peer
//! addresses; integer socket options; blocking mode; and select-style
//! readiness waiting.
//!
//! It carries every item of Nim's `nativesockets` module into Rust, without
//! that module's defects: no crash at descriptor 1024, ports always in host
//! byte order, thread-safe lookups, and errors that say what failed and
//! why. Each call is the OS call it names, with nothing hidden around it.
//!
//! Beyond Nim's module: vectored I/O, [`pair`], [`SocketHandle::send_file`],
//! messages with typed control data ([`SocketHandle::send_msg`],
//! [`SocketHandle::recv_msg`], [`ControlMessage`], [`ReceivedControl`]) and
//! batches with UDP GSO / GRO ([`SocketHandle::send_batch`],
//! [`SocketHandle::recv_batch`]); connecting by name with Happy Eyeballs
//! and one deadline ([`connect_host`], [`ConnectOptions`], [`ConnectError`]).
//!
//! | Nim | Rust |
//! |---|---|
//! | `Port`, `Domain`, `SockType`, `Protocol` | [`Port`], [`Domain`], [`SockType`], [`Protocol`] |
//! | `toInt`, `toKnownDomain`, `toSockType` | [`Domain::to_int`], [`Domain::from_int`], [`Protocol::sock_type`] |
//! | `SocketHandle`, `osInvalidSocket` | [`SocketHandle`] (owning), [`SocketRef`] (borrowed), [`OS_INVALID_SOCKET`] |
//! | `newNativeSocket`, `close` | [`new_native_socket`], [`new_native_socket_raw`], [`close`] |
//! | `bindAddr`, `listen`, `accept` | [`bind_addr`], [`listen`], [`accept`] |
//! | `ptr SockAddr`, `SockLen`, `getAddrString` | [`SockAddr`], [`SockLen`], [`get_addr_string`] |
//! | `getSockDomain`, `getSockName`, `getLocalAddr`, `getPeerAddr` | [`get_sock_domain`], [`get_sock_name`], [`get_local_addr`], [`get_peer_addr`] |
//! | `getSockOptInt`, `setSockOptInt` | [`get_sock_opt_int`], [`set_sock_opt_int`] |
//! | `setBlocking`, `setInheritable` | [`set_blocking`], [`set_inheritable`] |
//! | `ntohl`, `ntohs`, `htonl`, `htons` | [`ntohl`], [`ntohs`], [`htonl`], [`htons`] |
//! | `getAddrInfo`, `AddrInfo`, `dealloc` | [`get_addr_info`] giving an [`AddrInfoList`] of [`AddrInfo`] entries, freed on drop |
//! | `getServByName`, `getServByPort`, `Servent` | [`get_serv_by_name`], [`get_serv_by_port`], [`Servent`] (port in host order), over a cached [`ServicesFile`] / [`ServicesDb`] |
//! | `getHostByName`, `getHostByAddr`, `Hostent` | [`get_host_by_name`], [`get_host_by_addr`], [`Hostent`] (thread-safe `_r` calls) |
//! | `getHostname`, `getProtoByName` | [`get_hostname`], [`get_proto_by_name`] |
//! | `select`, `selectRead`, `selectWrite` | [`select`], [`select_read`], [`select_write`] over any [`AsSocketHandle`]; also [`SocketHandle::connect_timeout`] |
//! | Nim's `selectors` module (`newSelector`, `registerHandle`, `select`) | [`Poller`] with [`Interest`], [`PollMode`], [`Events`]: epoll, kqueue, IOCP with AFD |
//! | `IOCPARM_MASK`, `IOC_IN`, `FIONBIO`, [`ioctlsocket`] | `nativesockets::windows::*` (Windows only) |
//! | (beyond Nim) every socket option | typed methods of [`SocketHandle`], [`TcpInfo`], [`TcpKeepalive`], the generic [`SocketHandle::get_sock_opt`]; the table of all of them is the [`options`] module's page |
//!
//! # Example
//! ```
//! use nativesockets::*;
//!
//! let listener = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp)?;
//! listener.set_reuse_address(true)?;
//! bind_addr(&listener, &"127.0.0.1:0".parse::<SockAddr>()?)?;
//! listen(&listener, SOMAXCONN)?;
//! let (host, port) = get_local_addr(&listener)?;
//! assert_eq!(host, "127.0.0.1");
//!
//! // Any std socket can be borrowed and used with every function.
//! let client = std::net::TcpStream::connect(("127.0.0.1", u16::from(port)))?;
//! let (conn, _) = accept(&listener)?;
//! assert_eq!(get_peer_addr(&conn)?, get_local_addr(&SocketRef::from(&client))?);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! [`ioctlsocket`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-ioctlsocket

#![cfg_attr(docsrs, feature(doc_cfg))]
// build.rs's names for sets of platforms mean nothing to a reader: rustdoc
// shows the platforms each stands for, written out on the items it gates.
#![cfg_attr(
    docsrs,
    doc(auto_cfg(hide(
        linux_like,
        sa_len,
        hostent_r,
        protoent_r,
        no_ai_v4mapped,
        apple,
        keepalive_knobs,
        mreqn,
        ssm,
        tcp_info,
        fastopen,
        pmtud,
        dontfrag_v4,
        bind_index,
        tcp_congestion,
        original_dst,
        mmsg,
        in_pktinfo,
        epoll,
        kqueue,
        poll_backend,
        kqueue_user
    )))
)]
#![deny(missing_docs, missing_debug_implementations)]
#![warn(unsafe_op_in_unsafe_fn)]

#[cfg(not(any(unix, windows)))]
compile_error!("nativesockets supports Unix and Windows only");

// The ground floor (ARCHITECTURE.md): the platform layer and the error
// builders, which import nothing from the modules below them in this list.
mod error;
mod sys;

// The portable layer, one concern a file.
mod addr;
mod addrinfo;
mod batch;
mod connect;
mod conversions;
mod cstr;
mod errqueue;
mod hosts;
mod ip_text;
mod message;
mod netdb_files;
mod nim;
pub mod options;
mod pair;
mod poller;
mod ring;
mod select;
mod services;
mod socket;
mod sockref;
mod splice;
mod transfer;
mod types;
#[cfg(windows)]
pub mod windows;

pub use addr::{get_addr_string, RawSockAddr, RawSockAddrStorage, SockLen};
pub use addrinfo::{get_addr_info, AddrInfo, AddrInfoIter, AddrInfoList, RawAddrInfo};
pub use batch::{segmentation_offload, set_segmentation_offload, RecvBuffers, RecvMeta, Transmit};
pub use connect::{connect_host, ConnectError, ConnectEvent, ConnectOptions};
pub use errqueue::{
    ErrorOrigin, ErrorQueueEntry, ErrorQueueMsg, ExtendedError, TimestampKind, Timestamping,
    TxTimestamp, ZeroCopyCompletion, ERROR_QUEUE_CONTROL_SPACE,
};
pub use hosts::{get_host_by_addr, get_host_by_name, get_hostname, get_proto_by_name, Hostent};
pub use hosts::{get_protoent_by_name, get_protoent_by_number, Protoent};
pub use ip_text::{if_indextoname, if_nametoindex, parse_ip_text};
pub use message::control::{
    cmsg_space, control_space, ControlMessage, ReceivedControl, Timestamps,
};
#[cfg(unix)]
pub use message::control::{Credentials, Fds};
pub use message::parse::ControlMessages;
pub use message::RecvMsg;
pub use netdb_files::{parse_hosts, parse_protocols, read_hosts_file, read_protocols_file};
pub use nim::{
    accept, bind_addr, close, get_local_addr, get_peer_addr, get_sock_domain, get_sock_name,
    get_sock_opt_int, listen, new_native_socket, new_native_socket_raw, pair, set_blocking,
    set_inheritable, set_sock_opt_int,
};
pub use options::*;
pub use poller::{Event, Events, Interest, PollMode, Poller};
pub use ring::{
    Completion, Completions, OpId, OpKind, PoolBuf, Ring, RingBackend, RingOptions, RingWaker,
    WhenFull,
};
pub use select::{select, select_read, select_write, AsSocketHandle};
pub use services::{get_serv_by_name, get_serv_by_port, Servent, ServicesDb, ServicesFile};
pub use socket::{is_lost_before_accept, is_resource_exhausted, SocketHandle, SOMAXCONN};
pub use sockref::SocketRef;
pub use splice::SplicePipe;
pub use sys::msg_constants::*;
pub use sys::SockAddr;
pub use types::{
    htonl, htons, ntohl, ntohs, Domain, ParsePortError, Port, Protocol, RawSocketHandle, SockType,
    OS_INVALID_SOCKET,
};

/// The README's examples, compiled and run as doc tests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
