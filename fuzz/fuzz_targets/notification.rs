//! Fuzzes `Notification::parse` and `NotificationList::parse`, and the writers on every accepted document.
#![no_main]

use libfuzzer_sys::fuzz_target;
use protocol::{Notification, NotificationList};

fuzz_target!(|data: &[u8]| {
    // An accepted document must write and read back unchanged.
    if let Ok(notification) = Notification::parse(data) {
        let written = notification.to_xml().expect("accepted notification writes");
        assert_eq!(Notification::parse(&written), Ok(notification));
    }
    if let Ok(list) = NotificationList::parse(data) {
        let written = list.to_xml().expect("accepted list writes");
        assert_eq!(NotificationList::parse(&written), Ok(list));
    }
});
