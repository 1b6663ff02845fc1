//! Writing of message documents, one element per line, with escaped values.

use std::borrow::Cow;

use super::is_xml_space;

/// Bytes reserved for a document before writing it.
const INITIAL_CAPACITY: usize = 1024;

/// Builds a UTF-8 document with an XML declaration. Values must already be
/// checked for characters XML forbids; the writer only escapes.
pub(crate) struct XmlWriter {
    out: String,
    depth: usize,
}

impl XmlWriter {
    pub fn new() -> Self {
        // Most documents fit, so the buffer is rarely copied while it grows.
        let mut out = String::with_capacity(INITIAL_CAPACITY);
        out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        XmlWriter { out, depth: 0 }
    }

    pub fn start(&mut self, name: &str) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str(">\n");
        self.depth += 1;
    }

    pub fn end(&mut self, name: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.indent();
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    /// Writes an element without content as `<name/>`.
    pub fn empty(&mut self, name: &str) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str("/>\n");
    }

    /// Writes a text element; an empty value becomes `<name/>`.
    pub fn value(&mut self, name: &str, value: &str) {
        if value.is_empty() {
            self.empty(name);
            return;
        }
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        self.out.push_str(&escape_text(value));
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    pub fn finish(self) -> Vec<u8> {
        self.out.into_bytes()
    }

    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }
}

/// Escapes `value` for element content so that a strict reader returns it
/// unchanged. The five markup characters become entity references. A
/// carriage return becomes `&#xD;`, because XML turns a literal one into a
/// line feed. White space at either edge becomes character references,
/// because the reader drops literal edge white space as indentation.
pub(crate) fn escape_text(value: &str) -> Cow<'_, str> {
    // The characters to escape are ASCII, and no byte of a multi-byte UTF-8
    // character is ASCII, so a byte scan finds them. The scan has no early
    // exit, so that the compiler can check several bytes at a time.
    let needs_escape = value.bytes().fold(false, |found, byte| {
        found | matches!(byte, b'&' | b'<' | b'>' | b'"' | b'\'' | b'\r')
    });
    let has_edge_space = value.starts_with(is_xml_space) || value.ends_with(is_xml_space);
    if !has_edge_space && !needs_escape {
        return Cow::Borrowed(value);
    }

    let inner_start = value.len() - value.trim_start_matches(is_xml_space).len();
    let inner_end = value.trim_end_matches(is_xml_space).len().max(inner_start);
    let mut out = String::with_capacity(value.len() + 16);
    for (index, c) in value.char_indices() {
        let at_edge = index < inner_start || index >= inner_end;
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#xD;"),
            ' ' if at_edge => out.push_str("&#x20;"),
            '\t' if at_edge => out.push_str("&#x9;"),
            '\n' if at_edge => out.push_str("&#xA;"),
            other => out.push(other),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::escape_text;

    #[test]
    fn escape_text_markup_characters() {
        assert_eq!(
            escape_text(r#"a&b<c>d"e'f"#),
            "a&amp;b&lt;c&gt;d&quot;e&apos;f"
        );
    }

    #[test]
    fn escape_text_plain_value_borrowed() {
        assert!(matches!(
            escape_text("San Francisco"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn escape_text_edge_white_space() {
        assert_eq!(escape_text(" a b\t"), "&#x20;a b&#x9;");
    }

    #[test]
    fn escape_text_only_white_space() {
        assert_eq!(escape_text(" \n"), "&#x20;&#xA;");
    }

    #[test]
    fn escape_text_carriage_return() {
        assert_eq!(escape_text("a\r\nb"), "a&#xD;\nb");
    }
}
