//! Fuzzes `FetchListResponse::parse`, and the writer on every accepted response.
#![no_main]

use libfuzzer_sys::fuzz_target;
use protocol::FetchListResponse;

fuzz_target!(|data: &[u8]| {
    if let Ok(response) = FetchListResponse::parse(data) {
        // An accepted response must write and read back unchanged.
        let written = response.to_xml().expect("accepted response writes");
        assert_eq!(FetchListResponse::parse(&written), Ok(response));
    }
});
