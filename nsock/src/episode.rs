//! Errors that can repeat once per event (a failed accept, a client's
//! error, a datagram that could not be delivered), reported so that stderr
//! stays bounded however often they come: the first of a run is printed,
//! the rest are counted, and the count is printed at most once every
//! [`REPORT_EVERY`] and when the run ends.
//!
//! A line per occurrence is what makes a server at its descriptor limit
//! write megabytes a second, and block for good on a stderr pipe nobody
//! reads; a count says the same in one line.

use std::fmt;
use std::time::{Duration, Instant};

use crate::output::warn;

/// The longest a count waits before it is printed while its run goes on;
/// also how long a run must be quiet before it is over.
pub const REPORT_EVERY: Duration = Duration::from_secs(10);

/// One kind of repeated error (see the module's docs).
#[derive(Debug)]
pub struct Episode {
    /// What is counted, in the plural: "failed accepts".
    noun: &'static str,
    /// Said after the first message of a run ("; pausing ...").
    first_suffix: &'static str,
    run: Option<Run>,
}

#[derive(Debug)]
struct Run {
    started: Instant,
    /// When a line was last printed for this run.
    reported: Instant,
    last_seen: Instant,
    total: u64,
    /// Occurrences since the last line.
    unreported: u64,
    last: String,
}

impl Episode {
    /// An episode counting `noun` (plural), whose first message of a run
    /// is followed by `first_suffix`.
    pub const fn new(noun: &'static str, first_suffix: &'static str) -> Episode {
        Episode {
            noun,
            first_suffix,
            run: None,
        }
    }

    /// Whether a run is going on.
    pub fn is_open(&self) -> bool {
        self.run.is_some()
    }

    /// Counts one occurrence, `message`: printed if it starts a run,
    /// else counted (and the count printed if [`REPORT_EVERY`] has passed
    /// since the run's last line).
    pub fn record(&mut self, now: Instant, message: impl fmt::Display) {
        match &mut self.run {
            None => {
                let last = message.to_string();
                warn(format_args!("{last}{}", self.first_suffix));
                self.run = Some(Run {
                    started: now,
                    reported: now,
                    last_seen: now,
                    total: 1,
                    unreported: 0,
                    last,
                });
            }
            Some(run) => {
                run.total += 1;
                run.unreported += 1;
                run.last_seen = now;
                run.last = message.to_string();
                if now >= run.reported + REPORT_EVERY {
                    self.report(now);
                }
            }
        }
    }

    /// For a loop with a timer: prints the count if it is due, and ends a
    /// run that has been quiet for [`REPORT_EVERY`] (its count printed),
    /// so that the next occurrence is printed again.
    pub fn tick(&mut self, now: Instant) {
        let Some(run) = &self.run else {
            return;
        };
        if run.unreported > 0 && now >= run.reported + REPORT_EVERY {
            self.report(now);
        } else if run.unreported == 0 && now >= run.last_seen + REPORT_EVERY {
            self.run = None;
        }
    }

    /// When [`tick`](Self::tick) next has something to do, if ever.
    pub fn deadline(&self) -> Option<Instant> {
        let run = self.run.as_ref()?;
        Some(if run.unreported > 0 {
            run.reported + REPORT_EVERY
        } else {
            run.last_seen + REPORT_EVERY
        })
    }

    /// Ends the run, if one is going on, with one line: the last message,
    /// how many there were over how long, and `outcome`.
    pub fn end(&mut self, now: Instant, outcome: impl fmt::Display) {
        if let Some(run) = self.run.take() {
            warn(format_args!(
                "{}: {} {} over {}; {outcome}",
                run.last,
                run.total,
                self.noun,
                seconds(now - run.started)
            ));
        }
    }

    fn report(&mut self, now: Instant) {
        if let Some(run) = &mut self.run {
            if run.unreported > 0 {
                warn(format_args!(
                    "{} more {} over {} (the last: {})",
                    run.unreported,
                    self.noun,
                    seconds(now - run.reported),
                    run.last
                ));
            }
            run.unreported = 0;
            run.reported = now;
        }
    }
}

impl Drop for Episode {
    /// A count not printed yet is printed when the loop that kept it ends.
    fn drop(&mut self) {
        self.report(Instant::now());
    }
}

/// `2.3 s`.
fn seconds(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}
