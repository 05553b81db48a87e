//! A small test runner for a test binary built with `harness = false`,
//! for tests that can only tell at run time whether they can run at all
//! (a peer program that may be missing): libtest has no way, on stable
//! Rust, to report a test as ignored once it has started, so such a test
//! would otherwise show as passed without having compared anything.
//!
//! [`run`] reads the arguments cargo and the scripts pass to a libtest
//! binary (name filters, `--exact`, `--skip`, `--ignored`,
//! `--include-ignored`, `--list`; the others, such as `--test-threads` or
//! `--nocapture`, are accepted and have no effect: the tests run one after
//! another, their output not captured) and prints libtest's lines: one per
//! test and the `test result:` summary, in which a test that could not run
//! counts as ignored.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

/// One test: its name, and the function that runs it.
pub struct Case {
    /// The name filters match, as libtest's would (`module::function`).
    pub name: &'static str,
    /// Runs the test; a panic is a failure.
    pub run: fn(),
}

/// What the arguments ask for.
#[derive(Default)]
struct Options {
    filters: Vec<String>,
    skip: Vec<String>,
    exact: bool,
    list: bool,
    ignored_only: bool,
    include_ignored: bool,
}

fn options() -> Options {
    let mut o = Options::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--exact" => o.exact = true,
            "--list" => o.list = true,
            "--ignored" => o.ignored_only = true,
            "--include-ignored" => o.include_ignored = true,
            "--skip" => o.skip.extend(args.next()),
            // Options that take a value as the next argument.
            "--test-threads" | "--format" | "--color" | "--logfile" | "-Z" => {
                args.next();
            }
            _ if a.starts_with('-') => {}
            _ => o.filters.push(a),
        }
    }
    o
}

impl Options {
    fn selects(&self, name: &str) -> bool {
        let matches = |f: &String| {
            if self.exact {
                name == f
            } else {
                name.contains(f.as_str())
            }
        };
        (self.filters.is_empty() || self.filters.iter().any(matches))
            && !self.skip.iter().any(matches)
    }
}

/// Runs the `cases` the command line selects, or reports every one of them
/// as ignored, saying `why_not`, when `why_not` is `Some` (what the tests
/// need is missing); then exits as libtest does: 0 when none failed, 101
/// otherwise.
pub fn run(cases: &[Case], why_not: Option<&str>) -> ! {
    let o = options();
    let selected: Vec<&Case> = cases.iter().filter(|c| o.selects(c.name)).collect();
    let filtered_out = cases.len() - selected.len();
    if o.list {
        for c in &selected {
            println!("{}: test", c.name);
        }
        println!();
        let n = selected.len();
        println!("{n} test{}, 0 benchmarks", if n == 1 { "" } else { "s" });
        std::process::exit(0);
    }
    // None of these tests is marked ignored in the source: `--ignored`
    // alone selects none of them.
    let selected = if o.ignored_only && !o.include_ignored {
        Vec::new()
    } else {
        selected
    };
    let start = Instant::now();
    println!();
    let n = selected.len();
    println!("running {n} test{}", if n == 1 { "" } else { "s" });
    let (mut passed, mut failed, mut ignored) = (0, Vec::new(), 0);
    for c in &selected {
        if let Some(why) = why_not {
            println!("test {} ... ignored, {why}", c.name);
            ignored += 1;
            continue;
        }
        let outcome = catch_unwind(AssertUnwindSafe(c.run));
        if outcome.is_ok() {
            println!("test {} ... ok", c.name);
            passed += 1;
        } else {
            println!("test {} ... FAILED", c.name);
            failed.push(c.name);
        }
    }
    if let Some(why) = why_not {
        if !selected.is_empty() {
            println!("skipped: {why}");
        }
    }
    if !failed.is_empty() {
        println!();
        println!("failures:");
        for name in &failed {
            println!("    {name}");
        }
    }
    println!();
    println!(
        "test result: {}. {passed} passed; {} failed; {ignored} ignored; 0 measured; {filtered_out} filtered out; finished in {:.2}s",
        if failed.is_empty() { "ok" } else { "FAILED" },
        failed.len(),
        start.elapsed().as_secs_f64()
    );
    println!();
    std::process::exit(if failed.is_empty() { 0 } else { 101 })
}
