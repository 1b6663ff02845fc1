//! Element text: edge white space, line ends, references and allowed characters.

use std::borrow::Cow;

use quick_xml::escape::unescape;

use super::read::{malformed, rule_of_escape};
use super::{find_forbidden, is_xml_space};
use crate::error::Rule;

/// Collects the text of one element. The literal leading and trailing XML
/// white space is indentation from pretty-printing senders and is dropped.
/// Everything else is kept exactly, including inner white space and white
/// space written as a character reference or inside CDATA. Line ends are
/// normalized to `\n` as XML 1.0 requires.
pub(super) struct TextBuffer<'a> {
    /// Whether to keep the text; the text of unknown elements is only checked.
    store: bool,
    /// The text so far: borrowed from the document while it is one piece
    /// that needed no change.
    value: Cow<'a, str>,
    /// Whether anything other than leading literal white space came yet.
    started: bool,
    /// Bytes of literal white space at the end of `value`.
    trailing_space: usize,
}

impl<'a> TextBuffer<'a> {
    pub fn new(store: bool) -> Self {
        TextBuffer {
            store,
            value: Cow::Borrowed(""),
            started: false,
            trailing_space: 0,
        }
    }

    pub fn push_literal(&mut self, raw: Cow<'a, str>) -> Result<(), Rule> {
        if is_plain(&raw) {
            if let Some(piece) = self.trim_literal(&raw) {
                let piece = match raw {
                    Cow::Borrowed(raw) => Cow::Borrowed(&raw[raw.len() - piece.len()..]),
                    Cow::Owned(_) => Cow::Owned(piece.to_owned()),
                };
                self.keep(piece);
            }
            return Ok(());
        }
        self.push_special(raw)
    }

    /// Takes a literal piece with a character that needs a check or a change.
    fn push_special(&mut self, raw: Cow<'a, str>) -> Result<(), Rule> {
        // The CharData production forbids this sequence, which only closes
        // a CDATA section; the reader does not check it.
        if raw.contains("]]>") {
            return Err(malformed(
                "`]]>` is not allowed in text outside a CDATA section",
            ));
        }
        match normalize(raw) {
            Cow::Borrowed(normalized) => {
                if let Some(piece) = self.unescape_literal(normalized)? {
                    self.keep(piece);
                }
            }
            Cow::Owned(normalized) => {
                if let Some(piece) = self.unescape_literal(&normalized)? {
                    self.keep(Cow::Owned(piece.into_owned()));
                }
            }
        }
        Ok(())
    }

    /// Resolves the references of one literal piece and checks its
    /// characters. Leading white space before the text starts is dropped,
    /// and `None` means nothing of the piece remains.
    fn unescape_literal<'p>(&mut self, normalized: &'p str) -> Result<Option<Cow<'p, str>>, Rule> {
        let Some(piece) = self.trim_literal(normalized) else {
            return Ok(None);
        };
        let unescaped = unescape(piece).map_err(|error| rule_of_escape(&error))?;
        check_characters(&unescaped)?;
        Ok(Some(unescaped))
    }

    /// Drops leading white space before the text starts and counts the
    /// piece's trailing white space. Returns `None` when nothing of the
    /// piece remains, and otherwise a suffix of `piece`, so that callers can
    /// cut it from the original.
    fn trim_literal<'p>(&mut self, piece: &'p str) -> Option<&'p str> {
        let mut piece = piece;
        if !self.started {
            piece = piece.trim_start_matches(is_xml_space);
        }
        if piece.is_empty() {
            return None;
        }

        // References end in `;`, so literal white space at the end of the raw
        // piece is also at the end of its unescaped form.
        let space = piece.len() - piece.trim_end_matches(is_xml_space).len();
        self.trailing_space = if space == piece.len() {
            self.trailing_space + space
        } else {
            space
        };
        self.started = true;
        Some(piece)
    }

    pub fn push_cdata(&mut self, raw: Cow<'a, str>) -> Result<(), Rule> {
        let normalized = normalize(raw);
        check_characters(&normalized)?;
        if normalized.is_empty() || !self.store {
            return Ok(());
        }
        self.keep(normalized);
        self.started = true;
        self.trailing_space = 0;
        Ok(())
    }

    /// Appends a checked piece when the text is kept. The first piece is
    /// stored as it comes, so a borrowed one stays borrowed.
    fn keep(&mut self, piece: Cow<'a, str>) {
        if !self.store {
            return;
        }
        if self.value.is_empty() {
            self.value = piece;
        } else {
            self.value.to_mut().push_str(&piece);
        }
    }

    pub fn finish(self) -> Cow<'a, str> {
        // Trailing white space is ASCII, so the cut is at a character boundary.
        let length = self.value.len().saturating_sub(self.trailing_space);
        match self.value {
            Cow::Borrowed(value) => Cow::Borrowed(&value[..length]),
            Cow::Owned(mut value) => {
                value.truncate(length);
                Cow::Owned(value)
            }
        }
    }
}

/// Tells whether a literal piece needs no change and no check beyond its
/// edge white space: no `]` (which could start `]]>`), no carriage return,
/// no reference, and no byte of a character XML may forbid (see
/// [`super::find_forbidden`]). One scan without an early exit decides, so
/// the usual short values skip the separate scans below.
fn is_plain(piece: &str) -> bool {
    let special = |byte: u8| {
        matches!(byte, b']' | b'\r' | b'&' | 0xEF) || (byte < 0x20 && !matches!(byte, b'\t' | b'\n'))
    };
    !piece.bytes().fold(false, |found, byte| found | special(byte))
}

/// Normalizes the line ends of a piece of text, keeping it borrowed when it
/// is and needs no change.
fn normalize(raw: Cow<'_, str>) -> Cow<'_, str> {
    match raw {
        Cow::Borrowed(raw) => normalize_line_ends(raw),
        Cow::Owned(raw) => Cow::Owned(normalize_line_ends(&raw).into_owned()),
    }
}

/// Replaces `\r\n` and lone `\r` with `\n`, as an XML processor must.
fn normalize_line_ends(raw: &str) -> Cow<'_, str> {
    if raw.contains('\r') {
        Cow::Owned(raw.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Cow::Borrowed(raw)
    }
}

pub(super) fn check_characters(text: &str) -> Result<(), Rule> {
    match find_forbidden(text) {
        Some(c) => Err(Rule::ForbiddenCharacter {
            code_point: u32::from(c),
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::TextBuffer;

    /// Pushes the pieces into a buffer, each through the plain-text check
    /// or each straight to the full path, and returns the text or the error.
    fn collect(pieces: &[&'static str], full_path: bool) -> Result<String, String> {
        let mut buffer = TextBuffer::new(true);
        for piece in pieces {
            let pushed = if full_path {
                buffer.push_special(Cow::Borrowed(piece))
            } else {
                buffer.push_literal(Cow::Borrowed(piece))
            };
            pushed.map_err(|rule| rule.to_string())?;
        }
        Ok(buffer.finish().into_owned())
    }

    #[test]
    fn push_literal_plain_matches_full_path() {
        let cases: [&[&'static str]; 12] = [
            &["San Francisco"],
            &["\n  indented\n  "],
            &["  ", "late start  "],
            &["first ", "  second\t"],
            &["tab\tinside"],
            &["Ørsted, Zürich, 東京"],
            &["a]b"],
            &["x]]>y"],
            &["line\r\nend"],
            &["O&apos;Brien"],
            &["bell\u{7}"],
            &["fullwidth \u{FF01}", " then \u{FFFE}"],
        ];
        for pieces in cases {
            assert_eq!(collect(pieces, false), collect(pieces, true), "{pieces:?}");
        }
    }

    #[test]
    fn push_literal_plain_piece_stays_borrowed() {
        let mut buffer = TextBuffer::new(true);
        buffer.push_literal(Cow::Borrowed("\n  Abc*  ")).unwrap();

        assert!(matches!(buffer.finish(), Cow::Borrowed("Abc*")));
    }
}
