//! The command line: clap's definition of every command and flag (the
//! help texts and exit codes included), and the conversion of what was
//! parsed into the options each command takes.

use std::path::PathBuf;

use clap::{Args, CommandFactory, Parser, Subcommand};

use crate::address::{self, PortList};
use crate::{access, forward, proxy, socks};
use crate::{broker, exec, lookup, ping, relay, scan, tls};

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
    /// Show service entries (name, aliases, port, protocol), or list them all, like `getent services`.
    #[command(after_long_help = lookup::SERV_JSON)]
    Serv(ServArgs),
    /// Show hosts' canonical name, aliases, address type and addresses, or list the hosts file, like `getent hosts`.
    #[command(after_long_help = lookup::HOST_JSON)]
    Host(HostArgs),
    /// Show every getaddrinfo entry for a host (and port).
    #[command(after_long_help = lookup::ADDRINFO_JSON)]
    Addrinfo(AddrinfoArgs),
    /// Show protocols' name, number and aliases, or list them all, like `getent protocols`.
    #[command(after_long_help = lookup::PROTO_JSON)]
    Proto(ProtoArgs),
    /// Show this machine's host name.
    #[command(after_long_help = lookup::HOSTNAME_JSON)]
    Hostname(HostnameArgs),
    /// Find the open TCP ports of a host with many connects in flight at once.
    #[command(after_long_help = scan::SCAN_HELP)]
    Scan(ScanArgs),
    /// Wait for a connection (or datagrams) and copy stdin to it and it to stdout.
    #[command(after_long_help = format!("{}\n\n{}\n\n{}\n\n{}",
        relay::LISTEN_HELP, tls::LISTEN_TLS_HELP, exec::EXEC_HELP, broker::BROKER_HELP))]
    Listen(ListenArgs),
    /// Connect and copy stdin to the socket and the socket to stdout.
    #[command(after_long_help = format!("{}\n\n{}\n\n{}",
        relay::CONNECT_HELP, tls::CONNECT_TLS_HELP, exec::EXEC_HELP))]
    Connect(ConnectArgs),
    /// Send ICMP echo requests and print the replies, as ping(8) does.
    #[command(after_long_help = ping::PING_HELP)]
    Ping(PingArgs),
    /// Accept connections (or datagrams) and relay each, both ways, to HOST:PORT.
    #[command(after_long_help = forward::FORWARD_HELP)]
    Forward(ForwardArgs),
    /// Run a SOCKS5 (and SOCKS4/4a) proxy server.
    #[command(after_long_help = socks::SOCKS_HELP)]
    Socks(SocksArgs),
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
    /// IPv4 addresses only.
    #[arg(short = '4')]
    ipv4: bool,
    /// IPv6 addresses only (no IPv4-mapped `::ffff:a.b.c.d`).
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
    /// Service names or aliases (`http`, `www`) or port numbers (`80`), each optionally with
    /// `/PROTO` as getent takes them (`http/tcp`, `80/udp`); none lists the whole database.
    #[arg(value_name = "NAME|PORT[/PROTO]")]
    pub services: Vec<String>,
    /// The protocol (`tcp`, `udp`, ...); without it, every protocol's entry is shown.
    #[arg(short, long, value_name = "PROTO")]
    pub proto: Option<String>,
    #[command(flatten)]
    pub out: JsonFlag,
}

#[derive(Args, Debug)]
pub struct HostArgs {
    /// Host names (looked up with gethostbyname) or IPv4/IPv6 addresses in any numeric form
    /// (`127.1`, `fe80::1%lo`; gethostbyaddr); none lists the hosts file.
    #[arg(value_name = "NAME|IP")]
    pub hosts: Vec<String>,
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
    /// Ask for stream (TCP) entries only [default: stream, datagram and raw, as `getent ahosts`].
    #[arg(long, conflicts_with_all = ["udp", "raw"])]
    tcp: bool,
    /// Ask for datagram (UDP) entries only.
    #[arg(long, conflicts_with = "raw")]
    udp: bool,
    /// Ask for raw-socket entries only.
    #[arg(long)]
    raw: bool,
    #[command(flatten)]
    out: JsonFlag,
}

#[derive(Args, Debug)]
pub struct ProtoArgs {
    /// Protocol names or aliases, as in /etc/protocols (`tcp`, `TCP`), or numbers (`6`);
    /// none lists the protocols file.
    #[arg(value_name = "NAME|NUMBER")]
    pub names: Vec<String>,
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
    #[arg(short = 'u', long)]
    udp: bool,
    /// End when the socket has been silent this long, in milliseconds (listen: counted from
    /// the start, so it also ends a wait that no client ends).
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u32).range(1..=2_147_483_647))]
    idle: Option<u32>,
    /// nc's -w: a connect may take, and the socket may stay silent, this many seconds
    /// (--timeout and --idle, in milliseconds, take precedence).
    #[arg(short = 'w', value_name = "SECS", value_parser = clap::value_parser!(u32).range(1..=2_147_483))]
    wait: Option<u32>,
    #[command(flatten)]
    family: FamilyFlags,
    /// Print nothing on stderr but errors.
    #[arg(short, long, conflicts_with = "verbose")]
    quiet: bool,
    /// Say more of what happens on stderr: each address tried and why it failed, both ends of
    /// a connection, and the bytes moved (nc -v).
    #[arg(short, long)]
    verbose: bool,
}

impl RelayFlags {
    /// The idle limit: --idle, else -w.
    fn idle_ms(&self) -> Option<u32> {
        self.idle.or(self.wait.map(|s| s * 1000))
    }
}

#[derive(Args, Debug)]
// Where to listen: exactly one of these (so that a missing one is reported
// as "one of", not as each being required).
#[group(id = "where", required = true, multiple = false,
        args = ["address", "port", "unix", "broker"])]
pub struct ListenArgs {
    /// Where to listen: `PORT`, `:PORT` (every interface), `ADDR:PORT` or `[IPV6]:PORT`; port 0 picks a free one.
    #[arg(value_name = "[ADDR:]PORT", value_parser = address::listen_address)]
    address: Option<String>,
    /// nc's -p: the port to listen on, instead of the `[ADDR:]PORT` argument.
    #[arg(short = 'p', value_name = "PORT", conflicts_with_all = ["address", "unix"])]
    port: Option<String>,
    /// nc's -s: the address to listen on, with -p (default: every interface).
    #[arg(short = 's', value_name = "ADDR", requires = "port",
          conflicts_with_all = ["address", "unix", "broker"])]
    source: Option<String>,
    /// Accepted for nc's habit (`nc -l`); listen always listens.
    #[arg(short = 'l')]
    nc_listen: bool,
    // Broker mode (broker.rs): its own address, and nothing of the relay.
    /// Relay between clients instead: every byte one sends goes to all the others (see below).
    #[arg(long, value_name = "[ADDR:]PORT", value_parser = address::listen_address,
          conflicts_with_all = ["address", "unix", "keep", "udp", "idle", "port"])]
    broker: Option<String>,
    /// The broker's engine: `ring` (io_uring's completions), `poller` (readiness), or `auto`: ring
    /// where the Ring has a completion backend, else poller.
    #[arg(long, value_enum, requires = "broker", default_value_t = broker::Engine::Auto)]
    engine: broker::Engine,
    /// Listen on a Unix-domain socket at PATH instead (the file is removed on exit, Ctrl-C and
    /// SIGTERM included; on Windows, Ctrl-C leaves it).
    #[arg(long, value_name = "PATH", conflicts_with = "address")]
    unix: Option<PathBuf>,
    /// ncat's -k: keep accepting, and serve every client at once (stdin to each, each to
    /// stdout; with -e/-c, a child each): `nsock listen -k 7000`.
    #[arg(short, long, visible_alias = "keep-open", conflicts_with = "udp")]
    keep: bool,
    #[command(flatten)]
    tls: ListenTlsFlags,
    #[command(flatten)]
    exec: ListenExecFlags,
    #[command(flatten)]
    flags: RelayFlags,
}

/// listen's TLS flags.
#[derive(Args, Debug)]
pub struct ListenTlsFlags {
    /// Serve TLS 1.2/1.3 (a self-signed certificate unless --ssl-cert): `listen --ssl 8443`.
    #[arg(long, conflicts_with_all = ["udp", "broker"])]
    ssl: bool,
    /// The certificate (PEM, chain first), with --ssl-key: `--ssl-cert cert.pem --ssl-key key.pem`.
    #[arg(long, value_name = "FILE", requires_all = ["ssl", "ssl_key"])]
    ssl_cert: Option<PathBuf>,
    /// The certificate's private key (PEM), with --ssl-cert: `--ssl-key key.pem`.
    #[arg(long, value_name = "FILE", requires_all = ["ssl", "ssl_cert"])]
    ssl_key: Option<PathBuf>,
    /// ALPN protocols offered, comma-separated, first preferred: `--ssl-alpn h2,http/1.1`.
    #[arg(long, value_name = "LIST", requires = "ssl")]
    ssl_alpn: Option<String>,
}

/// connect's TLS flags.
#[derive(Args, Debug)]
pub struct ConnectTlsFlags {
    /// Speak TLS 1.2/1.3, checking the certificate against the system's roots:
    /// `connect --ssl example.com 443`.
    #[arg(long, conflicts_with_all = ["udp", "check"])]
    ssl: bool,
    /// CA certificates (PEM) to trust besides the system's: `--ssl-trustfile ca.pem`.
    #[arg(
        long,
        value_name = "FILE",
        requires = "ssl",
        conflicts_with = "ssl_no_verify"
    )]
    ssl_trustfile: Option<PathBuf>,
    /// Do not check the server's certificate (a warning says so): `--ssl-no-verify`.
    #[arg(long, requires = "ssl")]
    ssl_no_verify: bool,
    /// The name to check and send as SNI, instead of HOST: `--ssl-servername test.local`.
    #[arg(long, value_name = "NAME", requires = "ssl")]
    ssl_servername: Option<String>,
    /// ALPN protocols to offer, comma-separated: `--ssl-alpn h2,http/1.1`.
    #[arg(long, value_name = "LIST", requires = "ssl")]
    ssl_alpn: Option<String>,
}

/// -e and -c: the same flags on listen and connect, each conflicting with
/// what its command alone has (--broker, -z).
macro_rules! exec_flags {
    ($name:ident, $other:literal) => {
        /// -e and -c.
        #[derive(Args, Debug)]
        pub struct $name {
            /// Run CMD (split on whitespace, no shell) with the connection as its stdin and
            /// stdout: `-e cat`.
            #[arg(short = 'e', long = "exec", value_name = "CMD",
                                                  conflicts_with_all = ["sh_exec", "udp", $other])]
            exec: Option<String>,
            /// The same through `sh -c` (Windows: `cmd /C`): `-c 'echo hello; cat'`.
            #[arg(short = 'c', long = "sh-exec", value_name = "CMD",
                                                  conflicts_with_all = ["udp", $other])]
            sh_exec: Option<String>,
        }

        impl $name {
            fn command(self) -> Option<exec::ExecCommand> {
                exec::ExecCommand::from_flags(self.exec, self.sh_exec)
            }
        }
    };
}

exec_flags!(ListenExecFlags, "broker");
exec_flags!(ConnectExecFlags, "check");

#[derive(Args, Debug)]
pub struct ConnectArgs {
    /// `HOST:PORT` or `[IPV6]:PORT`, or, as nc takes them, `HOST PORT`; PORT may be a service name.
    #[arg(value_name = "HOST[:PORT]", required_unless_present = "unix")]
    target: Option<String>,
    /// The port, as nc takes it after the host; with -z, several ports and ranges (`22 80 8000-8100`).
    #[arg(value_name = "PORT", conflicts_with = "unix")]
    ports: Vec<String>,
    /// nc's -z: only check whether each port accepts a connection, sending nothing; exit 0 if
    /// one does (each open port is reported on stderr; with -v, each closed one too).
    #[arg(short = 'z', long = "check")]
    check: bool,
    /// nc's -s: the local address to connect from.
    #[arg(
        short = 's',
        long = "source",
        value_name = "ADDR",
        conflicts_with = "unix"
    )]
    source: Option<String>,
    /// nc's -p: the local port to connect from.
    #[arg(
        short = 'p',
        long = "source-port",
        value_name = "PORT",
        conflicts_with = "unix"
    )]
    source_port: Option<String>,
    /// Connect to the Unix-domain socket at PATH instead.
    #[arg(long, value_name = "PATH", conflicts_with = "target")]
    unix: Option<PathBuf>,
    /// Give up connecting after this many milliseconds: the name lookup and every attempt
    /// together (with -z, each port's attempt).
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u32).range(1..=3_600_000))]
    timeout: Option<u32>,
    /// Happy Eyeballs (RFC 8305): start the next address after this many milliseconds
    /// without an answer (default 250; a failed attempt starts the next at once).
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u32).range(0..=3_600_000))]
    fallback_delay: Option<u32>,
    #[command(flatten)]
    tls: ConnectTlsFlags,
    #[command(flatten)]
    exec: ConnectExecFlags,
    /// Connect through a proxy: `socks5://`, `socks5h://` (the proxy resolves HOST),
    /// `socks4://`, `socks4a://` or `http://` (CONNECT), as `SCHEME://[USER:PASS@]HOST:PORT`.
    #[arg(long, value_name = "URL", value_parser = proxy::parse_proxy,
          conflicts_with_all = ["unix", "check", "udp", "source", "source_port"])]
    proxy: Option<proxy::Proxy>,
    /// The user name and password the proxy asks for (SOCKS5, HTTP Basic; SOCKS4's user id).
    #[arg(long, value_name = "USER:PASS", requires = "proxy", value_parser = socks::parse_auth)]
    proxy_auth: Option<(String, String)>,
    #[command(flatten)]
    flags: RelayFlags,
}

/// A usage error found after clap's checks, in clap's own shape: `error:
/// MESSAGE`, the usage of `subcommand`, and the line pointing to `--help`.
pub fn usage_error(subcommand: &str, message: &str) -> clap::Error {
    let mut cli = Cli::command();
    // Built, so that the subcommand's usage line starts with `nsock`.
    cli.build();
    match cli.find_subcommand_mut(subcommand) {
        Some(sub) => sub.error(clap::error::ErrorKind::ValueValidation, message),
        None => cli.error(clap::error::ErrorKind::ValueValidation, message),
    }
}

impl AddrinfoArgs {
    /// What `lookup::addrinfo` is asked.
    pub fn query(&self) -> lookup::AddrinfoQuery<'_> {
        lookup::AddrinfoQuery {
            host: &self.host,
            port: self.port.as_deref(),
            domain: self.family.domain(),
            tcp: self.tcp,
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
            engine: self.engine,
        })
    }

    /// What `relay::listen` is asked.
    pub fn options(self) -> relay::Options {
        // nc's `-l -p PORT [-s ADDR]` is `[ADDR:]PORT`.
        let address = match (self.address, self.port) {
            (Some(a), _) => Some(a),
            (None, Some(port)) => Some(match self.source {
                Some(host) if host.contains(':') => format!("[{host}]:{port}"),
                Some(host) => format!("{host}:{port}"),
                None => port,
            }),
            (None, None) => None,
        };
        relay::Options {
            address,
            unix: self.unix,
            udp: self.flags.udp,
            keep: self.keep,
            idle_ms: self.flags.idle_ms(),
            connect_timeout_ms: None,
            fallback_delay_ms: None,
            domain: self.flags.family.domain(),
            quiet: self.flags.quiet,
            verbose: self.flags.verbose,
            ports: Vec::new(),
            check: false,
            source: None,
            source_port: None,
            tls: self.tls.ssl.then(|| tls::TlsArgs {
                cert: self.tls.ssl_cert,
                key: self.tls.ssl_key,
                alpn: self.tls.ssl_alpn,
                ..tls::TlsArgs::default()
            }),
            exec: self.exec.command(),
            proxy: None,
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
            idle_ms: self.flags.idle_ms(),
            connect_timeout_ms: self.timeout.or(self.flags.wait.map(|s| s * 1000)),
            fallback_delay_ms: self.fallback_delay,
            domain: self.flags.family.domain(),
            quiet: self.flags.quiet,
            verbose: self.flags.verbose,
            ports: self.ports,
            check: self.check,
            source: self.source,
            source_port: self.source_port,
            tls: self.tls.ssl.then(|| tls::TlsArgs {
                trustfile: self.tls.ssl_trustfile,
                no_verify: self.tls.ssl_no_verify,
                servername: self.tls.ssl_servername,
                alpn: self.tls.ssl_alpn,
                ..tls::TlsArgs::default()
            }),
            exec: self.exec.command(),
            proxy: self.proxy.map(|mut p| {
                if self.proxy_auth.is_some() {
                    p.auth = self.proxy_auth;
                }
                p
            }),
        }
    }
}

/// `nsock ping`'s flags, named as iputils' ping names them.
#[derive(Args, Debug)]
pub struct PingArgs {
    /// The host to ping: a name or an address.
    host: String,
    /// Stop after sending COUNT requests (and waiting for their replies).
    #[arg(short = 'c', value_name = "COUNT", value_parser = clap::value_parser!(u32).range(1..))]
    count: Option<u32>,
    /// Seconds between requests (fractions allowed; 0: each as soon as the last is answered).
    #[arg(short = 'i', value_name = "SECS", default_value = "1", value_parser = ping::parse_secs)]
    interval: std::time::Duration,
    /// Seconds to wait for the replies still missing after the last request [default: 10].
    #[arg(short = 'W', value_name = "SECS", value_parser = ping::parse_secs)]
    wait: Option<std::time::Duration>,
    /// Data bytes in each request (the ICMP message is 8 more).
    #[arg(short = 's', value_name = "SIZE", default_value_t = 56,
          value_parser = clap::value_parser!(u32).range(0..=65_527))]
    size: u32,
    /// The requests' time to live (IPv6: hop limit).
    #[arg(short = 't', value_name = "TTL", value_parser = clap::value_parser!(u8).range(1..))]
    ttl: Option<u8>,
    /// Which socket: an ICMP datagram one if allowed, else raw (auto); or only one of them.
    #[arg(long, value_enum, default_value_t = ping::SocketChoice::Auto)]
    socket: ping::SocketChoice,
    #[command(flatten)]
    family: FamilyFlags,
    #[command(flatten)]
    out: JsonFlag,
}

impl PingArgs {
    /// What `ping::run` is asked.
    pub fn options(self) -> ping::PingOptions {
        ping::PingOptions {
            host: self.host,
            count: self.count,
            interval: self.interval,
            wait: self.wait,
            size: self.size,
            ttl: self.ttl,
            domain: self.family.domain(),
            socket: self.socket,
            json: self.out.json,
        }
    }
}

// `forward` and `socks`: the servers (forward/, socks.rs), who may use
// them (access.rs), and connect's --proxy (proxy.rs).

#[derive(Args, Debug)]
pub struct AccessFlags {
    /// Serve only clients in this address block (`10.0.0.0/8`, `::1`); repeatable.
    #[arg(long, value_name = "CIDR", value_parser = access::parse_cidr)]
    allow: Vec<access::Cidr>,
    /// Refuse clients in this address block; repeatable; wins over --allow.
    #[arg(long, value_name = "CIDR", value_parser = access::parse_cidr)]
    deny: Vec<access::Cidr>,
    /// Serve at most N clients at once; more are closed at once.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    max_conns: Option<u32>,
}

impl AccessFlags {
    fn access(&self) -> access::Access {
        access::Access {
            allow: self.allow.clone(),
            deny: self.deny.clone(),
        }
    }
}

/// forward's TLS flags: --ssl for the clients' side, --ssl-target for the target's.
#[derive(Args, Debug)]
pub struct ForwardTlsFlags {
    /// Clients speak TLS 1.2/1.3 to the forwarder (a self-signed certificate unless
    /// --ssl-cert): `forward --ssl 8443 127.0.0.1:80`.
    #[arg(long, conflicts_with = "udp")]
    ssl: bool,
    /// The certificate shown to clients (PEM, chain first), with --ssl-key.
    #[arg(long, value_name = "FILE", requires_all = ["ssl", "ssl_key"])]
    ssl_cert: Option<PathBuf>,
    /// The certificate's private key (PEM), with --ssl-cert.
    #[arg(long, value_name = "FILE", requires_all = ["ssl", "ssl_cert"])]
    ssl_key: Option<PathBuf>,
    /// Speak TLS 1.2/1.3 to HOST:PORT, checking its certificate against the system's roots:
    /// `forward 8080 example.com:443 --ssl-target`.
    #[arg(long, conflicts_with = "udp")]
    ssl_target: bool,
    /// CA certificates (PEM) to trust for the target besides the system's: `--ssl-trustfile ca.pem`.
    #[arg(
        long,
        value_name = "FILE",
        requires = "ssl_target",
        conflicts_with = "ssl_no_verify"
    )]
    ssl_trustfile: Option<PathBuf>,
    /// Do not check the target's certificate (a warning says so).
    #[arg(long, requires = "ssl_target")]
    ssl_no_verify: bool,
    /// The name to check and send as SNI to the target, instead of HOST.
    #[arg(long, value_name = "NAME", requires = "ssl_target")]
    ssl_servername: Option<String>,
    /// ALPN protocols to offer the target, comma-separated: `--ssl-alpn h2,http/1.1`.
    #[arg(long, value_name = "LIST", requires = "ssl_target")]
    ssl_alpn: Option<String>,
}

#[derive(Args, Debug)]
pub struct ForwardArgs {
    /// `[ADDR:]PORT` to listen on (a bare PORT: loopback only; `:PORT`: every interface), then
    /// `HOST:PORT` to forward to; either is left out when --unix or --to-unix takes its place.
    #[arg(value_name = "[ADDR:]PORT HOST:PORT", num_args = 0..=2)]
    addresses: Vec<String>,
    /// Listen on a Unix-domain socket at PATH instead of `[ADDR:]PORT`.
    #[arg(long, value_name = "PATH")]
    unix: Option<PathBuf>,
    /// Forward to the Unix-domain socket at PATH instead of HOST:PORT.
    #[arg(long, value_name = "PATH")]
    to_unix: Option<PathBuf>,
    /// Forward UDP datagrams: one session per client address.
    #[arg(short = 'u', long)]
    udp: bool,
    /// Move every byte through nsock's buffers (recv/send), never by splice(2) (Linux).
    #[arg(long)]
    no_splice: bool,
    /// With -u: end a session after this many seconds without a datagram either way.
    #[arg(long, value_name = "SECS", default_value_t = 60,
          value_parser = clap::value_parser!(u32).range(1..=86_400))]
    idle: u32,
    #[command(flatten)]
    tls: ForwardTlsFlags,
    #[command(flatten)]
    access: AccessFlags,
    #[command(flatten)]
    family: FamilyFlags,
    /// Print nothing on stderr but errors.
    #[arg(short, long, conflicts_with = "verbose")]
    quiet: bool,
    /// Report each connection, its end and bytes moved, and each client refused.
    #[arg(short, long)]
    verbose: bool,
}

impl ForwardArgs {
    /// What `forward::run` is asked, or the usage error of the addresses.
    pub fn options(self) -> Result<forward::ForwardOptions, String> {
        let mut given = self.addresses.into_iter();
        let wanted = 2 - usize::from(self.unix.is_some()) - usize::from(self.to_unix.is_some());
        if given.len() != wanted {
            return Err(format!(
                "forward takes {wanted} address{} here ([ADDR:]PORT{}HOST:PORT, less what --unix and --to-unix replace), {} given",
                if wanted == 1 { "" } else { "es" },
                " and ",
                given.len()
            ));
        }
        let listen = match self.unix {
            Some(path) => forward::ListenOn::Unix(path),
            None => {
                let text = given.next().expect("counted");
                address::listen_address(&text)?;
                forward::ListenOn::Inet(text)
            }
        };
        let target = match self.to_unix {
            Some(path) => forward::Dest::Unix(path),
            None => forward::Dest::Inet(given.next().expect("counted")),
        };
        Ok(forward::ForwardOptions {
            listen,
            target,
            udp: self.udp,
            idle_secs: self.idle,
            max_conns: self.access.max_conns.map(|n| n as usize),
            access: self.access.access(),
            domain: self.family.domain(),
            quiet: self.quiet,
            verbose: self.verbose,
            splice: !self.no_splice,
            tls_listen: self.tls.ssl.then(|| tls::TlsArgs {
                cert: self.tls.ssl_cert,
                key: self.tls.ssl_key,
                ..tls::TlsArgs::default()
            }),
            tls_target: self.tls.ssl_target.then(|| tls::TlsArgs {
                trustfile: self.tls.ssl_trustfile,
                no_verify: self.tls.ssl_no_verify,
                servername: self.tls.ssl_servername,
                alpn: self.tls.ssl_alpn,
                ..tls::TlsArgs::default()
            }),
        })
    }
}

#[derive(Args, Debug)]
pub struct SocksArgs {
    /// `[ADDR:]PORT` to listen on: a bare PORT listens on loopback only, `:PORT` on every interface.
    #[arg(value_name = "[ADDR:]PORT", value_parser = address::listen_address)]
    address: String,
    /// Ask SOCKS5 clients for this user name and password (RFC 1929); SOCKS4 clients are then refused.
    #[arg(long, value_name = "USER:PASS", value_parser = socks::parse_auth)]
    auth: Option<(String, String)>,
    #[command(flatten)]
    access: AccessFlags,
    #[command(flatten)]
    family: FamilyFlags,
    /// Print nothing on stderr but errors.
    #[arg(short, long, conflicts_with = "verbose")]
    quiet: bool,
    /// Report each request (who asked for what) and each client refused.
    #[arg(short, long)]
    verbose: bool,
}

impl SocksArgs {
    /// What `socks::run` is asked.
    pub fn options(self) -> socks::SocksOptions {
        socks::SocksOptions {
            address: self.address,
            auth: self.auth,
            max_conns: self.access.max_conns.map(|n| n as usize),
            access: self.access.access(),
            domain: self.family.domain(),
            quiet: self.quiet,
            verbose: self.verbose,
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
