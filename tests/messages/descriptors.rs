//! Descriptors passed in `SCM_RIGHTS` messages: read, closed on drop
//! when not taken, truncated control areas, too many, between two
//! processes; and credentials.

use super::*;
use crate::common::{recv_fd_text, send_fd};
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::net::UnixStream;

/// A socket pair whose far end reports when every copy of the near
/// end is closed (a read gives end of stream): descriptor accounting
/// that other threads cannot disturb.
fn watched() -> (UnixStream, UnixStream) {
    let (near, far) = UnixStream::pair().unwrap();
    far.set_read_timeout(WAIT).unwrap();
    (near, far)
}

fn closed(far: &UnixStream) -> bool {
    let mut buf = [0u8; 1];
    matches!((&*far).read(&mut buf), Ok(0))
}

#[test]
#[cfg_attr(miri, ignore = "Unix-domain sockets, which Miri does not emulate")]
fn a_passed_descriptor_reads_the_file_and_closes_on_drop() {
    let (path, file) = temp_file("rights", b"through the socket");
    let (a, b) = pair(Domain::Unix, SockType::Stream, Protocol::Ip).unwrap();
    let (near, far) = watched();
    let fds = [file.as_fd(), near.as_fd()];
    let n = a
        .send_msg(
            None,
            &[IoSlice::new(b"!")],
            &[ControlMessage::Rights(&fds)],
            0,
        )
        .unwrap();
    assert_eq!(n, 1);
    drop(near);

    let mut byte = [0u8; 1];
    let mut control = vec![0u8; cmsg_space(2 * 4)];
    let mut msg = b
        .recv_msg(&mut [IoSliceMut::new(&mut byte)], &mut control, 0)
        .unwrap();
    assert_eq!(msg.len(), 1);
    assert!(!msg.is_control_truncated());
    assert_eq!(msg.fds().len(), 2);
    let numbers: Vec<_> = msg
        .control()
        .filter_map(|c| match c {
            ReceivedControl::Rights(list) => Some(list.iter().collect::<Vec<_>>()),
            _ => None,
        })
        .flatten()
        .collect();
    let owned: Vec<_> = msg.fds().iter().map(|f| f.as_raw_fd()).collect();
    assert_eq!(numbers, owned);
    let mut fds = msg.take_fds();
    let sock = fds.pop().unwrap();
    let mut received = std::fs::File::from(fds.pop().unwrap());
    let mut text = String::new();
    received.read_to_string(&mut text).unwrap();
    assert_eq!(text, "through the socket");
    // Close-on-exec, like every descriptor the crate makes.
    assert!(!SocketRef::from(&sock).is_inheritable().unwrap());
    assert!(!closed_nonblocking(&far));
    drop(sock);
    assert!(closed(&far), "the received descriptor was not closed");
    std::fs::remove_file(&path).unwrap();
}

fn closed_nonblocking(far: &UnixStream) -> bool {
    far.set_nonblocking(true).unwrap();
    let mut buf = [0u8; 1];
    let r = matches!((&*far).read(&mut buf), Ok(0));
    far.set_nonblocking(false).unwrap();
    r
}

#[test]
#[cfg_attr(miri, ignore = "Unix-domain sockets, which Miri does not emulate")]
fn descriptors_not_taken_are_closed_when_the_message_drops() {
    let (a, b) = pair(Domain::Unix, SockType::Stream, Protocol::Ip).unwrap();
    let (near, far) = watched();
    a.send_msg(
        None,
        &[IoSlice::new(b"x")],
        &[ControlMessage::Rights(&[near.as_fd()])],
        0,
    )
    .unwrap();
    drop(near);
    let mut byte = [0u8; 1];
    let mut control = [0u8; 64];
    let msg = b
        .recv_msg(&mut [IoSliceMut::new(&mut byte)], &mut control, 0)
        .unwrap();
    assert_eq!(msg.fds().len(), 1);
    assert!(!closed_nonblocking(&far));
    drop(msg);
    assert!(closed(&far));
}

#[test]
#[cfg_attr(miri, ignore = "Unix-domain sockets, which Miri does not emulate")]
fn a_truncated_control_area_is_reported_and_still_closes_what_arrived() {
    if qemu_gap("MSG_CTRUNC from a control area of the program's size") {
        return;
    }
    let (a, b) = pair(Domain::Unix, SockType::Stream, Protocol::Ip).unwrap();
    let watches: Vec<_> = (0..3).map(|_| watched()).collect();
    let fds: Vec<_> = watches.iter().map(|(n, _)| n.as_fd()).collect();
    a.send_msg(
        None,
        &[IoSlice::new(b"x")],
        &[ControlMessage::Rights(&fds)],
        0,
    )
    .unwrap();
    drop(fds);
    let fars: Vec<_> = watches.into_iter().map(|(_, far)| far).collect();

    let mut byte = [0u8; 1];
    // Room for one descriptor only.
    let mut control = vec![0u8; cmsg_space(4)];
    let msg = b
        .recv_msg(&mut [IoSliceMut::new(&mut byte)], &mut control, 0)
        .unwrap();
    assert!(msg.is_control_truncated());
    // What fitted (one or two, by the platform's alignment) is owned.
    assert!(msg.fds().len() < 3);
    drop(msg);
    for far in &fars {
        assert!(closed(far), "a descriptor of a truncated area leaked");
    }
}

#[test]
#[cfg_attr(miri, ignore = "Unix-domain sockets, which Miri does not emulate")]
fn too_many_descriptors_is_invalid_input_and_nothing_is_sent() {
    let (a, b) = pair(Domain::Unix, SockType::Stream, Protocol::Ip).unwrap();
    let many = vec![a.as_fd(); 254];
    let err = a
        .send_msg(
            None,
            &[IoSlice::new(b"x")],
            &[ControlMessage::Rights(&many)],
            0,
        )
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("254"), "{err}");
    b.set_blocking(false).unwrap();
    let mut buf = [0u8; 4];
    assert_eq!(b.recv(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
}

const CHILD: &str = "NATIVESOCKETS_MSG_CHILD_PATH";

/// The child connects to the parent's listener and passes it an open
/// file; the parent reads the file through the descriptor.
#[test]
#[cfg_attr(miri, ignore = "processes, which Miri does not emulate")]
fn a_descriptor_passes_between_two_processes() {
    if let Ok(path) = std::env::var(CHILD) {
        let s = new_native_socket(Domain::Unix, SockType::Stream, Protocol::Ip).unwrap();
        s.connect(&SockAddr::unix(&path).unwrap()).unwrap();
        let (fpath, file) = temp_file("child-file", b"written by the child");
        send_fd(&s, b"f", file.as_fd());
        std::fs::remove_file(fpath).unwrap();
        // Wait for the parent to finish before closing.
        let mut buf = [0u8; 1];
        let _ = s.recv(&mut buf);
        return;
    }
    let dir = std::env::temp_dir().join(format!("ns-msg-proc-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("l.sock");
    let l = new_native_socket(Domain::Unix, SockType::Stream, Protocol::Ip).unwrap();
    l.bind_addr(&SockAddr::unix(&path).unwrap()).unwrap();
    l.listen(1).unwrap();
    let mut child = nativesockets_testutil::process::this_test_alone(
        "descriptors::a_descriptor_passes_between_two_processes",
    )
    .env(CHILD, &path)
    .stdout(std::process::Stdio::null())
    .spawn()
    .unwrap();
    let (conn, _) = l.accept().unwrap();
    conn.set_read_timeout(WAIT).unwrap();
    let (_, text) = recv_fd_text(&conn);
    assert_eq!(text, "written by the child");
    conn.send(b"k").unwrap();
    assert!(child.wait().unwrap().success());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(target_os = "linux")]
#[test]
#[cfg_attr(miri, ignore = "Unix-domain sockets, which Miri does not emulate")]
fn credentials_arrive_with_passcred_and_can_be_sent() {
    let (a, b) = pair(Domain::Unix, SockType::Dgram, Protocol::Ip).unwrap();
    b.set_passcred(true).unwrap();
    assert!(b.passcred().unwrap());
    let me = Credentials::current();
    a.send_msg(
        None,
        &[IoSlice::new(b"c")],
        &[ControlMessage::Credentials(me)],
        0,
    )
    .unwrap();
    let mut byte = [0u8; 1];
    let mut control = [0u8; 64];
    let msg = b
        .recv_msg(&mut [IoSliceMut::new(&mut byte)], &mut control, 0)
        .unwrap();
    let got = msg.control().find_map(|c| match c {
        ReceivedControl::Credentials(c) => Some(c),
        _ => None,
    });
    assert_eq!(got, Some(me));
}
