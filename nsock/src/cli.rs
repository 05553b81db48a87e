//! The command line: clap's definition of every command and flag (the
//! help texts and exit codes included), and the conversion of what was
//! parsed into the options each command takes.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::address::{self, PortList};
use crate::{broker, lookup, relay, scan};

const EXIT_CODES: &str = "\
Exit codes: 0 success; 1 a name was not found, a connection failed or \
another runtime error; 2 a usage error (bad flag, port or port range).";

/// Look up names, scan ports, and move data over sockets.
#[derive(Parser, Debug)]
#[command(name = "nsock", version, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Show a service entry (name, aliases, port, protocol), like `getent services`.
    #[command(after_long_help = lookup::SERV_JSON)]
    Serv(ServArgs),
    /// Show a host's canonical name, aliases, address type and addresses, like `getent hosts`.
    #[command(after_long_help = lookup::HOST_JSON)]
    Host(HostArgs),
    /// Show every getaddrinfo entry for a host (and port).
    #[command(after_long_help = lookup::ADDRINFO_JSON)]
    Addrinfo(AddrinfoArgs),
    /// Show a protocol's number, like `getent protocols`.
    #[command(after_long_help = lookup::PROTO_JSON)]
    Proto(ProtoArgs),
    /// Show this machine's host name.
    #[command(after_long_help = lookup::HOSTNAME_JSON)]
    Hostname(HostnameArgs),
    /// Find the open TCP ports of a host with many connects in flight at once.
    #[command(after_long_help = scan::SCAN_HELP)]
    Scan(ScanArgs),
    /// Wait for a connection (or datagrams) and copy stdin to it and it to stdout.
    #[command(after_long_help = format!("{}\n\n{}", relay::LISTEN_HELP, broker::BROKER_HELP))]
    Listen(ListenArgs),
    /// Connect and copy stdin to the socket and the socket to stdout.
    #[command(after_long_help = relay::CONNECT_HELP)]
    Connect(ConnectArgs),
}

#[derive(Args, Debug)]
pub struct JsonFlag {
    /// Print one JSON document on stdout instead of text (shape below in --help).
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug, Clone, Copy)]
#[group(multiple = false)]
pub struct FamilyFlags {
    /// IPv4 only.
    #[arg(short = '4')]
    ipv4: bool,
    /// IPv6 only.
    #[arg(short = '6')]
    ipv6: bool,
}

impl FamilyFlags {
    fn domain(self) -> nativesockets::Domain {
        use nativesockets::Domain;
        match (self.ipv4, self.ipv6) {
            (true, _) => Domain::Inet,
            (_, true) => Domain::Inet6,
            _ => Domain::Unspec,
        }
    }
}

#[derive(Args, Debug)]
pub struct ServArgs {
    /// A service name or alias (`http`, `www`) or a port number (`80`).
    #[arg(value_name = "NAME|PORT")]
    pub service: String,
    /// The protocol (`tcp`, `udp`, ...); without it, the tcp and udp entries are shown.
    #[arg(short, long, value_name = "PROTO")]
    pub proto: Option<String>,
    #[command(flatten)]
    pub out: JsonFlag,
}

#[derive(Args, Debug)]
pub struct HostArgs {
    /// A host name (looked up with gethostbyname) or an IPv4/IPv6 address (gethostbyaddr).
    #[arg(value_name = "NAME|IP")]
    pub host: String,
    #[command(flatten)]
    pub out: JsonFlag,
}

#[derive(Args, Debug)]
pub struct AddrinfoArgs {
    /// A host name or an address.
    host: String,
    /// A port number or a service name (default 0).
    port: Option<String>,
    #[command(flatten)]
    family: FamilyFlags,
    /// Ask for datagram (UDP) entries instead of stream (TCP) ones.
    #[arg(long, conflicts_with = "raw")]
    udp: bool,
    /// Ask for raw-socket entries instead of stream (TCP) ones.
    #[arg(long)]
    raw: bool,
    #[command(flatten)]
    out: JsonFlag,
}

#[derive(Args, Debug)]
pub struct ProtoArgs {
    /// A protocol name or alias, as in /etc/protocols (`tcp`, `udp`, `icmp`, `TCP`).
    pub name: String,
    #[command(flatten)]
    pub out: JsonFlag,
}

#[derive(Args, Debug)]
pub struct HostnameArgs {
    #[command(flatten)]
    pub out: JsonFlag,
}

#[derive(Args, Debug)]
pub struct ScanArgs {
    /// The host to scan: a name (every address it has is scanned) or an address.
    host: String,
    /// Ports and ranges, like `22,80,8000-8100` [default: the TCP ports of the services database].
    #[arg(value_parser = address::parse_port_list)]
    ports: Option<PortList>,
    /// How long each connect may take, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 1000,
          value_parser = clap::value_parser!(u32).range(1..=3_600_000))]
    timeout: u32,
    /// How many connects are in flight at once (fewer if the descriptor limit is lower).
    #[arg(long, value_name = "N", default_value_t = 256,
          value_parser = clap::value_parser!(u32).range(1..=65_536))]
    parallel: u32,
    #[command(flatten)]
    family: FamilyFlags,
    #[command(flatten)]
    out: JsonFlag,
}

#[derive(Args, Debug)]
pub struct RelayFlags {
    /// Use UDP (or, with --unix, a datagram socket) instead of TCP.
    #[arg(long)]
    udp: bool,
    /// End when the socket has been silent this long, in milliseconds.
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u32).range(1..=2_147_483_647))]
    idle: Option<u32>,
    #[command(flatten)]
    family: FamilyFlags,
    /// Print nothing on stderr but errors.
    #[arg(short, long)]
    quiet: bool,
}

#[derive(Args, Debug)]
pub struct ListenArgs {
    /// Where to listen: `PORT`, `:PORT` (every interface), `ADDR:PORT` or `[IPV6]:PORT`; port 0 picks a free one.
    #[arg(value_name = "[ADDR:]PORT", required_unless_present_any = ["unix", "broker"],
          value_parser = address::listen_address)]
    address: Option<String>,
    // Broker mode (broker.rs): its own address, and nothing of the relay.
    /// Relay between clients instead: every byte one sends goes to all the others (see below).
    #[arg(long, value_name = "[ADDR:]PORT", value_parser = address::listen_address,
          conflicts_with_all = ["address", "unix", "keep", "udp", "idle"])]
    broker: Option<String>,
    /// Listen on a Unix-domain socket at PATH instead (the file is removed on exit).
    #[arg(long, value_name = "PATH", conflicts_with = "address")]
    unix: Option<PathBuf>,
    /// After a connection ends, wait for the next one (TCP and Unix streams).
    #[arg(short, long, conflicts_with = "udp")]
    keep: bool,
    #[command(flatten)]
    flags: RelayFlags,
}

#[derive(Args, Debug)]
pub struct ConnectArgs {
    /// `HOST:PORT` or `[IPV6]:PORT`; PORT may be a service name.
    #[arg(value_name = "HOST:PORT", required_unless_present = "unix",
          value_parser = address::connect_address)]
    target: Option<String>,
    /// Connect to the Unix-domain socket at PATH instead.
    #[arg(long, value_name = "PATH", conflicts_with = "target")]
    unix: Option<PathBuf>,
    /// Give up a connect attempt after this many milliseconds.
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u32).range(1..=3_600_000))]
    timeout: Option<u32>,
    #[command(flatten)]
    flags: RelayFlags,
}

impl AddrinfoArgs {
    /// What `lookup::addrinfo` is asked.
    pub fn query(&self) -> lookup::AddrinfoQuery<'_> {
        lookup::AddrinfoQuery {
            host: &self.host,
            port: self.port.as_deref(),
            domain: self.family.domain(),
            udp: self.udp,
            raw: self.raw,
            json: self.out.json,
        }
    }
}

impl ScanArgs {
    /// What `scan::run` is asked.
    pub fn options(self) -> scan::ScanOptions {
        scan::ScanOptions {
            host: self.host,
            ports: self.ports,
            timeout_ms: self.timeout,
            parallel: self.parallel,
            domain: self.family.domain(),
            json: self.out.json,
        }
    }
}

impl ListenArgs {
    /// What `broker::run` is asked, when --broker was given.
    pub fn broker(&self) -> Option<broker::BrokerOptions> {
        Some(broker::BrokerOptions {
            address: self.broker.clone()?,
            domain: self.flags.family.domain(),
            quiet: self.flags.quiet,
        })
    }

    /// What `relay::listen` is asked.
    pub fn options(self) -> relay::Options {
        relay::Options {
            address: self.address,
            unix: self.unix,
            udp: self.flags.udp,
            keep: self.keep,
            idle_ms: self.flags.idle,
            connect_timeout_ms: None,
            domain: self.flags.family.domain(),
            quiet: self.flags.quiet,
        }
    }
}

impl ConnectArgs {
    /// What `relay::connect` is asked.
    pub fn options(self) -> relay::Options {
        relay::Options {
            address: self.target,
            unix: self.unix,
            udp: self.flags.udp,
            keep: false,
            idle_ms: self.flags.idle,
            connect_timeout_ms: self.timeout,
            domain: self.flags.family.domain(),
            quiet: self.flags.quiet,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    #[test]
    fn command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
