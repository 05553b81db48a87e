//! `SockAddr::from_bytes` on arbitrary bytes, then every accessor,
//! `Display`, `Debug` and `get_addr_string`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use nativesockets::SockAddr;

mod common;

fuzz_target!(|data: &[u8]| {
    match SockAddr::from_bytes(data) {
        Ok(addr) => {
            assert_eq!(addr.as_bytes(), data);
            common::check(&addr);
        }
        Err(e) => {
            assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
            assert!(
                data.len() < 2 || data.len() > 128,
                "{} bytes: {e}",
                data.len()
            );
            assert!(e.to_string().contains(&data.len().to_string()), "{e}");
        }
    }
});
