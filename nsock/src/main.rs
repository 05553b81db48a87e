//! `nsock`: name lookups, a port scanner and a netcat, built only on the
//! public API of `nativesockets`, so that it doubles as proof that the API
//! is enough for real tools.
//!
//! The command line is defined in `cli`, each command runs in its own
//! module (`lookup`, `scan`, `ping`, `relay` for listen and connect with
//! `tls` and `exec`, `broker`, `forward`, `socks`; `proxy` is connect's
//! --proxy), on the shared `address` parsing and `bind`ing (`server` for
//! the servers' listeners and defaults, `access` for --allow/--deny), and
//! what they print and how they fail goes through `output` (and `json`);
//! every accepting server accepts through `accept` (the back-off at the
//! descriptor limit), and errors that can repeat per event are counted
//! through `episode`; `main` parses, dispatches and exits.

mod accept;
mod access;
mod address;
mod bind;
mod broker;
mod cli;
mod episode;
mod exec;
mod forward;
mod json;
mod lookup;
mod output;
mod ping;
mod proxy;
mod relay;
mod scan;
mod server;
mod socks;
mod tls;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use cli::{Cli, Command};
use output::Failure;

fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Serv(a) => lookup::serv(&a.services, a.proto.as_deref(), a.out.json),
        Command::Host(a) => lookup::host(&a.hosts, a.out.json),
        Command::Addrinfo(a) => lookup::addrinfo(&a.query()),
        Command::Proto(a) => lookup::proto(&a.names, a.out.json),
        Command::Hostname(a) => lookup::hostname(a.out.json),
        Command::Scan(a) => scan::run(&a.options()),
        Command::Listen(a) => match a.broker() {
            Some(b) => broker::run(&b),
            None => relay::listen(&a.options()),
        },
        Command::Connect(a) => relay::connect(&a.options()),
        Command::Ping(a) => ping::run(&a.options()),
        Command::Forward(a) => forward::run(&a.options().map_err(Failure::usage)?),
        Command::Socks(a) => socks::run(&a.options()),
    }
}

fn main() -> ExitCode {
    // clap prints usage errors itself and exits with code 2.
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let name = matches.subcommand_name().unwrap_or_default().to_string();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            match failure.usage_message() {
                // The usage errors found after clap's checks are printed
                // in clap's shape, so that every one ends the same way.
                Some(message) => {
                    let _ = cli::usage_error(&name, message).print();
                }
                None => failure.report(),
            }
            failure.exit_code()
        }
    }
}
