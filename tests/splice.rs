//! `SplicePipe` and `splice_to_pipe` / `splice_from_pipe`: a stream moved
//! between two connections through the kernel, its end, a full pipe, and
//! `Unsupported` where there is no `splice`.

// Every test here needs sockets, pipes and splice(2), which Miri does not emulate.
#![cfg(not(miri))]

use std::io;

use nativesockets::*;

#[cfg(any(target_os = "linux", target_os = "android"))]
fn tcp_pair() -> (SocketHandle, SocketHandle) {
    pair(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap()
}

#[test]
#[cfg(any(target_os = "linux", target_os = "android"))]
fn a_megabyte_goes_from_one_connection_to_another_and_its_end_is_seen() {
    let (a, b) = tcp_pair();
    let (c, d) = tcp_pair();
    b.set_blocking(false).unwrap();
    c.set_blocking(false).unwrap();
    let data: Vec<u8> = (0..1 << 20).map(|i: u32| (i * 31 % 251) as u8).collect();
    let sent = data.clone();
    let writer = std::thread::spawn(move || {
        let mut rest = &sent[..];
        while !rest.is_empty() {
            rest = &rest[a.send(rest).unwrap()..];
        }
        a.shutdown(std::net::Shutdown::Write).unwrap();
    });
    let reader = std::thread::spawn(move || {
        let mut got = Vec::new();
        let mut buf = vec![0u8; 65536];
        loop {
            match d.recv(&mut buf).unwrap() {
                0 => return got,
                n => got.extend_from_slice(&buf[..n]),
            }
        }
    });
    let mut pipe = SplicePipe::new().unwrap();
    let mut ended = false;
    while !ended || !pipe.is_empty() {
        if !ended {
            match b.splice_to_pipe(&mut pipe, 65536) {
                Ok(0) => ended = true,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => panic!("splice_to_pipe: {e}"),
            }
        }
        match c.splice_from_pipe(&mut pipe, usize::MAX) {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => panic!("splice_from_pipe: {e}"),
        }
        if pipe.is_empty() && !ended {
            let mut ready = vec![&b];
            select_read(&mut ready, 10_000).unwrap();
        }
    }
    c.shutdown(std::net::Shutdown::Write).unwrap();
    writer.join().unwrap();
    assert!(reader.join().unwrap() == data, "the bytes came out changed");
}

#[test]
#[cfg(any(target_os = "linux", target_os = "android"))]
fn a_full_pipe_and_an_empty_socket_would_block_and_an_empty_pipe_sends_nothing() {
    let (a, b) = tcp_pair();
    let (c, _d) = tcp_pair();
    b.set_blocking(false).unwrap();
    let mut pipe = SplicePipe::new().unwrap();
    let err = b.splice_to_pipe(&mut pipe, 4096).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
    assert_eq!(c.splice_from_pipe(&mut pipe, 100).unwrap(), 0);
    // More than the pipe's 16 slots take: the rest waits in b.
    let chunk = vec![1u8; 16 << 20];
    let mut sent = 0;
    a.set_blocking(false).unwrap();
    while sent < chunk.len() {
        match a.send(&chunk[sent..]) {
            Ok(n) => sent += n,
            Err(_) => break,
        }
    }
    let mut held = 0;
    loop {
        match b.splice_to_pipe(&mut pipe, 1 << 20) {
            Ok(n) => held += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(pipe.len(), held);
    assert!(held > 0 && held < sent, "held {held} of {sent}");
    let mut rest = [0u8; 16];
    assert!(
        b.recv(&mut rest).unwrap() > 0,
        "what the pipe could not take is still in b"
    );
}

#[test]
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn elsewhere_there_is_no_splice() {
    let err = SplicePipe::new().unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::Unsupported);
    assert!(err.to_string().contains("splice"), "{err}");
}
