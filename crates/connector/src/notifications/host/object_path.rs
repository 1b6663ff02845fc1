//! ObjectURIs checked against the configured host origin, so that the access token goes nowhere else.

use std::fmt;

use outbound::Origin;

/// Most characters of a rejected ObjectURI repeated in a message.
const MAX_ECHOED_CHARS: usize = 200;

/// The path of an object on the configured host, from an ObjectURI that
/// names that origin: starts with `/`, visible ASCII, no query, fragment,
/// empty segment or `.`/`..` segment, no trailing `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectPath(String);

impl ObjectPath {
    /// Takes the path of `uri` when its scheme, host and port are those of
    /// `origin`; the error names the rule broken.
    pub fn within(origin: &Origin, uri: &str) -> Result<ObjectPath, String> {
        let reject = |rule: String| {
            let echoed: String = uri.chars().take(MAX_ECHOED_CHARS).collect();
            format!("ObjectURI {echoed} {rule}")
        };

        let scheme_length = "https://".len();
        let has_https = uri
            .get(..scheme_length)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"));
        if !has_https {
            return Err(reject(format!("is not under the host origin {origin}")));
        }
        let rest = &uri[scheme_length..];
        let (authority, path) = match rest.find('/') {
            Some(index) => rest.split_at(index),
            None => (rest, ""),
        };
        let named = Origin::parse(&format!("https://{authority}"));
        if named.as_ref() != Ok(origin) {
            return Err(reject(format!("is not under the host origin {origin}")));
        }

        let path = path.strip_suffix('/').unwrap_or(path);
        if path.is_empty() {
            return Err(reject("names no object: the path is empty".to_owned()));
        }
        if !path.bytes().all(|byte| byte.is_ascii_graphic()) {
            return Err(reject(
                "contains white space, a control character or non-ASCII text".to_owned(),
            ));
        }
        if path.contains('?') || path.contains('#') {
            return Err(reject("has a query or fragment".to_owned()));
        }
        let bad_segment = path
            .split('/')
            .skip(1)
            .any(|segment| segment.is_empty() || segment == "." || segment == "..");
        if bad_segment {
            return Err(reject(
                "has an empty, `.` or `..` path segment".to_owned(),
            ));
        }
        Ok(ObjectPath(path.to_owned()))
    }

    /// Returns the path, beginning with `/`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Returns the path of a resource below the object, such as `workflow`.
    pub fn child(&self, name: &str) -> String {
        format!("{}/{name}", self.0)
    }
}

impl fmt::Display for ObjectPath {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Origin {
        Origin::parse("https://host.example.com:8444").unwrap()
    }

    #[test]
    fn object_path_same_origin_is_accepted() {
        let path = ObjectPath::within(
            &origin(),
            "https://HOST.example.com:8444/api/expense/v1/reports/42",
        );

        assert_eq!(path.map(|path| path.0), Ok("/api/expense/v1/reports/42".to_owned()));
    }

    #[test]
    fn object_path_other_origins_are_rejected() {
        for uri in [
            "https://host.example.com/api/expense/v1/reports/42",
            "https://host.example.com:8445/api/expense/v1/reports/42",
            "https://evil.example.com:8444/api/expense/v1/reports/42",
            "http://host.example.com:8444/api/expense/v1/reports/42",
            "https://user@host.example.com:8444/api/expense/v1/reports/42",
            "https://host.example.com:8444@evil.example.com/api/expense/v1/reports/42",
            "https://host.example.com.evil.example.com:8444/api",
        ] {
            let error = ObjectPath::within(&origin(), uri).unwrap_err();
            assert!(error.contains("is not under the host origin"), "{uri}: {error}");
        }
    }

    #[test]
    fn object_path_bad_paths_are_rejected() {
        for path in ["", "/", "/api/../oauth2/v0/token", "/api//reports", "/api/reports?id=1", "/api/reports#x"] {
            let uri = format!("https://host.example.com:8444{path}");
            assert!(ObjectPath::within(&origin(), &uri).is_err(), "{uri} was accepted");
        }
    }

    #[test]
    fn object_path_child_appends_segment() {
        let path = ObjectPath::within(&origin(), "https://host.example.com:8444/api/reports/42/").unwrap();

        assert_eq!(path.child("workflow"), "/api/reports/42/workflow");
    }
}
