//! The measuring core: interleaved batches, medians, the table and the
//! JSON file.
//!
//! Every case is a set of sides (ours first, then the alternatives), each a
//! closure that performs `n` operations. After a warm-up, each side's batch
//! size is calibrated so one batch lasts about `Config::batch`; then rounds
//! run until the case's time budget is spent, and in every round each side
//! runs one batch, ours and the alternatives taking turns (in an order
//! that changes every round, so that no side always runs first, last, or
//! right after a particular other one). One batch gives one sample, its mean time per operation; a
//! side's figure is the median of its samples. The ratio is the median of
//! the per-round ratios ours/alternative: both batches of a round ran within
//! a few milliseconds of each other, so a slow spell on this shared machine
//! (another process compiling, a frequency change) slows both and cancels
//! out, where a ratio of two independent medians would keep it.
//!
//! Batches are short (0.2 ms) on purpose: on a loaded machine most of them
//! then run without being preempted, and the few that are become outliers
//! the medians ignore; long batches would all carry some interference.

use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write as _;
use std::fs;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

/// A side's work: perform `n` operations.
pub type Op<'a> = Box<dyn FnMut(u64) + 'a>;

/// What a case must reach, as ours / alternative.
#[derive(Clone, Copy, Debug)]
pub enum Target {
    /// The ratio must be at most this.
    AtMost(f64),
    /// Ours must move at least this fraction of the alternative's bytes
    /// per second: the time ratio must be at most its inverse.
    ThroughputAtLeast(f64),
    /// Ours must take at most this many nanoseconds an operation, whatever
    /// the alternative takes (shown beside it for scale).
    OursAtMostNs(f64),
    /// Shown for context: no target.
    Info,
}

impl Target {
    /// The largest passing ratio ours/alternative, if there is a target.
    pub fn limit(self) -> Option<f64> {
        match self {
            Target::AtMost(t) => Some(t),
            Target::ThroughputAtLeast(f) => Some(1.0 / f),
            Target::OursAtMostNs(_) | Target::Info => None,
        }
    }
}

/// One implementation of a case's operation.
pub struct Side<'a> {
    name: String,
    target: Target,
    op: Op<'a>,
}

/// Makes a side. For ours the target is unused.
pub fn side<'a>(name: impl Into<String>, target: Target, op: impl FnMut(u64) + 'a) -> Side<'a> {
    Side {
        name: name.into(),
        target,
        op: Box::new(op),
    }
}

/// How long and how finely to measure.
pub struct Config {
    pub quick: bool,
    pub filter: Vec<String>,
    /// Time given to one case's measured rounds.
    pub budget: Duration,
    /// How long one batch of one side should last.
    pub batch: Duration,
    /// Rounds run whatever the budget says.
    pub min_rounds: usize,
    /// Rounds run and thrown away before measuring.
    pub warmup_rounds: usize,
}

impl Config {
    pub fn new(quick: bool, filter: Vec<String>) -> Config {
        if quick {
            Config {
                quick,
                filter,
                budget: Duration::from_millis(250),
                batch: Duration::from_micros(200),
                min_rounds: 11,
                warmup_rounds: 2,
            }
        } else {
            Config {
                quick,
                filter,
                budget: Duration::from_millis(3000),
                batch: Duration::from_micros(200),
                min_rounds: 101,
                warmup_rounds: 10,
            }
        }
    }
}

/// One line of the table: ours against one alternative.
pub struct Row {
    pub case: String,
    pub ours: String,
    pub ours_ns: f64,
    pub alternative: String,
    pub alt_ns: f64,
    /// Median of the per-round ratios.
    pub ratio: f64,
    /// First and third quartiles of the per-round ratios.
    pub ratio_q1: f64,
    pub ratio_q3: f64,
    pub target: Target,
    pub rounds: usize,
    pub ours_batch: u64,
    pub alt_batch: u64,
}

impl Row {
    /// `Some(true)` when the target is met, `None` for an info row.
    pub fn pass(&self) -> Option<bool> {
        match self.target {
            Target::OursAtMostNs(ns) => Some(self.ours_ns <= ns),
            t => t.limit().map(|limit| self.ratio <= limit),
        }
    }
}

/// The run: its settings, and the rows and skipped cases so far.
pub struct Bench {
    pub cfg: Config,
    pub rows: Vec<Row>,
    pub skipped: Vec<(String, String)>,
    pub notes: Vec<String>,
    started: Instant,
}

impl Bench {
    pub fn new(cfg: Config) -> Bench {
        Bench {
            cfg,
            rows: Vec::new(),
            skipped: Vec::new(),
            notes: Vec::new(),
            started: Instant::now(),
        }
    }

    /// Whether the command line's filters select `case` (all do when none
    /// is given).
    pub fn wants(&self, case: &str) -> bool {
        self.cfg.filter.is_empty() || self.cfg.filter.iter().any(|f| case.contains(f.as_str()))
    }

    /// Records a case that cannot run here, and why.
    pub fn skip(&mut self, case: &str, why: impl Into<String>) {
        let why = why.into();
        eprintln!("  skip  {case}: {why}");
        self.skipped.push((case.to_string(), why));
    }

    /// Records a figure that is not a ratio (a parse time, a size).
    pub fn note(&mut self, text: impl Into<String>) {
        let text = text.into();
        eprintln!("  note  {text}");
        self.notes.push(text);
    }

    /// Measures `ours` against each of `alts`, interleaved, and adds one
    /// row per alternative.
    pub fn compare(&mut self, case: &str, ours: Side<'_>, alts: Vec<Side<'_>>) {
        let batch = self.cfg.batch;
        self.compare_in_batches_of(case, batch, ours, alts);
    }

    /// [`compare`](Self::compare) with batches of `batch` instead of the
    /// default, for operations with a fixed cost per batch to amortise.
    pub fn compare_in_batches_of(
        &mut self,
        case: &str,
        batch: Duration,
        ours: Side<'_>,
        alts: Vec<Side<'_>>,
    ) {
        let mut sides: Vec<Side<'_>> = Vec::with_capacity(1 + alts.len());
        sides.push(ours);
        sides.extend(alts);
        let case_start = Instant::now();

        let mut sizes: Vec<u64> = sides
            .iter_mut()
            .map(|s| calibrate(&mut s.op, batch))
            .collect();
        // Sides of about the same speed run the same number of operations
        // a batch, so that whatever a batch costs once (a wake-up, an
        // acknowledgement) weighs the same on each; sides far apart (a
        // cached lookup against one that reads a file) keep their own
        // sizes, or the slow side's batches would last seconds.
        let (lo, hi) = (
            *sizes.iter().min().unwrap_or(&1),
            *sizes.iter().max().unwrap_or(&1),
        );
        if hi <= lo.saturating_mul(4) {
            sizes.iter_mut().for_each(|n| *n = hi);
        }

        let mut samples: Vec<Vec<f64>> = vec![Vec::new(); sides.len()];
        let orders = orders(sides.len());
        let mut round = 0usize;
        let mut measured = 0usize;
        let measure_start = loop {
            if round == self.cfg.warmup_rounds {
                break Instant::now();
            }
            for (i, s) in sides.iter_mut().enumerate() {
                (s.op)(sizes[i]);
            }
            round += 1;
        };
        // An upper bound keeps a case whose batches are tiny from running
        // an absurd number of rounds.
        let max_rounds = self.cfg.min_rounds.max(20_000);
        while measured < self.cfg.min_rounds
            || (measure_start.elapsed() < self.cfg.budget && measured < max_rounds)
        {
            for &i in &orders[measured % orders.len()] {
                let n = sizes[i];
                let t0 = Instant::now();
                (sides[i].op)(n);
                let dt = t0.elapsed();
                samples[i].push(dt.as_nanos() as f64 / n as f64);
            }
            measured += 1;
        }

        let ours_ns = median(&samples[0]);
        for (j, alt) in sides.iter().enumerate().skip(1) {
            let mut ratios: Vec<f64> = samples[0]
                .iter()
                .zip(&samples[j])
                .map(|(o, a)| o / a)
                .collect();
            ratios.sort_by(f64::total_cmp);
            let row = Row {
                case: case.to_string(),
                ours: sides[0].name.clone(),
                ours_ns,
                alternative: alt.name.clone(),
                alt_ns: median(&samples[j]),
                ratio: quantile_sorted(&ratios, 0.5),
                ratio_q1: quantile_sorted(&ratios, 0.25),
                ratio_q3: quantile_sorted(&ratios, 0.75),
                target: alt.target,
                rounds: measured,
                ours_batch: sizes[0],
                alt_batch: sizes[j],
            };
            eprintln!(
                "  {:<5} {case} | ours {} vs {} {} | ratio {} ({measured} rounds, {:.1} s)",
                match row.pass() {
                    Some(true) => "pass",
                    Some(false) => "MISS",
                    None => "info",
                },
                fmt_ns(row.ours_ns),
                row.alternative,
                fmt_ns(row.alt_ns),
                fmt_ratio(row.ratio),
                case_start.elapsed().as_secs_f64(),
            );
            self.rows.push(row);
        }
    }

    /// Seconds since the run started.
    pub fn elapsed(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }
}

/// The orders the sides take turns in, one per round, cycled: every
/// permutation (up to 5 sides, 120 orders), so each side runs in every
/// position and after every other side equally often. Fixed orders let a
/// side that always runs right after a particular other one, or always
/// twice in a row across rounds, inherit its state (a TCP connection's
/// buffers, the caches) and skew the comparison.
fn orders(k: usize) -> Vec<Vec<usize>> {
    fn permute(prefix: &mut Vec<usize>, left: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if left.is_empty() {
            out.push(prefix.clone());
            return;
        }
        for i in 0..left.len() {
            let x = left.remove(i);
            prefix.push(x);
            permute(prefix, left, out);
            prefix.pop();
            left.insert(i, x);
        }
    }
    if k <= 5 {
        let mut out = Vec::new();
        permute(&mut Vec::new(), &mut (0..k).collect(), &mut out);
        out
    } else {
        // Rotations, each forwards and backwards.
        (0..k)
            .flat_map(|r| {
                let fwd: Vec<usize> = (0..k).map(|i| (i + r) % k).collect();
                let rev: Vec<usize> = fwd.iter().rev().copied().collect();
                [fwd, rev]
            })
            .collect()
    }
}

/// Finds a batch size that lasts about `batch`: doubling from 1 until a
/// batch takes a quarter of it, then timing that size a few more times and
/// scaling by the fastest, so that one preempted probe cannot make the
/// batches too short.
fn calibrate(op: &mut Op<'_>, batch: Duration) -> u64 {
    op(1);
    let mut n = 1u64;
    let mut best = loop {
        let t0 = Instant::now();
        op(n);
        let dt = t0.elapsed();
        if dt * 4 >= batch || n >= 1 << 24 {
            break dt;
        }
        n *= 2;
    };
    for _ in 0..4 {
        let t0 = Instant::now();
        op(n);
        best = best.min(t0.elapsed());
    }
    let scaled = (n as f64 * batch.as_secs_f64() / best.as_secs_f64().max(1e-9)) as u64;
    scaled.clamp(1, 1 << 26)
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    quantile_sorted(&s, 0.5)
}

/// The `q` quantile of sorted data, interpolating between neighbours.
fn quantile_sorted(s: &[f64], q: f64) -> f64 {
    if s.is_empty() {
        return f64::NAN;
    }
    let pos = q * (s.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    s[lo] + (s[hi] - s[lo]) * (pos - lo as f64)
}

pub fn fmt_ns(ns: f64) -> String {
    if ns >= 100_000.0 {
        format!("{:.0} ns", ns)
    } else if ns >= 100.0 {
        format!("{:.1} ns", ns)
    } else {
        format!("{:.2} ns", ns)
    }
}

pub fn fmt_ratio(r: f64) -> String {
    if r < 0.1 {
        format!("{r:.5}")
    } else {
        format!("{r:.3}")
    }
}

/// A limit with at most five decimals and no trailing zeros.
fn fmt_limit(x: f64) -> String {
    let s = format!("{x:.5}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn fmt_target(t: Target) -> String {
    match t {
        Target::AtMost(x) => format!("<= {}", fmt_limit(x)),
        Target::ThroughputAtLeast(x) => format!("<= {} (bytes/s >= {x})", fmt_limit(1.0 / x)),
        Target::OursAtMostNs(ns) => format!("ours <= {}", fmt_ns(ns)),
        Target::Info => "-".to_string(),
    }
}

/// What the table's header says about the machine.
pub struct Machine {
    pub cores: usize,
    pub kernel: String,
    pub cpu: String,
    pub load_before: String,
}

impl Machine {
    pub fn read() -> Machine {
        let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
        let kernel = fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|_| "unknown".into());
        let cpu = fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split(':').nth(1))
                    .map(|m| m.trim().to_string())
            })
            .unwrap_or_else(|| "unknown".into());
        Machine {
            cores,
            kernel,
            cpu,
            load_before: load_average(),
        }
    }
}

/// The 1, 5 and 15 minute load averages, as the kernel prints them.
pub fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// The table as Markdown (what the terminal shows and BENCHMARKS.md holds).
pub fn table(rows: &[Row]) -> String {
    let header = [
        "case",
        "ours",
        "ours ns/op",
        "alternative",
        "alt ns/op",
        "ratio",
        "target",
        "result",
    ];
    let body: Vec<[String; 8]> = rows
        .iter()
        .map(|r| {
            [
                r.case.clone(),
                r.ours.clone(),
                fmt_ns(r.ours_ns),
                r.alternative.clone(),
                fmt_ns(r.alt_ns),
                fmt_ratio(r.ratio),
                fmt_target(r.target),
                match r.pass() {
                    Some(true) => "pass".into(),
                    Some(false) => "MISS".into(),
                    None => "info".into(),
                },
            ]
        })
        .collect();
    let mut width = header.map(str::len);
    for line in &body {
        for (w, cell) in width.iter_mut().zip(line) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let put = |out: &mut String, cells: &[String]| {
        out.push('|');
        for (i, (cell, w)) in cells.iter().zip(width).enumerate() {
            // Figures right-aligned, words left-aligned.
            if matches!(i, 2 | 4 | 5) {
                let _ = write!(out, " {cell:>w$} |");
            } else {
                let _ = write!(out, " {cell:<w$} |");
            }
        }
        out.push('\n');
    };
    put(&mut out, &header.map(String::from));
    out.push('|');
    for (i, w) in width.iter().enumerate() {
        if matches!(i, 2 | 4 | 5) {
            let _ = write!(out, "{}:|", "-".repeat(w + 1));
        } else {
            let _ = write!(out, "{}|", "-".repeat(w + 2));
        }
    }
    out.push('\n');
    for line in &body {
        put(&mut out, line);
    }
    out
}

fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_num(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        "null".into()
    }
}

/// The run as JSON: the machine, the settings, every row, the skipped
/// cases and the notes.
pub fn json(bench: &Bench, machine: &Machine) -> String {
    let mut out = String::from("{\n");
    let _ = writeln!(
        out,
        "  \"mode\": {},",
        json_str(if bench.cfg.quick { "quick" } else { "full" })
    );
    let _ = writeln!(
        out,
        "  \"machine\": {{\"cores\": {}, \"kernel\": {}, \"cpu\": {}, \"load_before\": {}, \"load_after\": {}}},",
        machine.cores,
        json_str(&machine.kernel),
        json_str(&machine.cpu),
        json_str(&machine.load_before),
        json_str(&load_average()),
    );
    let _ = writeln!(
        out,
        "  \"settings\": {{\"budget_ms\": {}, \"batch_us\": {}, \"min_rounds\": {}, \"warmup_rounds\": {}}},",
        bench.cfg.budget.as_millis(),
        bench.cfg.batch.as_micros(),
        bench.cfg.min_rounds,
        bench.cfg.warmup_rounds
    );
    out.push_str("  \"rows\": [\n");
    for (i, r) in bench.rows.iter().enumerate() {
        let (target, pass) = match (r.target.limit(), r.pass()) {
            (Some(t), Some(p)) => (json_num(t), p.to_string()),
            (None, Some(p)) => ("null".into(), p.to_string()),
            _ => ("null".into(), "null".into()),
        };
        let ours_at_most_ns = match r.target {
            Target::OursAtMostNs(ns) => json_num(ns),
            _ => "null".into(),
        };
        let _ = write!(
            out,
            "    {{\"case\": {}, \"ours\": {}, \"ours_ns\": {}, \"alternative\": {}, \"alt_ns\": {}, \
             \"ratio\": {}, \"ratio_q1\": {}, \"ratio_q3\": {}, \"ratio_of_medians\": {}, \
             \"target_at_most\": {}, \"ours_at_most_ns\": {}, \"pass\": {}, \"rounds\": {}, \"ours_batch_ops\": {}, \"alt_batch_ops\": {}}}",
            json_str(&r.case),
            json_str(&r.ours),
            json_num(r.ours_ns),
            json_str(&r.alternative),
            json_num(r.alt_ns),
            json_num(r.ratio),
            json_num(r.ratio_q1),
            json_num(r.ratio_q3),
            json_num(r.ours_ns / r.alt_ns),
            target,
            ours_at_most_ns,
            pass,
            r.rounds,
            r.ours_batch,
            r.alt_batch,
        );
        out.push_str(if i + 1 < bench.rows.len() {
            ",\n"
        } else {
            "\n"
        });
    }
    out.push_str("  ],\n  \"skipped\": [");
    for (i, (case, why)) in bench.skipped.iter().enumerate() {
        let _ = write!(
            out,
            "{}{{\"case\": {}, \"why\": {}}}",
            if i == 0 { "" } else { ", " },
            json_str(case),
            json_str(why)
        );
    }
    out.push_str("],\n  \"notes\": [");
    for (i, n) in bench.notes.iter().enumerate() {
        let _ = write!(out, "{}{}", if i == 0 { "" } else { ", " }, json_str(n));
    }
    let _ = writeln!(out, "],\n  \"seconds\": {:.1}\n}}", bench.elapsed());
    out
}

/// Where the JSON goes: the target directory this binary was built in
/// (`<target>/<profile>/deps/compare-*`), so `CARGO_TARGET_DIR` and a
/// configured `build.target-dir` are respected; else `$CARGO_TARGET_DIR`,
/// else `target/` beside the manifest.
pub fn target_dir() -> PathBuf {
    if let Ok(exe) = std::env::current_exe() {
        let deps = exe.parent();
        if deps
            .and_then(|d| d.file_name())
            .is_some_and(|n| n == "deps")
        {
            if let Some(dir) = deps.and_then(|d| d.parent()).and_then(|p| p.parent()) {
                return dir.to_path_buf();
            }
        }
    }
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => manifest.join(dir),
        None => manifest.join("target"),
    }
}

/// The system allocator, counting allocations and live bytes while
/// switched on (only in single-threaded moments of the run, never while a
/// case is timed; switched off it costs one relaxed load).
pub struct Counting {
    on: AtomicBool,
    count: AtomicU64,
    live: AtomicI64,
}

#[global_allocator]
pub static ALLOCATIONS: Counting = Counting {
    on: AtomicBool::new(false),
    count: AtomicU64::new(0),
    live: AtomicI64::new(0),
};

impl Counting {
    /// Switches counting on; returns the counters to pass to `stop`.
    pub fn start(&self) -> (u64, i64) {
        let before = (self.count.load(Relaxed), self.live.load(Relaxed));
        self.on.store(true, Relaxed);
        before
    }

    /// Switches counting off; returns the allocations made and the bytes
    /// still live since `start`.
    pub fn stop(&self, before: (u64, i64)) -> (u64, i64) {
        self.on.store(false, Relaxed);
        (
            self.count.load(Relaxed) - before.0,
            self.live.load(Relaxed) - before.1,
        )
    }
}

// SAFETY: every call is forwarded to `System` unchanged; the counters
// only observe.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let p = unsafe { System.alloc(layout) };
        if self.on.load(Relaxed) && !p.is_null() {
            self.count.fetch_add(1, Relaxed);
            self.live.fetch_add(layout.size() as i64, Relaxed);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let p = unsafe { System.alloc_zeroed(layout) };
        if self.on.load(Relaxed) && !p.is_null() {
            self.count.fetch_add(1, Relaxed);
            self.live.fetch_add(layout.size() as i64, Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if self.on.load(Relaxed) {
            self.live.fetch_sub(layout.size() as i64, Relaxed);
        }
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if self.on.load(Relaxed) && !p.is_null() {
            self.count.fetch_add(1, Relaxed);
            self.live
                .fetch_add(new_size as i64 - layout.size() as i64, Relaxed);
        }
        p
    }
}
