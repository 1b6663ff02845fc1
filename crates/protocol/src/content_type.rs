//! The content type of callout messages.

/// Returns whether a `Content-Type` value is `application/xml` or
/// `text/xml`, with `charset=utf-8` or no charset. Other parameters are ignored.
pub fn is_xml_content_type(value: &str) -> bool {
    let mut parts = value.split(';');
    let media_type = parts.next().unwrap_or_default().trim();
    if !media_type.eq_ignore_ascii_case("application/xml")
        && !media_type.eq_ignore_ascii_case("text/xml")
    {
        return false;
    }

    for parameter in parts {
        let Some((name, parameter_value)) = parameter.split_once('=') else {
            if parameter.trim().is_empty() {
                continue;
            }
            return false;
        };
        if name.trim().eq_ignore_ascii_case("charset") {
            let charset = parameter_value.trim().trim_matches('"');
            if !charset.eq_ignore_ascii_case("utf-8") {
                return false;
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_type_application_xml() {
        assert!(is_xml_content_type("application/xml"));
    }

    #[test]
    fn content_type_text_xml_with_utf8() {
        assert!(is_xml_content_type("text/xml; charset=UTF-8"));
    }

    #[test]
    fn content_type_quoted_charset() {
        assert!(is_xml_content_type("application/xml;charset=\"utf-8\""));
    }

    #[test]
    fn content_type_other_charset() {
        assert!(!is_xml_content_type("application/xml; charset=iso-8859-1"));
    }

    #[test]
    fn content_type_json() {
        assert!(!is_xml_content_type("application/json"));
    }

    #[test]
    fn content_type_xml_suffix_is_not_xml() {
        assert!(!is_xml_content_type("application/soap+xml"));
    }

    #[test]
    fn content_type_parameter_without_value() {
        assert!(!is_xml_content_type("application/xml; charset"));
    }
}
