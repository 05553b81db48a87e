//! `cargo bench --bench compare`: the crate's calls against what a program
//! would call instead (raw `libc`, `socket2`, `std`, the C library's name
//! databases), interleaved in one process.
//!
//! Prints a table (case, ours, ours ns/op, alternative, its ns/op, ratio
//! ours/alternative, target, pass or MISS) and writes it as JSON to
//! `<target dir>/bench-compare.json`. How the figures are taken is told in
//! `compare/harness.rs`.
//!
//! Options (after `--`):
//! - `--quick`: short budgets, the whole run in well under a minute (CI runs
//!   this to keep the harness working; it never checks the figures).
//! - `--filter TEXT` (repeatable): only the cases whose name contains TEXT.
//! - `--strict`: exit with status 1 when a case misses its target.
//! - `--load-services`: load the services database, print its size and
//!   exit (for measuring the resident memory it costs with
//!   `/usr/bin/time -v`); `--idle` does nothing, for the baseline.
//!
//! Linux only: the alternatives are glibc's and Linux's own calls.

#[cfg(target_os = "linux")]
#[path = "compare/connect.rs"]
mod connect;
#[cfg(target_os = "linux")]
#[path = "compare/errqueue.rs"]
mod errqueue;
#[cfg(target_os = "linux")]
#[path = "compare/harness.rs"]
mod harness;
#[cfg(target_os = "linux")]
#[path = "compare/messages.rs"]
mod messages;
#[cfg(target_os = "linux")]
#[path = "compare/names.rs"]
mod names;
#[cfg(target_os = "linux")]
#[path = "compare/options.rs"]
mod options;
#[cfg(target_os = "linux")]
#[path = "compare/readiness.rs"]
mod readiness;
// Where the io-uring crate is (Cargo.toml): the raw ring it is measured against.
#[cfg(all(
    target_os = "linux",
    any(
        target_arch = "x86_64",
        target_arch = "aarch64",
        target_arch = "riscv64",
        target_arch = "loongarch64",
        target_arch = "powerpc64"
    )
))]
#[path = "compare/ring.rs"]
mod ring;
#[cfg(target_os = "linux")]
#[path = "compare/sockets.rs"]
mod sockets;
#[cfg(target_os = "linux")]
#[path = "compare/transfer.rs"]
mod transfer;

#[cfg(target_os = "linux")]
fn main() {
    use harness::{Bench, Config, Machine};

    let mut quick = false;
    let mut strict = false;
    let mut filter = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => quick = true,
            "--strict" => strict = true,
            "--filter" => match args.next() {
                Some(f) => filter.push(f),
                None => {
                    eprintln!("compare: --filter needs a value");
                    std::process::exit(2);
                }
            },
            "--idle" => return,
            "--load-services" => {
                let http = nativesockets::get_serv_by_name("http", "tcp");
                let db = nativesockets::ServicesFile::system().db();
                println!("services loaded: {} entries; http/tcp: {http:?}", db.len());
                return;
            }
            // Cargo passes `--bench` to every bench binary; libtest's other
            // flags mean nothing here.
            _ => {}
        }
    }

    let machine = Machine::read();
    eprintln!(
        "compare: {} mode, {} cores, kernel {}, {}, load {}",
        if quick { "quick" } else { "full" },
        machine.cores,
        machine.kernel,
        machine.cpu,
        machine.load_before
    );
    let mut bench = Bench::new(Config::new(quick, filter));
    sockets::run(&mut bench);
    names::run(&mut bench);
    readiness::run(&mut bench);
    #[cfg(all(
        target_os = "linux",
        any(
            target_arch = "x86_64",
            target_arch = "aarch64",
            target_arch = "riscv64",
            target_arch = "loongarch64",
            target_arch = "powerpc64"
        )
    ))]
    ring::run(&mut bench);
    transfer::run(&mut bench);
    options::run(&mut bench);
    messages::run(&mut bench);
    connect::run(&mut bench);
    errqueue::run(&mut bench);

    let table = harness::table(&bench.rows);
    println!();
    println!("{table}");
    for (case, why) in &bench.skipped {
        println!("skipped: {case}: {why}");
    }
    for note in &bench.notes {
        println!("note: {note}");
    }
    let misses = bench
        .rows
        .iter()
        .filter(|r| r.pass() == Some(false))
        .count();
    let judged = bench.rows.iter().filter(|r| r.pass().is_some()).count();
    println!(
        "{} of {judged} targets met, {misses} missed; {} rows in {:.1} s",
        judged - misses,
        bench.rows.len(),
        bench.elapsed()
    );

    let dir = harness::target_dir();
    let path = dir.join("bench-compare.json");
    match std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(&path, harness::json(&bench, &machine)))
    {
        Ok(()) => println!("wrote {}", path.display()),
        Err(e) => {
            eprintln!("compare: cannot write {}: {e}", path.display());
            std::process::exit(1);
        }
    }
    if strict && misses > 0 {
        std::process::exit(1);
    }
}

#[cfg(not(target_os = "linux"))]
fn main() {
    eprintln!("compare: the comparisons are with glibc's and Linux's own calls; run them on Linux");
}
