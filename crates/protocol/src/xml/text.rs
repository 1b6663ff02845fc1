//! Element text: edge white space, line ends, references and allowed characters.

use std::borrow::Cow;

use quick_xml::escape::unescape;

use super::read::{malformed, rule_of_escape};
use super::{is_xml_char, is_xml_space};
use crate::error::Rule;

/// Collects the text of one element. The literal leading and trailing XML
/// white space is indentation from pretty-printing senders and is dropped.
/// Everything else is kept exactly, including inner white space and white
/// space written as a character reference or inside CDATA. Line ends are
/// normalized to `\n` as XML 1.0 requires.
pub(super) struct TextBuffer {
    /// Whether to keep the text; the text of unknown elements is only checked.
    store: bool,
    value: String,
    /// Whether anything other than leading literal white space came yet.
    started: bool,
    /// Bytes of literal white space at the end of `value`.
    trailing_space: usize,
}

impl TextBuffer {
    pub fn new(store: bool) -> Self {
        TextBuffer {
            store,
            value: String::new(),
            started: false,
            trailing_space: 0,
        }
    }

    pub fn push_literal(&mut self, raw: &str) -> Result<(), Rule> {
        // The CharData production forbids this sequence, which only closes
        // a CDATA section; the reader does not check it.
        if raw.contains("]]>") {
            return Err(malformed(
                "`]]>` is not allowed in text outside a CDATA section",
            ));
        }
        let normalized = normalize_line_ends(raw);
        let mut piece = normalized.as_ref();
        if !self.started {
            piece = piece.trim_start_matches(is_xml_space);
        }
        if piece.is_empty() {
            return Ok(());
        }

        // References end in `;`, so literal white space at the end of the raw
        // piece is also at the end of its unescaped form.
        let space = piece.len() - piece.trim_end_matches(is_xml_space).len();
        self.trailing_space = if space == piece.len() {
            self.trailing_space + space
        } else {
            space
        };

        let unescaped = unescape(piece).map_err(|error| rule_of_escape(&error))?;
        check_characters(&unescaped)?;
        if self.store {
            self.value.push_str(&unescaped);
        }
        self.started = true;
        Ok(())
    }

    pub fn push_cdata(&mut self, raw: &str) -> Result<(), Rule> {
        let normalized = normalize_line_ends(raw);
        check_characters(&normalized)?;
        if normalized.is_empty() || !self.store {
            return Ok(());
        }
        self.value.push_str(&normalized);
        self.started = true;
        self.trailing_space = 0;
        Ok(())
    }

    pub fn finish(mut self) -> String {
        let length = self.value.len().saturating_sub(self.trailing_space);
        self.value.truncate(length);
        self.value
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
    match text.chars().find(|&c| !is_xml_char(c)) {
        Some(c) => Err(Rule::ForbiddenCharacter {
            code_point: u32::from(c),
        }),
        None => Ok(()),
    }
}
