//! RFC 4180 quoting check on the raw bytes of an import file, because the csv crate accepts stray quotes.
//!
//! The csv crate reads `"a"b"c"` as `ab"c"` and a quoted field left open at
//! the end of the file as if it were closed, so a broken file would import
//! altered values without an error. [`QuoteChecked`] watches the bytes on
//! their way to the csv reader and records where the quoting breaks.

use std::io::{self, Read};

const BYTE_ORDER_MARK: &[u8] = b"\xEF\xBB\xBF";

/// A quoting rule broken in one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QuoteViolation {
    /// Line on which the record starts, counted as the csv crate does.
    pub line: u64,
    /// Index of the field in its record.
    pub field: usize,
    pub rule: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    FieldStart,
    Unquoted,
    Quoted,
    /// A `"` inside a quoted field: a second `"` escapes it, a delimiter or
    /// line end closes the field.
    QuoteInQuoted,
    /// The field already broke a rule; the rest of it is skipped.
    Skipping,
}

/// A reader that passes bytes through unchanged and checks their quoting.
pub(crate) struct QuoteChecked<R> {
    inner: R,
    state: State,
    line: u64,
    record_line: u64,
    field: usize,
    /// Leading bytes that matched the byte-order mark; its length once any
    /// other byte came.
    seen: usize,
    finished: bool,
    max_violations: usize,
    violations: Vec<QuoteViolation>,
}

impl<R: Read> QuoteChecked<R> {
    /// Wraps `inner`, keeping at most `max_violations` violations.
    pub(crate) fn new(inner: R, max_violations: usize) -> Self {
        QuoteChecked {
            inner,
            state: State::FieldStart,
            line: 1,
            record_line: 1,
            field: 0,
            seen: 0,
            finished: false,
            max_violations,
            violations: Vec::new(),
        }
    }

    /// Violations found in the bytes read so far; complete once the reader
    /// has returned the end of the input.
    pub(crate) fn violations(&self) -> &[QuoteViolation] {
        &self.violations
    }

    fn violate(&mut self, rule: &'static str) {
        if self.violations.len() < self.max_violations {
            self.violations.push(QuoteViolation {
                line: self.record_line,
                field: self.field,
                rule,
            });
        }
        self.state = State::Skipping;
    }

    fn end_field(&mut self) {
        self.field += 1;
        self.state = State::FieldStart;
    }

    /// Ends the record at `\r` or `\n`; only `\n` starts a new line, as in
    /// the csv crate's line count.
    fn end_record(&mut self, byte: u8) {
        if byte == b'\n' {
            self.line += 1;
        }
        self.record_line = self.line;
        self.field = 0;
        self.state = State::FieldStart;
    }

    fn check(&mut self, byte: u8) {
        let is_line_end = byte == b'\n' || byte == b'\r';
        match self.state {
            State::FieldStart | State::Unquoted | State::Skipping if byte == b',' => {
                self.end_field()
            }
            State::FieldStart | State::Unquoted | State::Skipping if is_line_end => {
                self.end_record(byte)
            }
            State::FieldStart if byte == b'"' => self.state = State::Quoted,
            State::FieldStart => self.state = State::Unquoted,
            State::Unquoted if byte == b'"' => {
                self.violate("a `\"` inside a field that does not start with `\"`; quote the whole field and double the inner quote")
            }
            State::Unquoted | State::Skipping => {}
            State::Quoted => {
                if byte == b'"' {
                    self.state = State::QuoteInQuoted;
                } else if byte == b'\n' {
                    self.line += 1;
                }
            }
            State::QuoteInQuoted if byte == b'"' => self.state = State::Quoted,
            State::QuoteInQuoted if byte == b',' => self.end_field(),
            State::QuoteInQuoted if is_line_end => self.end_record(byte),
            State::QuoteInQuoted => {
                self.violate("text after the closing quote; double a `\"` inside a quoted field")
            }
        }
    }

    fn finish(&mut self) {
        if self.finished {
            return;
        }
        self.finished = true;
        if self.state == State::Quoted {
            self.violate("quoted field not closed before the end of the file");
        }
    }
}

impl<R: Read> Read for QuoteChecked<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buffer)?;
        if read == 0 && !buffer.is_empty() {
            self.finish();
        }
        for &byte in &buffer[..read] {
            // A leading byte-order mark is not field content.
            if self.seen < BYTE_ORDER_MARK.len() {
                if byte == BYTE_ORDER_MARK[self.seen] {
                    self.seen += 1;
                    continue;
                }
                self.seen = BYTE_ORDER_MARK.len();
            }
            self.check(byte);
        }
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn violations(bytes: &[u8]) -> Vec<QuoteViolation> {
        let mut checked = QuoteChecked::new(bytes, 10);
        let mut sink = Vec::new();
        checked.read_to_end(&mut sink).expect("read");
        assert_eq!(sink, bytes);
        checked.violations().to_vec()
    }

    #[test]
    fn quoting_accepts_doubled_quotes_and_crlf() {
        assert!(violations(b"a,\"b \"\"c\"\", d\"\r\n\"x\ny\",z\r\n").is_empty());
    }

    #[test]
    fn quoting_skips_byte_order_mark() {
        assert!(violations(b"\xEF\xBB\xBF\"a\",b\n").is_empty());
    }

    #[test]
    fn quoting_rejects_quote_in_unquoted_field() {
        let found = violations(b"a,b\nc,d\"e\n");

        assert_eq!(found.len(), 1);
        assert_eq!((found[0].line, found[0].field), (2, 1));
    }

    #[test]
    fn quoting_rejects_text_after_closing_quote() {
        let found = violations(b"a,\"b\"c,d\n");

        assert_eq!((found[0].line, found[0].field), (1, 1));
    }

    #[test]
    fn quoting_rejects_open_quote_at_end() {
        let found = violations(b"a,b\n\"c\nd");

        assert_eq!((found[0].line, found[0].field), (2, 0));
    }

    #[test]
    fn quoting_reports_one_violation_per_field() {
        assert_eq!(violations(b"a\"b\"c\"d,e\n").len(), 1);
    }
}
