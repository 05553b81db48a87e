//! `nsock ping`: against iputils' `ping` on 127.0.0.1 and ::1 (the same
//! counts, times of the same order, the same output shapes), the socket
//! it picks as `net.ipv4.ping_group_range` says (both choices made for
//! real, the datagram one in a namespace of the test's own), `-i 0`,
//! JSON, bad input, and a time-exceeded error from a second hop.
//!
//! Linux only: it reads the sysctl, and iputils and network namespaces
//! are Linux's. Tests that need root, iputils or `ip netns` skip, saying
//! why, without them.

#![cfg(target_os = "linux")]

use super::*;

fn is_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| {
            use std::os::unix::fs::MetadataExt;
            m.uid() == 0
        })
        .unwrap_or(false)
}

/// Whether iputils' ping is here, with why not.
fn iputils() -> Result<(), String> {
    match Command::new("ping").arg("-V").output() {
        Ok(o) if String::from_utf8_lossy(&o.stdout).contains("iputils") => Ok(()),
        Ok(_) => Err("the ping found is not iputils'".into()),
        Err(e) => Err(format!("no ping ({e}); apt-get install iputils-ping")),
    }
}

/// `(transmitted, received, avg ms)` from a ping's text output.
fn summary(text: &str) -> (u32, u32, f64) {
    let stats = text
        .lines()
        .find(|l| l.contains("packets transmitted"))
        .unwrap_or_else(|| panic!("no statistics line: {text}"));
    let words: Vec<&str> = stats.split([' ', ',']).filter(|w| !w.is_empty()).collect();
    let tx = words[0].parse().unwrap();
    let rx = words[3].parse().unwrap();
    let rtt = text
        .lines()
        .find(|l| l.starts_with("rtt min/avg/max/mdev = "))
        .unwrap_or_else(|| panic!("no rtt line: {text}"));
    let avg = rtt["rtt min/avg/max/mdev = ".len()..]
        .split('/')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    (tx, rx, avg)
}

/// Each line of a ping's output with the numbers blanked, to compare shapes.
fn shape(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| {
            let mut out = String::new();
            let mut in_num = false;
            for c in l.chars() {
                if c.is_ascii_digit() {
                    if !in_num {
                        out.push('#');
                    }
                    in_num = true;
                } else {
                    if !(in_num && c == '.') {
                        out.push(c);
                    }
                    in_num = false;
                }
            }
            out
        })
        .collect()
}

fn against_iputils(host: &str) {
    if nativesockets_testutil::process::qemu_gap("ICMP sockets' kernel timestamps and options") {
        return;
    }
    if let Err(why) = iputils() {
        eprintln!("skipped: {why}");
        return;
    }
    let ours = run(&["ping", "-c", "3", "-i", "0.2", host]);
    assert!(ours.status.success(), "{}", stderr(&ours));
    let theirs = Command::new("ping")
        .args(["-c", "3", "-i", "0.2", host])
        .output()
        .unwrap();
    assert!(theirs.status.success());
    let (ours, theirs) = (stdout(&ours), String::from_utf8(theirs.stdout).unwrap());
    assert_eq!(
        shape(&ours),
        shape(&theirs),
        "ours:\n{ours}\ntheirs:\n{theirs}"
    );
    let (otx, orx, oavg) = summary(&ours);
    let (ttx, trx, tavg) = summary(&theirs);
    assert_eq!((otx, orx), (ttx, trx));
    assert_eq!((otx, orx), (3, 3));
    // Loopback round trips are tens of microseconds; the same order
    // means within a factor of 20 of each other, or both under 1 ms.
    assert!(
        (oavg < 1.0 && tavg < 1.0) || (oavg / tavg < 20.0 && tavg / oavg < 20.0),
        "ours {oavg} ms, iputils {tavg} ms"
    );
}

#[test]
fn ping_127_0_0_1_reads_as_iputils_ping() {
    against_iputils("127.0.0.1");
}

#[test]
fn ping_ipv6_loopback_reads_as_iputils_ping() {
    against_iputils("::1");
}

/// What `net.ipv4.ping_group_range` lets this process open.
fn datagram_allowed() -> bool {
    let range = std::fs::read_to_string("/proc/sys/net/ipv4/ping_group_range").unwrap();
    let mut it = range.split_whitespace().map(|w| w.parse::<u64>().unwrap());
    let (lo, hi) = (it.next().unwrap(), it.next().unwrap());
    let gid = std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("Gid:"))
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .map(|g| g.parse::<u64>().unwrap())
        })
        .unwrap();
    lo <= gid && gid <= hi
}

#[test]
fn the_socket_is_the_one_ping_group_range_allows() {
    let o = run(&["ping", "-c", "2", "-i", "0.1", "--json", "127.0.0.1"]);
    if datagram_allowed() {
        assert_eq!(json(&o)["socket"], "dgram");
    } else if is_root() {
        let v = json(&o);
        assert_eq!(v["socket"], "raw");
        assert_eq!(v["received"], 2);
        // Asking for a datagram socket here is refused, naming the sysctl.
        let d = run(&["ping", "-c", "1", "--socket", "dgram", "127.0.0.1"]);
        assert_fails(&d, 1, "ping_group_range");
    } else {
        assert_fails(&o, 1, "ping_group_range");
    }
}

#[test]
fn a_datagram_socket_is_used_where_ping_group_range_allows_it() {
    // A network namespace of its own, where the test may widen the range
    // without touching the host's.
    if !is_root() {
        eprintln!("skipped: not root (unshare -n needs it)");
        return;
    }
    let script = format!(
        "ip link set lo up && echo '0 2147483647' > /proc/sys/net/ipv4/ping_group_range && \
         exec {} ping -c 2 -i 0.1 --json 127.0.0.1",
        env!("CARGO_BIN_EXE_nsock")
    );
    let o = match Command::new("unshare")
        .args(["-n", "sh", "-c", &script])
        .output()
    {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            eprintln!(
                "skipped: unshare -n: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            return;
        }
        Err(e) => {
            eprintln!("skipped: unshare: {e}");
            return;
        }
    };
    let v = json(&o);
    assert_eq!(v["socket"], "dgram");
    assert_eq!(v["received"], 2);
    assert_eq!(v["replies"][0]["ttl"], 64);
}

#[test]
fn json_has_every_key_and_flood_pace_keeps_up() {
    if nativesockets_testutil::process::qemu_gap("ICMP sockets' kernel timestamps and options") {
        return;
    }
    let start = Instant::now();
    let o = run(&["ping", "-c", "200", "-i", "0", "--json", "127.0.0.1"]);
    if !o.status.success() && !is_root() && !datagram_allowed() {
        eprintln!("skipped: no ICMP socket allowed");
        return;
    }
    let v = json(&o);
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(
        keys(&v),
        [
            "host",
            "address",
            "socket",
            "clock",
            "data_bytes",
            "replies",
            "errors",
            "transmitted",
            "received",
            "duplicates",
            "error_count",
            "loss_percent",
            "time_ms",
            "rtt"
        ]
    );
    assert_eq!(v["transmitted"], 200);
    assert_eq!(v["received"], 200);
    assert_eq!(v["clock"], "kernel");
    let r = &v["rtt"];
    assert!(r["min_ms"].as_f64().unwrap() <= r["avg_ms"].as_f64().unwrap());
    assert!(r["avg_ms"].as_f64().unwrap() <= r["max_ms"].as_f64().unwrap());
}

#[test]
fn bad_input_is_named_with_exit_2() {
    assert_fails(&run(&["ping", "-c", "0", "127.0.0.1"]), 2, "-c");
    assert_fails(&run(&["ping", "-s", "70000", "127.0.0.1"]), 2, "70000");
    assert_fails(&run(&["ping", "-i", "soon", "127.0.0.1"]), 2, "soon");
    assert_fails(&run(&["ping", "-c", "1", "bad host!"]), 2, "bad host!");
    // 65,527 data bytes fit in ICMPv6, not in ICMP.
    assert_fails(&run(&["ping", "-s", "65527", "127.0.0.1"]), 2, "65507");
}

#[test]
fn a_ttl_1_ping_through_a_second_hop_prints_time_to_live_exceeded() {
    if nativesockets_testutil::process::qemu_gap("ICMP sockets' kernel timestamps and options") {
        return;
    }
    if !is_root() {
        eprintln!("skipped: not root (ip netns needs it)");
        return;
    }
    let n = std::process::id();
    let (src, hop) = (format!("ns-pg-src-{n}"), format!("ns-pg-hop-{n}"));
    struct Cleanup(Vec<String>);
    impl Drop for Cleanup {
        fn drop(&mut self) {
            for ns in &self.0 {
                let _ = Command::new("ip").args(["netns", "del", ns]).status();
            }
        }
    }
    let _cleanup = Cleanup(vec![src.clone(), hop.clone()]);
    let steps: Vec<Vec<&str>> = vec![
        vec!["netns", "add", &src],
        vec!["netns", "add", &hop],
        vec![
            "link", "add", "name", "v0", "netns", &src, "type", "veth", "peer", "name", "v1",
            "netns", &hop,
        ],
        vec!["-n", &src, "addr", "add", "10.99.0.2/24", "dev", "v0"],
        vec!["-n", &hop, "addr", "add", "10.99.0.1/24", "dev", "v1"],
        vec!["-n", &src, "link", "set", "v0", "up"],
        vec!["-n", &hop, "link", "set", "v1", "up"],
        vec!["-n", &src, "link", "set", "lo", "up"],
        vec![
            "-n",
            &src,
            "route",
            "add",
            "10.99.1.0/24",
            "via",
            "10.99.0.1",
        ],
        vec![
            "-n",
            &hop,
            "route",
            "add",
            "10.99.1.0/24",
            "via",
            "10.99.0.2",
        ],
        vec![
            "netns",
            "exec",
            &hop,
            "sysctl",
            "-qw",
            "net.ipv4.ip_forward=1",
        ],
    ];
    for step in &steps {
        match Command::new("ip").args(step).output() {
            Ok(o) if o.status.success() => {}
            Ok(o) => {
                eprintln!(
                    "skipped: ip {}: {}",
                    step.join(" "),
                    String::from_utf8_lossy(&o.stderr)
                );
                return;
            }
            Err(e) => {
                eprintln!("skipped: ip: {e}");
                return;
            }
        }
    }
    let o = finish(
        Proc(
            Command::new("ip")
                .args(["netns", "exec", &src, env!("CARGO_BIN_EXE_nsock")])
                .args(["ping", "-c", "1", "-t", "1", "-W", "2", "10.99.1.5"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap(),
        ),
        "nsock ping -t 1",
    );
    let text = stdout(&o);
    assert!(
        text.lines()
            .any(|l| l == "From 10.99.0.1 icmp_seq=1 Time to live exceeded"),
        "{text}"
    );
    assert!(
        text.contains("1 packets transmitted, 0 received, +1 errors, 100% packet loss"),
        "{text}"
    );
    assert_eq!(o.status.code(), Some(1), "no reply: exit 1, as iputils");
    if iputils().is_ok() {
        let theirs = Command::new("ip")
            .args([
                "netns",
                "exec",
                &src,
                "ping",
                "-c",
                "1",
                "-t",
                "1",
                "-W",
                "2",
                "10.99.1.5",
            ])
            .output()
            .unwrap();
        let theirs = String::from_utf8_lossy(&theirs.stdout).into_owned();
        assert_eq!(
            theirs.lines().find(|l| l.starts_with("From ")),
            text.lines().find(|l| l.starts_with("From ")),
            "iputils:\n{theirs}"
        );
    }
}
