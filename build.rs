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
        // sendmmsg(2), recvmmsg(2) and MSG_CMSG_CLOEXEC.
        ("mmsg", linux || os == "android" || os == "freebsd"),
        // struct in_pktinfo and IP_PKTINFO (FreeBSD has IP_RECVDSTADDR and
        // IP_SENDSRCADDR instead).
        ("in_pktinfo", linux || os == "android" || apple),
    ];
    println!("cargo:rerun-if-changed=build.rs");
    for (name, on) in sets {
        println!("cargo:rustc-check-cfg=cfg({name})");
        if on {
            println!("cargo:rustc-cfg={name}");
        }
    }
}
