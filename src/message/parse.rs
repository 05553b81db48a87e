//! Parsing a control area the kernel filled: [`ControlMessages`], a
//! bounds-checked walk that yields each message typed
//! ([`ReceivedControl`]) or raw, and never panics whatever the bytes.

use std::os::raw::c_int;

#[cfg(unix)]
use super::control::{Credentials, Fds};
use super::control::{ReceivedControl, Timestamps};
use crate::sys;
use crate::sys::cmsg::CmsgKind;

/// An iterator over the control messages in a control area the kernel
/// filled, parsed with the platform's `CMSG_*` rules and checked against
/// the buffer's length: it never reads past the end, a message whose
/// length runs past the end yields the bytes that are there and ends the
/// walk, and a header too short to be one ends it too. It never panics,
/// whatever the bytes.
///
/// [`RecvMsg::control`](super::RecvMsg::control) gives one; [`ControlMessages::new`] parses any
/// bytes (for example from a raw `recvmsg` call).
///
/// # Examples
/// ```
/// use nativesockets::{ControlMessages, ReceivedControl};
/// // Too short for a header: nothing.
/// assert_eq!(ControlMessages::new(&[1, 2, 3]).count(), 0);
/// ```
#[derive(Clone, Debug)]
pub struct ControlMessages<'a> {
    rest: &'a [u8],
}

impl<'a> ControlMessages<'a> {
    /// Parses `control`, the filled part of a control area (`msg_control`
    /// up to `msg_controllen`).
    pub fn new(control: &'a [u8]) -> ControlMessages<'a> {
        ControlMessages { rest: control }
    }
}

impl<'a> ControlMessages<'a> {
    /// The next message's level, type and payload (the bytes present),
    /// undecoded, with the same bounds checks as the iterator: for
    /// parsers that look at a few kinds only (the error queue's).
    pub(crate) fn next_raw(&mut self) -> Option<(c_int, c_int, &'a [u8])> {
        let buf = self.rest;
        let (len, level, ty) = sys::read_cmsg_header(buf)?;
        let offset = sys::cmsg_data_offset();
        if len < offset {
            // A length shorter than its own header: the walk cannot go on.
            self.rest = &[];
            let start = offset.min(buf.len());
            return Some((level, ty, &buf[start..start]));
        }
        let end = len.min(buf.len());
        let data = &buf[offset.min(end)..end];
        let step = len
            .checked_add(sys::cmsg_align_unit() - 1)
            .map(|l| l & !(sys::cmsg_align_unit() - 1));
        self.rest = match step {
            Some(step) if step < buf.len() => &buf[step..],
            _ => &[],
        };
        Some((level, ty, data))
    }
}

impl<'a> Iterator for ControlMessages<'a> {
    type Item = ReceivedControl<'a>;

    fn next(&mut self) -> Option<ReceivedControl<'a>> {
        let (level, ty, data) = self.next_raw()?;
        Some(decode(level, ty, data))
    }
}

/// A message's typed form, or `Raw` when its payload does not fit its
/// type.
fn decode(level: c_int, ty: c_int, data: &[u8]) -> ReceivedControl<'_> {
    let raw = ReceivedControl::Raw { level, ty, data };
    let byte = |v: Option<i64>| v.and_then(|v| u8::try_from(v).ok());
    let kind = sys::cmsg_kind(level, ty);
    let typed = match kind {
        #[cfg(unix)]
        CmsgKind::Rights => Some(ReceivedControl::Rights(Fds { data })),
        #[cfg(unix)]
        CmsgKind::Credentials => sys::decode_credentials(data)
            .map(|(pid, uid, gid)| ReceivedControl::Credentials(Credentials { pid, uid, gid })),
        CmsgKind::PktInfoV4 | CmsgKind::DstAddrV4 => {
            sys::decode_pktinfo_v4(kind, data).map(|(addr, local, interface)| {
                ReceivedControl::PktInfoV4 {
                    addr,
                    local,
                    interface,
                }
            })
        }
        CmsgKind::PktInfoV6 => sys::decode_pktinfo_v6(data)
            .map(|(addr, interface)| ReceivedControl::PktInfoV6 { addr, interface }),
        CmsgKind::TosV4 => byte(sys::decode_int(data)).map(ReceivedControl::TosV4),
        CmsgKind::TclassV6 => byte(sys::decode_int(data)).map(ReceivedControl::TclassV6),
        CmsgKind::TtlV4 => byte(sys::decode_int(data)).map(ReceivedControl::TtlV4),
        CmsgKind::HopLimitV6 => byte(sys::decode_int(data)).map(ReceivedControl::HopLimitV6),
        CmsgKind::TimestampNs | CmsgKind::TimestampUs => {
            sys::decode_timestamp(kind, data).map(ReceivedControl::Timestamp)
        }
        CmsgKind::Timestamping => {
            sys::decode_timestamping(data).map(|[software, legacy, hardware]| {
                ReceivedControl::Timestamping(Timestamps {
                    software,
                    legacy,
                    hardware,
                })
            })
        }
        CmsgKind::UdpGro => sys::decode_int(data)
            .and_then(|v| u16::try_from(v).ok())
            .map(ReceivedControl::UdpGroSegment),
        CmsgKind::UdpSegment => sys::decode_int(data)
            .and_then(|v| u16::try_from(v).ok())
            .map(ReceivedControl::UdpSegment),
        _ => None,
    };
    typed.unwrap_or(raw)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::control::{align, cmsg_space, control_space, encode, ControlMessage};
    use std::net::Ipv6Addr;
    #[cfg(unix)]
    use std::os::fd::BorrowedFd;

    /// Builds a control area from messages, as a kernel would lay it out.
    fn area(msgs: &[ControlMessage<'_>]) -> Vec<u8> {
        let mut buf = vec![0u8; control_space(msgs)];
        let n = encode(msgs, &mut buf).unwrap();
        buf.truncate(n);
        buf
    }

    #[test]
    fn encoded_messages_parse_back() {
        let buf = area(&[
            ControlMessage::PktInfoV6 {
                addr: Ipv6Addr::LOCALHOST,
                interface: 7,
            },
            ControlMessage::HopLimitV6(9),
            ControlMessage::Raw {
                level: 1234,
                ty: 5,
                data: b"abc",
            },
        ]);
        let got: Vec<_> = ControlMessages::new(&buf).collect();
        assert_eq!(
            got,
            vec![
                ReceivedControl::PktInfoV6 {
                    addr: Ipv6Addr::LOCALHOST,
                    interface: 7
                },
                ReceivedControl::HopLimitV6(9),
                ReceivedControl::Raw {
                    level: 1234,
                    ty: 5,
                    data: b"abc"
                },
            ]
        );
    }

    #[test]
    fn parser_stops_at_every_cut_without_reading_past_it() {
        let buf = area(&[
            ControlMessage::TclassV6(2),
            ControlMessage::Raw {
                level: 77,
                ty: 1,
                data: &[9; 40],
            },
        ]);
        for cut in 0..=buf.len() {
            let part = &buf[..cut];
            for m in ControlMessages::new(part) {
                if let ReceivedControl::Raw { data, .. } = m {
                    let start = data.as_ptr() as usize - part.as_ptr() as usize;
                    assert!(start + data.len() <= cut);
                }
            }
        }
    }

    #[test]
    fn short_payloads_arrive_raw_and_bad_lengths_end_the_walk() {
        // A PKTINFO header whose payload is cut short.
        let mut buf = area(&[ControlMessage::PktInfoV6 {
            addr: Ipv6Addr::LOCALHOST,
            interface: 1,
        }]);
        let short = sys::cmsg_data_offset() + 4;
        buf.truncate(short);
        assert!(matches!(
            ControlMessages::new(&buf).next(),
            Some(ReceivedControl::Raw { data, .. }) if data.len() == 4
        ));
        // A length of 0, smaller than the header itself: one raw message
        // with no payload, and the walk ends.
        let zeros = [0u8; 64];
        let got: Vec<_> = ControlMessages::new(&zeros).collect();
        assert_eq!(got.len(), 1);
        assert!(matches!(got[0], ReceivedControl::Raw { data: [], .. }));
        // All-ones bytes: huge lengths, never a panic.
        let ones = vec![0xffu8; 100];
        assert!(ControlMessages::new(&ones).count() <= 1);
    }

    /// Found by the `cmsg_parser` fuzz target: an `SCM_TIMESTAMP` whose
    /// microseconds overflowed when turned into nanoseconds. A timestamp
    /// out of range arrives raw.
    #[cfg(all(target_os = "linux", target_pointer_width = "64"))]
    #[test]
    fn a_timestamp_out_of_range_arrives_raw() {
        let mut usec = [0u8; 64];
        // A 64-bit Linux timeval: two 8-byte fields.
        let timeval_len = 16;
        let len = sys::cmsg_data_offset() + timeval_len;
        sys::write_cmsg_header(
            &mut usec,
            sys::SOL_SOCKET,
            crate::SCM_TIMESTAMP,
            timeval_len,
        );
        let off = sys::cmsg_data_offset();
        // tv_sec 1, tv_usec far past a second (and past i64::MAX / 1000).
        usec[off..off + 8].copy_from_slice(&1i64.to_ne_bytes());
        usec[off + 8..off + 16].copy_from_slice(&(i64::MAX / 7).to_ne_bytes());
        let got: Vec<_> = ControlMessages::new(&usec[..len]).collect();
        assert_eq!(got.len(), 1);
        assert!(matches!(got[0], ReceivedControl::Raw { .. }), "{got:?}");
        // And the fuzzer's own input parses without a panic.
        let found = [
            0x80u8, 0, 0, 2, 0x20, 0, 0, 0, 0, 1, 0, 0, 0, 0x1d, 0, 0, 0, 0x23, 0, 0, 0, 0, 0, 0,
            0, 8, 0, 0, 0, 0, 0xf8, 0x88, 0x2b, 0, 0, 0, 0x3f,
        ];
        let _ = ControlMessages::new(&found[1..]).count();
    }

    #[test]
    fn space_is_header_plus_aligned_payload() {
        assert_eq!(cmsg_space(0), align(sys::cmsg_data_offset()));
        assert!(cmsg_space(1) > sys::cmsg_data_offset());
        assert_eq!(cmsg_space(4) % sys::cmsg_align_unit(), 0);
        assert_eq!(
            control_space(&[ControlMessage::TosV4(1), ControlMessage::TosV4(2)]),
            2 * cmsg_space(4)
        );
    }

    #[cfg(unix)]
    #[test]
    fn too_many_descriptors_is_invalid_input_naming_the_numbers() {
        // SAFETY: the descriptor is only copied into a list that is
        // checked and never encoded or used.
        let fd = unsafe { BorrowedFd::borrow_raw(0) };
        let many = vec![fd; 300];
        let err = ControlMessage::Rights(&many).check().unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("300"), "{err}");
        assert!(err.to_string().contains("253"), "{err}");
    }
}
