//! Counting the open descriptors (this process's, to prove nothing
//! leaked, or a child's) and a child's CPU time.

/// How many descriptors this process has open (the entries of
/// `/proc/self/fd`, counted while the directory itself is open), or `None`
/// where that cannot be counted: on a system other than Linux, or where
/// `/proc` is not mounted.
pub fn open_descriptors() -> Option<usize> {
    if cfg!(target_os = "linux") {
        Some(std::fs::read_dir("/proc/self/fd").ok()?.count())
    } else {
        None
    }
}

/// How many descriptors process `pid` has open (the entries of
/// `/proc/PID/fd`), or `None` where that cannot be read (not Linux, no
/// `/proc`, the process gone).
pub fn open_descriptors_of(pid: u32) -> Option<usize> {
    if cfg!(target_os = "linux") {
        Some(std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count())
    } else {
        None
    }
}

/// The CPU time process `pid` has used so far, user and system together
/// (`utime` + `stime` of `/proc/PID/stat`, in the kernel's 100 Hz clock
/// ticks, which Linux reports on every architecture it has), or `None`
/// where that cannot be read.
pub fn cpu_time_of(pid: u32) -> Option<std::time::Duration> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name, in parentheses, may hold spaces: count fields
    // from the last `)`. utime and stime are fields 14 and 15 of the line.
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(std::time::Duration::from_millis((utime + stime) * 10))
}
