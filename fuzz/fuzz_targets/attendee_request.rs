//! Fuzzes `AttendeeSearchRequest::parse`, and the writer on every accepted request.
#![no_main]

use libfuzzer_sys::fuzz_target;
use protocol::{AttendeeSearchRequest, AttendeeVersion};

fuzz_target!(|data: &[u8]| {
    for version in [AttendeeVersion::V1_0, AttendeeVersion::V2_0] {
        if let Ok(request) = AttendeeSearchRequest::parse(data, version) {
            // An accepted request must write and read back unchanged.
            let written = request.to_xml(version).expect("accepted request writes");
            assert_eq!(AttendeeSearchRequest::parse(&written, version), Ok(request));
        }
    }
});
