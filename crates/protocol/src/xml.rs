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

/// Returns the first character of `text` that XML forbids, if any.
pub(crate) fn find_forbidden(text: &str) -> Option<char> {
    // A `str` contains no surrogates, so the characters XML forbids in it are
    // the ASCII controls other than tab, line feed and carriage return, and
    // U+FFFE and U+FFFF, whose UTF-8 forms start with the byte 0xEF. The
    // first scan looks for either kind of byte, without an early exit, so
    // that the compiler can check several bytes at a time. The second runs
    // only when it finds one, to name the character or to clear a 0xEF that
    // starts an allowed character.
    let suspect =
        |byte: u8| (byte < 0x20 && !matches!(byte, b'\t' | b'\n' | b'\r')) || byte == 0xEF;
    if !text
        .bytes()
        .fold(false, |found, byte| found | suspect(byte))
    {
        return None;
    }
    text.chars().find(|&c| !is_xml_char(c))
}

/// Returns whether `c` is XML white space (the `S` production).
pub(crate) fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// Returns whether `name` matches the XML 1.0 `Name` production: a
/// `NameStartChar` followed by `NameChar`s. The reader does not check names.
pub(crate) fn is_xml_name(name: &str) -> bool {
    // Message element names are ASCII, so bytes are checked first. A name
    // with other characters takes the full check.
    let bytes = name.as_bytes();
    if bytes.is_ascii() {
        return bytes
            .first()
            .is_some_and(|&first| is_ascii_name_start(first))
            && bytes[1..].iter().all(|&byte| {
                is_ascii_name_start(byte) || matches!(byte, b'-' | b'.' | b'0'..=b'9')
            });
    }
    let mut characters = name.chars();
    characters.next().is_some_and(is_name_start_char) && characters.all(is_name_char)
}

fn is_ascii_name_start(byte: u8) -> bool {
    matches!(byte, b':' | b'A'..=b'Z' | b'_' | b'a'..=b'z')
}

fn is_name_start_char(c: char) -> bool {
    matches!(c,
        ':' | 'A'..='Z' | '_' | 'a'..='z'
        | '\u{C0}'..='\u{D6}'
        | '\u{D8}'..='\u{F6}'
        | '\u{F8}'..='\u{2FF}'
        | '\u{370}'..='\u{37D}'
        | '\u{37F}'..='\u{1FFF}'
        | '\u{200C}'..='\u{200D}'
        | '\u{2070}'..='\u{218F}'
        | '\u{2C00}'..='\u{2FEF}'
        | '\u{3001}'..='\u{D7FF}'
        | '\u{F900}'..='\u{FDCF}'
        | '\u{FDF0}'..='\u{FFFD}'
        | '\u{10000}'..='\u{EFFFF}')
}

fn is_name_char(c: char) -> bool {
    is_name_start_char(c)
        || matches!(c,
            '-' | '.' | '0'..='9' | '\u{B7}'
            | '\u{300}'..='\u{36F}'
            | '\u{203F}'..='\u{2040}')
}

#[cfg(test)]
mod tests {
    use super::{find_forbidden, is_name_char, is_name_start_char, is_xml_char, is_xml_name};

    #[test]
    fn find_forbidden_agrees_with_the_char_production() {
        let texts = [
            "",
            "San Francisco",
            "tab\there, lines\r\n",
            "bell\u{7}",
            "nul\u{0} after",
            "\u{1F}",
            "Ørsted \u{85} next line",
            "fullwidth \u{FF01} and \u{FFFD}",
            "not a character \u{FFFE}",
            "\u{FFFF} first",
            "private \u{E000} and \u{F8FF}",
            "astral \u{1F600}",
            "late control after a long ASCII run of text \u{8}",
        ];
        for text in texts {
            let expected = text.chars().find(|&c| !is_xml_char(c));
            assert_eq!(find_forbidden(text), expected, "{text:?}");
        }
        for code_point in (0..0x20).chain(0xFFF0..=0xFFFF) {
            if let Some(c) = char::from_u32(code_point) {
                let text = format!("ab{c}cd");
                let expected = (!is_xml_char(c)).then_some(c);
                assert_eq!(find_forbidden(&text), expected, "{code_point:#X}");
            }
        }
    }

    /// Checks the production one character at a time, as the non-ASCII path does.
    fn by_characters(name: &str) -> bool {
        let mut characters = name.chars();
        characters.next().is_some_and(is_name_start_char) && characters.all(is_name_char)
    }

    #[test]
    fn is_xml_name_ascii_agrees_with_the_production() {
        let names = [
            "",
            "a",
            "Z",
            "_",
            ":",
            "1",
            "-",
            ".",
            "a1",
            "a-b.c_d:e",
            "level10",
            "1abc",
            "-a",
            ".a",
            "a b",
            "a/b",
            "a>",
            "a&b",
            "a=b",
            "a\"b",
            "a\tb",
        ];
        for name in names {
            assert_eq!(is_xml_name(name), by_characters(name), "{name:?}");
        }
        for byte in 0u8..=127 {
            let single = char::from(byte).to_string();
            let second = format!("a{}", char::from(byte));
            assert_eq!(is_xml_name(&single), by_characters(&single), "{byte}");
            assert_eq!(is_xml_name(&second), by_characters(&second), "{byte}");
        }
    }

    #[test]
    fn is_xml_name_accepts_non_ascii_names() {
        assert!(is_xml_name("Ørsted"));
        assert!(is_xml_name("a\u{B7}b"));
        assert!(!is_xml_name("\u{B7}a"));
        assert!(!is_xml_name("a\u{D7}b"));
    }
}
