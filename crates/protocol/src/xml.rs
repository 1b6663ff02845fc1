//! Strict XML reading into a small element tree, and escaping XML writing.

mod element;
mod read;
mod text;
mod write;

pub(crate) use element::Element;
pub(crate) use read::parse_document;
pub(crate) use write::XmlWriter;

/// Returns whether XML 1.0 allows `c` in a document (the `Char` production).
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c,
        '\t' | '\n' | '\r'
        | '\u{20}'..='\u{D7FF}'
        | '\u{E000}'..='\u{FFFD}'
        | '\u{10000}'..='\u{10FFFF}')
}

/// Returns whether `c` is XML white space (the `S` production).
pub(crate) fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}
