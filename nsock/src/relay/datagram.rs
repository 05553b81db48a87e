//! Datagram relays: what arrives goes to stdout, stdin to the peer or
//! to the latest sender.

use std::io::{self, Write};
use std::sync::Arc;
use std::time::Instant;

use nativesockets::{select_read, RawSocketHandle, SockAddr, SocketHandle};

use super::pump::{Relay, Target};
use super::{transient, Options};
use crate::episode::Episode;
use crate::output::{context, stdout_failure, Failure};

/// Datagrams from `socks` to stdout. A socket connected to `peer` has that
/// one peer, and errors on it (a closed port's ICMP answer) end the relay;
/// otherwise stdin goes to the latest sender, and errors are reported and
/// survived: the first of a run printed, the rest counted (an [`Episode`]
/// each way), since a peer that has gone can fail every datagram.
pub(super) fn datagrams(
    relay: &Relay,
    socks: &[Arc<SocketHandle>],
    peer: Option<&str>,
    o: &Options,
) -> Result<(), Failure> {
    let connected = peer.is_some();
    if connected {
        if let Some(sock) = socks.first() {
            relay.shared.begin(Target {
                sock: Arc::clone(sock),
                to: None,
                stream: false,
                session: 0,
            });
        }
    }
    let mut buf = vec![0u8; 64 * 1024];
    let mut out = io::stdout().lock();
    let mut last_sender: Option<SockAddr> = None;
    let mut send_errors = Episode::new("failed sends", "");
    let mut recv_errors = Episode::new("receive errors", "");
    loop {
        let ready: Vec<RawSocketHandle> = {
            let mut ready: Vec<&SocketHandle> = socks.iter().map(|s| &**s).collect();
            ready.push(&relay.wake);
            match select_read(&mut ready, o.idle()) {
                Ok(0) => {
                    o.info(format_args!("idle for {} ms: closing", o.idle()));
                    return Ok(());
                }
                Ok(_) => ready.iter().map(|s| s.as_raw()).collect(),
                Err(e) => return Err(context(e, "waiting for datagrams").into()),
            }
        };
        for raw in ready {
            if raw == relay.wake.as_raw() {
                relay.drain_wake();
                if let Some(e) = relay.shared.take_any_send_error() {
                    match (peer, &last_sender) {
                        (Some(peer), _) => {
                            return Err(context(e, format_args!("sending to {peer}")).into())
                        }
                        (None, Some(to)) => send_errors
                            .record(Instant::now(), context(e, format_args!("sending to {to}"))),
                        (None, None) => send_errors.record(Instant::now(), context(e, "sending")),
                    }
                }
                continue;
            }
            let Some(sock) = socks.iter().find(|s| s.as_raw() == raw) else {
                continue;
            };
            match sock.recv_from(&mut buf) {
                Ok((n, from)) => {
                    if let Err(e) = out.write_all(&buf[..n]).and_then(|()| out.flush()) {
                        return Err(stdout_failure(e));
                    }
                    if !connected && last_sender.as_ref() != Some(&from) {
                        o.info(format_args!("datagrams from {from}"));
                        if !from.is_unnamed() {
                            relay.shared.begin(Target {
                                sock: Arc::clone(sock),
                                to: Some(from.clone()),
                                stream: false,
                                session: 0,
                            });
                        }
                        last_sender = Some(from);
                    }
                }
                Err(e) if transient(&e) => {}
                Err(e) if connected => {
                    let peer = peer.unwrap_or_default();
                    return Err(context(e, format_args!("receiving from {peer}")).into());
                }
                // On an unconnected socket, an error here is the ICMP
                // answer to an earlier datagram to some sender, not the
                // end of this socket.
                Err(e) => match sock.local_addr() {
                    Ok(local) => recv_errors.record(
                        Instant::now(),
                        context(e, format_args!("receiving on {local}")),
                    ),
                    Err(_) => recv_errors.record(Instant::now(), context(e, "receiving")),
                },
            }
        }
    }
}
