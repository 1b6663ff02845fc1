//! Fuzzes `AttendeeSearchResponse::parse`, and the writer on every accepted response.
#![no_main]

use libfuzzer_sys::fuzz_target;
use protocol::{AttendeeSearchResponse, AttendeeVersion};

fuzz_target!(|data: &[u8]| {
    for version in [AttendeeVersion::V1_0, AttendeeVersion::V2_0] {
        if let Ok(response) = AttendeeSearchResponse::parse(data, version) {
            // An accepted response must write and read back unchanged.
            let written = response.to_xml(version).expect("accepted response writes");
            assert_eq!(AttendeeSearchResponse::parse(&written, version), Ok(response));
        }
    }
});
