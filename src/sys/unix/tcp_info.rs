//! `TCP_INFO` (Linux, FreeBSD) and `TCP_CONNECTION_INFO` (Apple): one
//! `getsockopt` into the platform's structure, copied into [`TcpInfo`].

#![cfg(tcp_info)]

use std::io;
use std::mem::{self, MaybeUninit};
use std::time::Duration;

use super::{socklen_t, Socket};
use crate::sys::{TcpInfo, TcpState};

/// Fills `T` with `getsockopt(IPPROTO_TCP, name)` and returns how many
/// bytes the kernel wrote (an older kernel writes a shorter prefix).
fn get_struct<T>(s: Socket, name: libc::c_int) -> io::Result<(T, usize)> {
    let mut value = MaybeUninit::<T>::zeroed();
    let mut len = mem::size_of::<T>() as socklen_t;
    // The kernel writes at most `len` bytes into `value`, which has them.
    syscall!(getsockopt(
        s,
        libc::IPPROTO_TCP,
        name,
        value.as_mut_ptr().cast(),
        &mut len
    ))?;
    // SAFETY: zeroed above, then (partly) written by the kernel; `T` is a
    // C structure of integers, valid for every bit pattern.
    Ok((unsafe { value.assume_init() }, len as usize))
}

/// Linux's `struct tcp_info` up to `tcpi_bytes_retrans` (kernel 4.19).
/// libc's copy stops at `tcpi_total_retrans`; the kernel fills as much of
/// a longer buffer as it knows and says how much through the length.
#[cfg(linux_like)]
#[repr(C)]
#[derive(Clone, Copy)]
struct LinuxTcpInfo {
    state: u8,
    ca_state: u8,
    retransmits: u8,
    probes: u8,
    backoff: u8,
    options: u8,
    wscale: u8,
    flags: u8,
    rto: u32,
    ato: u32,
    snd_mss: u32,
    rcv_mss: u32,
    unacked: u32,
    sacked: u32,
    lost: u32,
    retrans: u32,
    fackets: u32,
    last_data_sent: u32,
    last_ack_sent: u32,
    last_data_recv: u32,
    last_ack_recv: u32,
    pmtu: u32,
    rcv_ssthresh: u32,
    rtt: u32,
    rttvar: u32,
    snd_ssthresh: u32,
    snd_cwnd: u32,
    advmss: u32,
    reordering: u32,
    rcv_rtt: u32,
    rcv_space: u32,
    total_retrans: u32,
    pacing_rate: u64,
    max_pacing_rate: u64,
    bytes_acked: u64,
    bytes_received: u64,
    segs_out: u32,
    segs_in: u32,
    notsent_bytes: u32,
    min_rtt: u32,
    data_segs_in: u32,
    data_segs_out: u32,
    delivery_rate: u64,
    busy_time: u64,
    rwnd_limited: u64,
    sndbuf_limited: u64,
    delivered: u32,
    delivered_ce: u32,
    bytes_sent: u64,
    bytes_retrans: u64,
}

/// `TCP_INFO`, Linux.
#[cfg(linux_like)]
pub(crate) fn tcp_info(s: Socket) -> io::Result<TcpInfo> {
    let (i, len) = get_struct::<LinuxTcpInfo>(s, libc::TCP_INFO)?;
    // Every Linux since 2.6.2 writes at least up to `tcpi_total_retrans`;
    // less is not a kernel's answer (qemu-user passes TCP_INFO on as if it
    // were an int: 4 bytes, byte-swapped), and reading it would give
    // garbage.
    let least = mem::offset_of!(LinuxTcpInfo, pacing_rate);
    if len < least {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "TCP_INFO: the system returned {len} bytes, fewer than the {least} of any Linux \
                 kernel's struct tcp_info (an emulator that does not translate the option?)"
            ),
        ));
    }
    // A field is reported when the kernel wrote all of it.
    macro_rules! has {
        ($field:ident) => {
            len >= mem::offset_of!(LinuxTcpInfo, $field) + mem::size_of_val(&i.$field)
        };
    }
    let us = |v: u32| Duration::from_micros(u64::from(v));
    Ok(TcpInfo {
        state: Some(match i.state {
            1 => TcpState::Established,
            2 => TcpState::SynSent,
            3 => TcpState::SynReceived,
            4 => TcpState::FinWait1,
            5 => TcpState::FinWait2,
            6 => TcpState::TimeWait,
            7 => TcpState::Closed,
            8 => TcpState::CloseWait,
            9 => TcpState::LastAck,
            10 => TcpState::Listen,
            11 => TcpState::Closing,
            n => TcpState::Other(u32::from(n)),
        }),
        rtt: has!(rtt).then(|| us(i.rtt)),
        rtt_var: has!(rttvar).then(|| us(i.rttvar)),
        rto: has!(rto).then(|| us(i.rto)),
        cwnd_segments: has!(snd_cwnd).then_some(i.snd_cwnd),
        cwnd_bytes: None,
        ssthresh_segments: has!(snd_ssthresh).then_some(i.snd_ssthresh),
        ssthresh_bytes: None,
        retransmits: has!(retransmits).then_some(u32::from(i.retransmits)),
        total_retransmits: has!(total_retrans).then_some(i.total_retrans),
        bytes_retransmitted: has!(bytes_retrans).then_some(i.bytes_retrans),
        mss: has!(snd_mss).then_some(i.snd_mss),
        bytes_sent: has!(bytes_sent).then_some(i.bytes_sent),
        bytes_acked: has!(bytes_acked).then_some(i.bytes_acked),
        bytes_received: has!(bytes_received).then_some(i.bytes_received),
        delivery_rate: has!(delivery_rate).then_some(i.delivery_rate),
    })
}

/// The BSD numbering of TCP states (`netinet/tcp_fsm.h`), shared by
/// FreeBSD and Apple.
#[cfg(not(linux_like))]
fn bsd_state(n: u8) -> TcpState {
    match n {
        0 => TcpState::Closed,
        1 => TcpState::Listen,
        2 => TcpState::SynSent,
        3 => TcpState::SynReceived,
        4 => TcpState::Established,
        5 => TcpState::CloseWait,
        6 => TcpState::FinWait1,
        7 => TcpState::Closing,
        8 => TcpState::LastAck,
        9 => TcpState::FinWait2,
        10 => TcpState::TimeWait,
        n => TcpState::Other(u32::from(n)),
    }
}

#[cfg(target_os = "freebsd")]
pub(crate) fn tcp_info(s: Socket) -> io::Result<TcpInfo> {
    let (i, _) = get_struct::<libc::tcp_info>(s, libc::TCP_INFO)?;
    let us = |v: u32| Duration::from_micros(u64::from(v));
    Ok(TcpInfo {
        state: Some(bsd_state(i.tcpi_state)),
        rtt: Some(us(i.tcpi_rtt)),
        rtt_var: Some(us(i.tcpi_rttvar)),
        rto: Some(us(i.tcpi_rto)),
        cwnd_bytes: Some(i.tcpi_snd_cwnd),
        ssthresh_bytes: Some(i.tcpi_snd_ssthresh),
        total_retransmits: Some(i.tcpi_snd_rexmitpack),
        mss: Some(i.tcpi_snd_mss),
        ..TcpInfo::default()
    })
}

#[cfg(apple)]
pub(crate) fn tcp_info(s: Socket) -> io::Result<TcpInfo> {
    let (i, _) = get_struct::<libc::tcp_connection_info>(s, libc::TCP_CONNECTION_INFO)?;
    let ms = |v: u32| Duration::from_millis(u64::from(v));
    Ok(TcpInfo {
        state: Some(bsd_state(i.tcpi_state)),
        rtt: Some(ms(i.tcpi_srtt)),
        rtt_var: Some(ms(i.tcpi_rttvar)),
        rto: Some(ms(i.tcpi_rto)),
        cwnd_bytes: Some(i.tcpi_snd_cwnd),
        ssthresh_bytes: Some(i.tcpi_snd_ssthresh),
        bytes_retransmitted: Some(i.tcpi_txretransmitbytes),
        mss: Some(i.tcpi_maxseg),
        bytes_sent: Some(i.tcpi_txbytes),
        bytes_received: Some(i.tcpi_rxbytes),
        ..TcpInfo::default()
    })
}
