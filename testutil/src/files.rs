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

/// A fresh directory in the system's temporary directory, named after this
/// process and `tag` (each test of a binary gives its own tag), removed
/// with what it holds when dropped. A leftover of a killed run of the same
/// test is removed first.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// Makes the directory; panics (the test fails) when it cannot.
    pub fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("nativesockets-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
