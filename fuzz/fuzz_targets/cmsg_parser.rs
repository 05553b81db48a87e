//! `ControlMessages` (the received-control-message parser), and
//! `ErrorQueueEntry::parse` (the error queue's, which walks it too), on arbitrary
//! bytes: the first byte picks how much of the rest is the control area
//! and where it starts (unaligned starts included), as a kernel's
//! `msg_controllen` would. Every message yielded must lie inside the
//! area, the walk must end within one step per alignment unit, and
//! nothing may panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use nativesockets::{ControlMessages, ErrorQueueEntry, ReceivedControl};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let start = usize::from(pick & 7).min(rest.len());
    let area = &rest[start..];
    let cut = if pick & 0x80 != 0 {
        area.len()
    } else {
        area.len().saturating_sub(usize::from(pick >> 3))
    };
    let area = &area[..cut];
    let lo = area.as_ptr() as usize;
    let hi = lo + area.len();
    let mut steps = 0;
    for msg in ControlMessages::new(area) {
        steps += 1;
        assert!(steps <= area.len() / 4 + 1, "the walk does not advance");
        let inside = |d: &[u8]| {
            let p = d.as_ptr() as usize;
            assert!(d.is_empty() || (p >= lo && p + d.len() <= hi));
        };
        match msg {
            ReceivedControl::Raw { data, .. } => inside(data),
            #[cfg(unix)]
            ReceivedControl::Rights(fds) => {
                assert!(fds.len() * 4 <= area.len());
                assert_eq!(fds.iter().count(), fds.len());
            }
            other => {
                let _ = format!("{other:?}");
            }
        }
    }
    // The error-queue parser on the same bytes: a raw entry is the area
    // itself, and the statistics of a timestamp lie inside it.
    match ErrorQueueEntry::parse(area) {
        ErrorQueueEntry::Raw(bytes) => assert_eq!(bytes.len(), area.len()),
        ErrorQueueEntry::Timestamp(t) => {
            if let Some(stats) = t.stats {
                let p = stats.as_ptr() as usize;
                assert!(stats.is_empty() || (p >= lo && p + stats.len() <= hi));
            }
        }
        other => {
            let _ = format!("{other:?}");
        }
    }
});
