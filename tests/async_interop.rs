//! The crate's sockets in the async runtimes' own readiness machinery:
//! tokio's `AsyncFd` and async-io's `Async` (itself built on polling),
//! each carrying a loopback round trip. What they need is `AsFd`/`AsRawFd`
//! and non-blocking mode, which `SocketHandle` has.
//!
//! Linux only: the runtimes are dev-dependencies there alone, to keep the
//! other platforms' builds light.

#![cfg(target_os = "linux")]

use std::io;

use nativesockets::*;

mod common;

/// A connected non-blocking pair of crate sockets: (client, accepted).
fn pair() -> (SocketHandle, SocketHandle) {
    let (c, a) = common::handle_tcp_pair();
    c.set_blocking(false).unwrap();
    a.set_blocking(false).unwrap();
    (c, a)
}

#[test]
#[cfg_attr(miri, ignore = "epoll, which Miri does not emulate")]
fn a_crate_socket_round_trips_through_tokio_async_fd() {
    use tokio::io::unix::AsyncFd;

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .unwrap();
    let (c, a) = pair();
    let got: io::Result<Vec<u8>> = rt.block_on(async move {
        // SAFETY: each SocketHandle owns its descriptor and always returns
        // it from as_raw_fd; the AsyncFd owns the handle until dropped.
        let c = unsafe { AsyncFd::register(c) }?;
        // SAFETY: as above.
        let a = unsafe { AsyncFd::register(a) }?;
        // Send "ping" when writable, read it on the other side when readable.
        loop {
            let mut guard = c.writable().await?;
            if let Ok(r) = guard.try_io(|s| s.get_ref().send(b"ping")) {
                assert_eq!(r?, 4);
                break;
            }
        }
        let mut buf = [0u8; 4];
        let mut got = 0;
        while got < 4 {
            let mut guard = a.readable().await?;
            match guard.try_io(|s| s.get_ref().recv(&mut buf[got..])) {
                Ok(r) => got += r?,
                Err(_would_block) => continue,
            }
        }
        assert_eq!(&buf, b"ping");
        a.get_ref().send(b"pong")?;
        let mut back = [0u8; 4];
        loop {
            let mut guard = c.readable().await?;
            if let Ok(r) = guard.try_io(|s| s.get_ref().recv(&mut back)) {
                assert_eq!(r?, 4);
                break;
            }
        }
        Ok(back.to_vec())
    });
    assert_eq!(got.unwrap(), b"pong");
}

#[test]
#[cfg_attr(miri, ignore = "epoll, which Miri does not emulate")]
fn a_crate_socket_round_trips_through_async_io_async() {
    let (c, a) = pair();
    let got: io::Result<Vec<u8>> = async_io::block_on(async move {
        let c = async_io::Async::new(c)?;
        let a = async_io::Async::new(a)?;
        c.write_with(|s| s.send(b"ping")).await?;
        let mut buf = [0u8; 4];
        let n = a.read_with(|s| s.recv(&mut buf)).await?;
        assert_eq!(&buf[..n], b"ping");
        a.write_with(|s| s.send(b"pong")).await?;
        let mut back = [0u8; 4];
        let n = c.read_with(|s| s.recv(&mut back)).await?;
        Ok(back[..n].to_vec())
    });
    assert_eq!(got.unwrap(), b"pong");
}
