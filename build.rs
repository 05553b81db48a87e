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
    // `RUSTFLAGS="--cfg nativesockets_poll_backend"` makes `Poller` use its
    // poll(2) backend on every Unix, so CI tests it on Linux.
    let forced_poll = std::env::var_os("CARGO_CFG_NATIVESOCKETS_POLL_BACKEND").is_some();
    let unix = var("CARGO_CFG_TARGET_FAMILY")
        .split(',')
        .any(|f| f == "unix");
    let epoll = (linux || os == "android") && !forced_poll;
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
        // `Poller`'s mechanism: epoll, kqueue, or poll(2) on other Unix.
        ("epoll", epoll),
        ("kqueue", kqueue),
        ("poll_backend", unix && !epoll && !kqueue),
        // kqueue has EVFILT_USER for `Poller::notify` (elsewhere a pipe).
        (
            "kqueue_user",
            kqueue && (apple || os == "freebsd" || os == "dragonfly"),
        ),
    ];
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rustc-check-cfg=cfg(nativesockets_poll_backend)");
    for (name, on) in sets {
        println!("cargo:rustc-check-cfg=cfg({name})");
        if on {
            println!("cargo:rustc-cfg={name}");
        }
    }
}
