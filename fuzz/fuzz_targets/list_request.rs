//! Fuzzes `FetchListRequest::parse`, and the writer on every accepted request.
#![no_main]

use libfuzzer_sys::fuzz_target;
use protocol::FetchListRequest;

fuzz_target!(|data: &[u8]| {
    if let Ok(request) = FetchListRequest::parse(data) {
        // An accepted request must write and read back unchanged.
        let written = request.to_xml().expect("accepted request writes");
        assert_eq!(FetchListRequest::parse(&written), Ok(request));
    }
});
