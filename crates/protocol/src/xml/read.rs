//! Strict pull reading of one message document into the elements the message defines.

use std::borrow::Cow;

use quick_xml::Reader;
use quick_xml::escape::{EscapeError, ParseCharRefError};
use quick_xml::events::{BytesStart, Event};

use super::element::Element;
use super::text::{TextBuffer, check_characters};
use super::{is_xml_name, is_xml_space};
use crate::error::{Excerpt, ParseError, Rule};
use crate::limits::MAX_DEPTH;

/// Characters of an element name kept in error paths; a name from the input
/// may be of any length.
const MAX_NAME_CHARS: usize = 64;

/// Characters of a parser message kept in an error.
const MAX_DETAIL_CHARS: usize = 160;

/// Parses `bytes` as a document whose root must be `root`, keeping the
/// elements for which `is_known` returns true (below a parent in the tree).
///
/// Errors about the document as a whole name `root` as the element. Memory
/// grows with the number of known elements, so callers bound the body size.
pub(crate) fn parse_document<'a>(
    bytes: &'a [u8],
    root: &'static str,
    is_known: &dyn Fn(&str) -> bool,
) -> Result<Element<'a>, ParseError> {
    let text = decode_utf8(bytes).map_err(|rule| ParseError::new(root, rule))?;
    // The reader would skip a second byte-order mark, which is content
    // before the root element.
    if text.starts_with('\u{FEFF}') {
        return Err(ParseError::new(root, Rule::ContentOutsideRoot));
    }
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_comments = true;
    let mut builder = TreeBuilder::new(text, root, is_known);

    loop {
        let event = reader
            .read_event()
            .map_err(|error| builder.error(rule_of(&error)))?;
        if let Some(root_element) = builder.accept(event)? {
            return Ok(root_element);
        }
    }
}

/// Strips a UTF-8 byte-order mark and checks that the rest is UTF-8.
fn decode_utf8(bytes: &[u8]) -> Result<&str, Rule> {
    if bytes.starts_with(&[0xFE, 0xFF]) || bytes.starts_with(&[0xFF, 0xFE]) {
        return Err(Rule::EncodingNotUtf8 {
            declared: Excerpt::new("UTF-16"),
        });
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|error| Rule::InvalidUtf8 {
        offset: error.valid_up_to(),
    })
}

/// Accepts the version numbers an XML 1.0 processor reads: `1.` and digits.
fn is_xml_1_version(version: &[u8]) -> bool {
    version
        .strip_prefix(b"1.")
        .is_some_and(|minor| !minor.is_empty() && minor.iter().all(u8::is_ascii_digit))
}

fn rule_of(error: &quick_xml::Error) -> Rule {
    match error {
        quick_xml::Error::Escape(escape) => rule_of_escape(escape),
        other => malformed(&other.to_string()),
    }
}

pub(super) fn malformed(detail: &str) -> Rule {
    Rule::MalformedXml {
        detail: Excerpt::with_limit(detail, MAX_DETAIL_CHARS),
    }
}

pub(super) fn rule_of_escape(error: &EscapeError) -> Rule {
    match error {
        EscapeError::UnrecognizedEntity(_, name) => Rule::UnknownEntity {
            name: Excerpt::new(name),
        },
        EscapeError::InvalidCharRef(ParseCharRefError::IllegalCharacter(code_point)) => {
            Rule::ForbiddenCharacter {
                code_point: *code_point,
            }
        }
        other => malformed(&other.to_string()),
    }
}

/// An open element on the reader's stack.
struct Frame<'a> {
    /// Whether the element goes into the tree.
    in_tree: bool,
    /// The element. Error paths show its name cut to [`MAX_NAME_CHARS`].
    element: Element<'a>,
    text: TextBuffer<'a>,
}

/// Returns `name` cut to [`MAX_NAME_CHARS`] characters, for an error path.
fn path_name(name: &str) -> &str {
    match name.char_indices().nth(MAX_NAME_CHARS) {
        Some((end, _)) => &name[..end],
        None => name,
    }
}

/// Turns reader events into the tree of known elements.
struct TreeBuilder<'a, 'k> {
    /// The whole document, which names and text borrow from.
    document: &'a str,
    root: &'static str,
    is_known: &'k dyn Fn(&str) -> bool,
    stack: Vec<Frame<'a>>,
    /// Whether any event came before, which an XML declaration must not follow.
    started: bool,
    root_done: Option<Element<'a>>,
}

/// Initial capacity of the element stack; deeper documents make it grow.
const USUAL_DEPTH: usize = 4;

/// Initial capacity of the root's children, enough for the fields of a
/// Fetch List request. Longer messages make the vector grow.
const ROOT_CHILDREN: usize = 16;

impl<'a, 'k> TreeBuilder<'a, 'k> {
    fn new(document: &'a str, root: &'static str, is_known: &'k dyn Fn(&str) -> bool) -> Self {
        TreeBuilder {
            document,
            root,
            is_known,
            stack: Vec::with_capacity(USUAL_DEPTH),
            started: false,
            root_done: None,
        }
    }

    /// Path of the innermost open element, or the root's name before and after it.
    fn path(&self) -> String {
        if self.stack.is_empty() {
            return self.root.to_string();
        }
        let names: Vec<&str> = self
            .stack
            .iter()
            .map(|frame| path_name(&frame.element.name))
            .collect();
        names.join("/")
    }

    fn error(&self, rule: Rule) -> ParseError {
        ParseError::new(self.path(), rule)
    }

    /// Takes one event; returns the root element once the document is complete.
    fn accept(&mut self, event: Event<'a>) -> Result<Option<Element<'a>>, ParseError> {
        let first = !self.started;
        self.started = true;

        match event {
            Event::Decl(declaration) if first => self.check_declaration(&declaration)?,
            Event::Decl(_) => {
                let detail = "XML declaration not at the start of the document";
                return Err(self.error(malformed(detail)));
            }
            Event::DocType(_) => return Err(self.error(Rule::DoctypeRejected)),
            Event::PI(_) | Event::Comment(_) => {}
            Event::Start(start) => self.open(&start)?,
            Event::Empty(start) => {
                self.open(&start)?;
                self.close();
            }
            Event::End(_) => self.close(),
            Event::Text(text) => {
                let raw = self.borrow_str(text.into_inner())?;
                self.text(raw)?;
            }
            Event::CData(cdata) => {
                let raw = self.borrow_str(cdata.into_inner())?;
                self.cdata(raw)?;
            }
            Event::Eof => return self.finish().map(Some),
        }
        Ok(None)
    }

    fn check_declaration(
        &self,
        declaration: &quick_xml::events::BytesDecl<'_>,
    ) -> Result<(), ParseError> {
        let version = declaration
            .version()
            .map_err(|error| self.error(malformed(&error.to_string())))?;
        if !is_xml_1_version(&version) {
            let detail = format!(
                "XML version {} is not 1.x",
                String::from_utf8_lossy(&version)
            );
            return Err(self.error(malformed(&detail)));
        }

        let Some(encoding) = declaration.encoding() else {
            return Ok(());
        };
        let encoding = encoding.map_err(|error| self.error(malformed(&error.to_string())))?;
        if encoding.eq_ignore_ascii_case(b"UTF-8") {
            Ok(())
        } else {
            let declared = Excerpt::new(&String::from_utf8_lossy(&encoding));
            Err(self.error(Rule::EncodingNotUtf8 { declared }))
        }
    }

    /// Returns the text of an event, borrowed from the document when the
    /// reader lends it, as a reader over a `&str` does.
    fn borrow_str(&self, bytes: Cow<'a, [u8]>) -> Result<Cow<'a, str>, ParseError> {
        let invalid = |error: std::str::Utf8Error| {
            self.error(Rule::InvalidUtf8 {
                offset: error.valid_up_to(),
            })
        };
        match bytes {
            Cow::Borrowed(bytes) => std::str::from_utf8(bytes).map(Cow::Borrowed).map_err(invalid),
            Cow::Owned(bytes) => String::from_utf8(bytes)
                .map(Cow::Owned)
                .map_err(|error| invalid(error.utf8_error())),
        }
    }

    /// Returns the element's name borrowed from the document when the reader
    /// lent it, otherwise a copy.
    fn name_of(&self, start: &BytesStart<'_>) -> Cow<'a, str> {
        let bytes = start.name().into_inner();
        // Bytes that lie in the document have an offset below its length,
        // and `get` checks the range, so other bytes are copied.
        let offset = (bytes.as_ptr() as usize).checked_sub(self.document.as_ptr() as usize);
        let borrowed = offset.and_then(|offset| self.document.get(offset..offset + bytes.len()));
        match borrowed {
            Some(name) => Cow::Borrowed(name),
            None => Cow::Owned(String::from_utf8_lossy(bytes).into_owned()),
        }
    }

    fn open(&mut self, start: &BytesStart<'_>) -> Result<(), ParseError> {
        let element_name = self.name_of(start);
        let name = element_name.as_ref();
        if !is_xml_name(name) {
            let path = if self.stack.is_empty() {
                path_name(name).to_owned()
            } else {
                format!("{}/{}", self.path(), path_name(name))
            };
            let rule = malformed("the element name is not a valid XML name");
            return Err(ParseError::new(path, rule));
        }

        let in_tree = match self.stack.last_mut() {
            None if self.root_done.is_some() => return Err(self.error(Rule::ContentOutsideRoot)),
            None if name != self.root => {
                let expected = self.root;
                return Err(ParseError::new(
                    path_name(name),
                    Rule::WrongRoot { expected },
                ));
            }
            None => true,
            Some(parent) => {
                parent.element.has_elements = true;
                parent.in_tree && (self.is_known)(name)
            }
        };
        if self.stack.len() >= MAX_DEPTH {
            return Err(ParseError::new(
                format!("{}/{}", self.path(), path_name(name)),
                Rule::TooDeep { max: MAX_DEPTH },
            ));
        }

        // The root's children are the message's fields, so room for a
        // usual message saves the vector's regrowth.
        let children = if self.stack.is_empty() {
            Vec::with_capacity(ROOT_CHILDREN)
        } else {
            Vec::new()
        };
        self.stack.push(Frame {
            in_tree,
            element: Element {
                name: element_name,
                children,
                ..Element::default()
            },
            text: TextBuffer::new(in_tree),
        });
        self.check_attributes(start)
    }

    /// Checks attribute syntax and references; the messages use no attributes,
    /// so their values are dropped.
    fn check_attributes(&self, start: &BytesStart<'_>) -> Result<(), ParseError> {
        for attribute in start.attributes() {
            let attribute = attribute.map_err(|error| self.error(malformed(&error.to_string())))?;
            let attribute_name = String::from_utf8_lossy(attribute.key.as_ref());
            if !is_xml_name(&attribute_name) {
                return Err(self.error(malformed("an attribute name is not a valid XML name")));
            }
            // The reader does not check this rule of the AttValue production.
            if attribute.value.contains(&b'<') {
                return Err(self.error(malformed("`<` is not allowed in an attribute value")));
            }
            let value = attribute
                .unescape_value()
                .map_err(|error| self.error(rule_of(&error)))?;
            check_characters(&value).map_err(|rule| self.error(rule))?;
        }
        Ok(())
    }

    /// Closes the innermost element; the reader has already matched the end tag's name.
    fn close(&mut self) {
        let Some(mut frame) = self.stack.pop() else {
            return;
        };
        if !frame.in_tree {
            return;
        }
        frame.element.text = frame.text.finish();
        match self.stack.last_mut() {
            Some(parent) => parent.element.children.push(frame.element),
            None => self.root_done = Some(frame.element),
        }
    }

    fn text(&mut self, raw: Cow<'a, str>) -> Result<(), ParseError> {
        let Some(frame) = self.stack.last_mut() else {
            if raw.chars().all(is_xml_space) {
                return Ok(());
            }
            return Err(self.error(Rule::ContentOutsideRoot));
        };
        frame
            .text
            .push_literal(raw)
            .map_err(|rule| self.error(rule))
    }

    fn cdata(&mut self, raw: Cow<'a, str>) -> Result<(), ParseError> {
        let Some(frame) = self.stack.last_mut() else {
            return Err(self.error(Rule::ContentOutsideRoot));
        };
        frame.text.push_cdata(raw).map_err(|rule| self.error(rule))
    }

    fn finish(&mut self) -> Result<Element<'a>, ParseError> {
        if !self.stack.is_empty() {
            let detail = "element not closed before the end of the document";
            return Err(self.error(malformed(detail)));
        }
        self.root_done
            .take()
            .ok_or_else(|| ParseError::new(self.root, Rule::Missing))
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::parse_document;

    #[test]
    fn parse_document_borrows_plain_names_and_text() {
        let bytes = b"<root><a>plain</a><b>x &amp; y</b></root>";

        let root = parse_document(bytes, "root", &|_| true).unwrap();

        assert!(matches!(root.name, Cow::Borrowed("root")));
        assert!(matches!(root.children[0].name, Cow::Borrowed("a")));
        assert!(matches!(root.children[0].text, Cow::Borrowed("plain")));
        assert!(matches!(root.children[1].text, Cow::Owned(ref text) if text == "x & y"));
    }
}
