//! Scratch files for tests.

use std::fs::File;
use std::path::PathBuf;

/// A file in the system's temporary directory holding `bytes`, named after
/// this process and `name` (so that parallel runs do not meet), and the
/// file opened for reading at its start. The caller removes it.
pub fn temp_file(name: &str, bytes: &[u8]) -> (PathBuf, File) {
    let path = std::env::temp_dir().join(format!("ns-msg-{}-{name}", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    let f = File::open(&path).unwrap();
    (path, f)
}
