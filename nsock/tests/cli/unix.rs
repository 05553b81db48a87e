//! `listen` and `connect` on Unix-domain sockets (stream and datagram,
//! paths in a temporary directory).

use super::*;

use nativesockets_testutil::files::TempDir;

#[test]
fn unix_stream_sockets_move_data_both_ways_and_the_file_is_removed() {
    let dir = TempDir::new("stream");
    let path = dir.0.join("relay.sock");
    let p = path.to_str().unwrap();
    let up = pattern(3 << 20, 11);
    let down = pattern(1 << 20, 13);
    let (at_listener, at_connector) =
        exchange(&["--unix", p], &["--unix", p], up.clone(), down.clone());
    assert!(at_listener == up);
    assert!(at_connector == down);
    assert!(!path.exists(), "listen removes its socket file on exit");
}

#[test]
fn unix_datagram_sockets_carry_datagrams_both_ways() {
    let dir = TempDir::new("dgram");
    let path = dir.0.join("dgram.sock");
    let p = path.to_str().unwrap();
    let l = listen(&["--unix", p, "--udp"]);
    let c = connect(&["--unix", p, "--udp", "-q"]);
    let pid = c.id();
    ping_pong(l, c);
    // On Linux the client's own address is an abstract name: however it
    // ends (here killed), no file of its stays in the temporary directory.
    if cfg!(target_os = "linux") {
        let own = std::env::temp_dir().join(format!("nsock-{pid}.sock"));
        assert!(!own.exists(), "{} left behind", own.display());
    }
}

#[test]
fn listen_on_an_existing_directory_or_file_says_what_is_there() {
    let dir = TempDir::new("what");
    let d = dir.0.to_str().unwrap();
    assert_fails(&run(&["listen", "--unix", d]), 1, "is a directory");
    let file = dir.0.join("plain");
    std::fs::write(&file, b"x").unwrap();
    assert_fails(
        &run(&["listen", "--unix", file.to_str().unwrap()]),
        1,
        "not a socket",
    );
    let sock = dir.0.join("s.sock");
    let _owner = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    assert_fails(
        &run(&["listen", "--unix", sock.to_str().unwrap()]),
        1,
        "a socket file is already there",
    );
}

#[test]
fn listen_on_a_path_in_use_fails_and_leaves_the_file() {
    let dir = TempDir::new("busy");
    let path = dir.0.join("busy.sock");
    let _owner = std::os::unix::net::UnixListener::bind(&path).unwrap();
    let o = run(&["listen", "--unix", path.to_str().unwrap()]);
    assert_fails(&o, 1, path.to_str().unwrap());
    assert!(
        path.exists(),
        "a socket file nsock did not create is left alone"
    );
    let long = "x".repeat(200);
    assert_fails(&run(&["connect", "--unix", &long]), 2, "xxxx");
}
