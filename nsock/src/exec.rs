//! `-e CMD` / `--exec CMD` and `-c CMD` / `--sh-exec CMD` on `listen` and
//! `connect`: the connection becomes a child process's stdin and stdout,
//! as with ncat.
//!
//! On Unix the socket itself is handed to the child (two duplicates of
//! its descriptor, as fd 0 and 1), so nothing is relayed: the child reads
//! and writes the connection directly, and its exit closes the last
//! descriptor, which ends the connection. With `--ssl` the socket is the
//! plain end of the TLS bridge, so the same holds. Elsewhere (Windows, where
//! a socket cannot be a child's standard handle reliably), two threads copy
//! between the child's pipes and the socket.

use std::io;
use std::process::{Command, ExitStatus, Stdio};

use nativesockets::SocketHandle;

use crate::output::Failure;

pub const EXEC_HELP: &str = "\
-e CMD runs CMD (split on whitespace, no shell) with the connection as its \
stdin and stdout; -c CMD runs it with `sh -c` (on Windows, `cmd /C`). \
The child's exit ends the connection; its stderr stays the terminal's. \
With listen -k, each connection gets its own child. With --ssl, the \
child's bytes go through the TLS session.
  nsock listen -e cat 7000                 (an echo server)
  nsock listen -k -c 'date; uname -a' 7000
  nsock connect -e /bin/sh host:7000       (ncat's reverse shell)";

/// The command `-e` or `-c` gave.
#[derive(Debug, Clone)]
pub enum ExecCommand {
    /// `-e`: a program and its arguments, split on whitespace.
    Argv(Vec<String>),
    /// `-c`: a line for the shell.
    Shell(String),
}

impl ExecCommand {
    /// The command from `-e` or `-c` (clap keeps them apart; `-e` wins).
    pub fn from_flags(exec: Option<String>, sh: Option<String>) -> Option<Self> {
        match (exec, sh) {
            (Some(line), _) => Some(ExecCommand::Argv(
                line.split_whitespace().map(String::from).collect(),
            )),
            (None, Some(line)) => Some(ExecCommand::Shell(line)),
            (None, None) => None,
        }
    }

    /// An empty command is a usage error, found before anything listens.
    pub fn check(&self) -> Result<(), Failure> {
        match self {
            ExecCommand::Argv(argv) if argv.is_empty() => {
                Err(Failure::usage("-e: an empty command"))
            }
            ExecCommand::Shell(line) if line.trim().is_empty() => {
                Err(Failure::usage("-c: an empty command"))
            }
            _ => Ok(()),
        }
    }

    /// How the command is shown in messages.
    pub fn shown(&self) -> String {
        match self {
            ExecCommand::Argv(argv) => argv.join(" "),
            ExecCommand::Shell(line) => line.clone(),
        }
    }

    fn command(&self) -> Command {
        match self {
            ExecCommand::Argv(argv) => {
                let mut c = Command::new(&argv[0]);
                c.args(&argv[1..]);
                c
            }
            ExecCommand::Shell(line) => {
                let mut c = if cfg!(windows) {
                    let mut c = Command::new("cmd");
                    c.arg("/C");
                    c
                } else {
                    let mut c = Command::new("sh");
                    c.arg("-c");
                    c
                };
                c.arg(line);
                c
            }
        }
    }

    /// Runs the command on `conn` (blocking) and waits for it to exit.
    pub fn run(&self, conn: SocketHandle) -> io::Result<ExitStatus> {
        let name = self.shown();
        run_on(self.command(), conn)
            .map_err(|e| io::Error::new(e.kind(), format!("running {name:?}: {e}")))
    }
}

#[cfg(unix)]
fn run_on(mut command: Command, conn: SocketHandle) -> io::Result<ExitStatus> {
    use std::os::fd::OwnedFd;
    // A child reads and writes with plain blocking calls.
    conn.set_blocking(true)?;
    let input = OwnedFd::from(conn);
    let output = input.try_clone()?;
    let mut child = command
        .stdin(Stdio::from(input))
        .stdout(Stdio::from(output))
        .spawn()?;
    // `command` holds the descriptors until it is dropped: the connection
    // must end with the child, not with this process.
    drop(command);
    child.wait()
}

#[cfg(not(unix))]
fn run_on(mut command: Command, conn: SocketHandle) -> io::Result<ExitStatus> {
    use std::io::{Read, Write};
    use std::net::Shutdown;
    use std::sync::Arc;
    use std::thread;

    conn.set_blocking(true)?;
    let conn = Arc::new(conn);
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    drop(command);
    let mut stdin = child.stdin.take();
    let mut stdout = child.stdout.take();
    let to_child = {
        let conn = Arc::clone(&conn);
        thread::spawn(move || {
            let mut buf = vec![0u8; 32 * 1024];
            while let Some(pipe) = stdin.as_mut() {
                match (&*conn).read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if pipe.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                }
            }
            // Dropping the pipe is the child's end of input.
            drop(stdin);
        })
    };
    let from_child = {
        let conn = Arc::clone(&conn);
        thread::spawn(move || {
            let mut buf = vec![0u8; 32 * 1024];
            while let Some(pipe) = stdout.as_mut() {
                match pipe.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if (&*conn).write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                }
            }
            let _ = conn.shutdown(Shutdown::Write);
        })
    };
    let status = child.wait();
    let _ = from_child.join();
    // The child is gone: nothing more is read for it.
    let _ = conn.shutdown(Shutdown::Both);
    let _ = to_child.join();
    status
}
