//! Names, once, the sets of platforms that the source tests in more than
//! one place, so that it writes `#[cfg(linux_like)]` rather than repeating
//! `any(target_os = "linux", target_os = "android")` (see ARCHITECTURE.md).
//! It only reads the target's `cfg` values that cargo passes in.

fn main() {
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let os = var("CARGO_CFG_TARGET_OS");
    let env = var("CARGO_CFG_TARGET_ENV");
    let apple = var("CARGO_CFG_TARGET_VENDOR") == "apple";
    let bsd = matches!(os.as_str(), "freebsd" | "openbsd" | "netbsd" | "dragonfly");
    let linux = os == "linux";
    // Short names for the option sets below.
    let lx = linux || os == "android";
    let fbsd = os == "freebsd";
    let win = os == "windows";
    // `RUSTFLAGS="--cfg nativesockets_poll_backend"` makes `Poller` use its
    // poll(2) backend on every Unix, so CI tests it on Linux.
    let forced_poll = std::env::var_os("CARGO_CFG_NATIVESOCKETS_POLL_BACKEND").is_some();
    // `RUSTFLAGS="--cfg nativesockets_ring_poller"` makes `Ring` use its
    // emulation on `Poller` on Linux too (as `NATIVESOCKETS_RING=poller`
    // does at run time).
    let forced_ring = std::env::var_os("CARGO_CFG_NATIVESOCKETS_RING_POLLER").is_some();
    let unix = var("CARGO_CFG_TARGET_FAMILY")
        .split(',')
        .any(|f| f == "unix");
    let epoll = (linux || os == "android") && !forced_poll;
    let uring_arch = matches!(
        var("CARGO_CFG_TARGET_ARCH").as_str(),
        "x86_64" | "aarch64" | "riscv64" | "loongarch64" | "powerpc64"
    );
    let kqueue = (apple || bsd) && !forced_poll;

    let sets = [
        // Linux and Android: SO_DOMAIN, abstract Unix-domain addresses,
        // CLOCK_MONOTONIC_COARSE.
        ("linux_like", linux || os == "android"),
        // Every sockaddr starts with its length byte (`sa_len`).
        ("sa_len", apple || bsd),
        // The C library has gethostbyname2_r and gethostbyaddr_r.
        (
            "hostent_r",
            (linux && (env == "gnu" || env == "musl")) || os == "freebsd",
        ),
        // The C library has getprotobyname_r.
        ("protoent_r", (linux && env == "gnu") || os == "freebsd"),
        // getaddrinfo defines AI_V4MAPPED but rejects it (EAI_BADFLAGS).
        ("no_ai_v4mapped", bsd || os == "android"),
        // Socket options (src/options/): where each family of options
        // exists. Apple's systems (macOS, iOS, ...) share their options.
        ("apple", apple),
        // TCP_KEEPINTVL and TCP_KEEPCNT.
        (
            "keepalive_knobs",
            lx || apple || fbsd || matches!(os.as_str(), "netbsd" | "dragonfly"),
        ),
        // Join an IPv4 group by interface index (`ip_mreqn`; on Windows
        // an index in `ip_mreq`).
        ("mreqn", lx || apple || fbsd || os == "dragonfly" || win),
        // Source-specific multicast (IP_ADD_SOURCE_MEMBERSHIP).
        ("ssm", lx || apple || fbsd || win),
        // TCP_INFO (Linux, FreeBSD), TCP_CONNECTION_INFO (Apple),
        // SIO_TCP_INFO (Windows).
        ("tcp_info", lx || apple || fbsd || win),
        // TCP_FASTOPEN, the server's switch.
        ("fastopen", lx || apple || fbsd || win),
        // IP_MTU_DISCOVER / IP_MTU and their IPv6 twins.
        ("pmtud", lx || win),
        // IP_DONTFRAG(MENT) (Linux has IP_MTU_DISCOVER instead).
        ("dontfrag_v4", apple || fbsd || win),
        // Binding to an interface by index (SO_BINDTOIFINDEX, IP_BOUND_IF).
        ("bind_index", lx || apple),
        // TCP_CONGESTION.
        ("tcp_congestion", lx || fbsd),
        // SO_ORIGINAL_DST (Linux's netfilter, Windows' redirect records)
        // and IPV6_HDRINCL.
        ("original_dst", lx || win),
        // sendmmsg(2), recvmmsg(2) and MSG_CMSG_CLOEXEC.
        ("mmsg", linux || os == "android" || os == "freebsd"),
        // struct in_pktinfo and IP_PKTINFO (FreeBSD has IP_RECVDSTADDR and
        // IP_SENDSRCADDR instead).
        ("in_pktinfo", linux || os == "android" || apple),
        // `Poller`'s mechanism: epoll, kqueue, or poll(2) on other Unix.
        ("epoll", epoll),
        ("kqueue", kqueue),
        ("poll_backend", unix && !epoll && !kqueue),
        // `Ring`'s io_uring backend (elsewhere its emulation on `Poller`):
        // Linux on the architectures the io-uring crate has its kernel
        // structs for (Cargo.toml's dependency names the same list).
        ("io_uring", linux && uring_arch && !forced_ring),
        // kqueue has EVFILT_USER for `Poller::notify` (elsewhere a pipe).
        (
            "kqueue_user",
            kqueue && (apple || os == "freebsd" || os == "dragonfly"),
        ),
    ];
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rustc-check-cfg=cfg(nativesockets_poll_backend)");
    println!("cargo:rustc-check-cfg=cfg(nativesockets_ring_poller)");
    for (name, on) in sets {
        println!("cargo:rustc-check-cfg=cfg({name})");
        if on {
            println!("cargo:rustc-cfg={name}");
        }
    }
}
