//! The cookies a test browser keeps for the one site it visits.
//!
//! The host's tests and the end-to-end test of the `callouts` executable
//! both include this file.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Mutex;

use reqwest::header::{HeaderMap, SET_COOKIE};

/// Cookies by name, updated from `Set-Cookie` headers. Attributes other
/// than `Max-Age=0`, which removes the cookie, are ignored.
#[derive(Default)]
pub struct CookieJar {
    cookies: Mutex<BTreeMap<String, String>>,
}

impl CookieJar {
    pub fn get(&self, name: &str) -> Option<String> {
        self.cookies.lock().unwrap().get(name).cloned()
    }

    pub fn insert(&self, name: &str, value: &str) {
        self.cookies
            .lock()
            .unwrap()
            .insert(name.to_owned(), value.to_owned());
    }

    /// Returns the value of a `Cookie` header with every cookie, or `None` when the jar is empty.
    pub fn header(&self) -> Option<String> {
        let cookies = self.cookies.lock().unwrap();
        if cookies.is_empty() {
            return None;
        }
        let pairs: Vec<String> = cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        Some(pairs.join("; "))
    }

    /// Stores the cookies that the `Set-Cookie` headers of a response set or remove.
    pub fn store(&self, headers: &HeaderMap) {
        let mut cookies = self.cookies.lock().unwrap();
        for header in headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
        {
            let pair = header.split(';').next().unwrap_or_default();
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            if header.contains("Max-Age=0") {
                cookies.remove(name);
            } else {
                cookies.insert(name.to_owned(), value.to_owned());
            }
        }
    }
}
