//! Errors of parsing and writing callout messages, each naming the element and the rule broken.

use std::fmt;

/// The rule a message element broke.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rule {
    /// The value has more Unicode scalar values than the element allows.
    TooLong { max: usize, actual: usize },
    /// The element must carry a value but is empty.
    EmptyRequired,
    /// The value is not made of ASCII digits only.
    NotNonNegativeInteger { value: Excerpt },
    /// The value is not one of the values the element allows.
    UnknownValue {
        value: Excerpt,
        expected: &'static str,
    },
    /// The value does not have the form the element requires, such as a
    /// date or an absolute URL.
    InvalidFormat {
        value: Excerpt,
        expected: &'static str,
    },
    /// The element appears more than once where one is allowed.
    Duplicate,
    /// A required element is absent.
    Missing,
    /// The document's root element is not the one this message has.
    WrongRoot { expected: &'static str },
    /// The document has a DOCTYPE, which is where entity declarations live;
    /// rejecting it rules out external entities and entity expansion.
    DoctypeRejected,
    /// The XML declaration names an encoding other than UTF-8, or the bytes
    /// start with a UTF-16 byte-order mark.
    EncodingNotUtf8 { declared: Excerpt },
    /// The bytes are not valid UTF-8.
    InvalidUtf8 { offset: usize },
    /// The document is not well-formed XML.
    MalformedXml { detail: Excerpt },
    /// An entity reference other than the five XML predefines.
    UnknownEntity { name: Excerpt },
    /// A character that XML 1.0 does not allow in a document.
    ForbiddenCharacter { code_point: u32 },
    /// Text directly inside an element that holds only elements.
    TextInContainer,
    /// An element inside an element that holds only text.
    ElementInValue,
    /// Text or elements before or after the root element.
    ContentOutsideRoot,
    /// Elements nested deeper than the reader allows.
    TooDeep { max: usize },
    /// More repetitions than the element allows.
    TooMany { max: usize, actual: usize },
    /// A list item's short code contains `-`, which separates the codes of a long code.
    ContainsHyphen,
    /// A list item's code is neither its short code nor a long code ending in `-` and the short code.
    CodeMismatch,
    /// A `levelN` element whose N is zero, has a leading zero or exceeds the maximum.
    InvalidLevel { max: usize },
    /// Levels of a connected list must be numbered from 1 without gaps.
    LevelGap { missing: usize },
    /// A field that this version of the message does not carry contains a value.
    NotInVersion { version: &'static str },
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::TooLong { max, actual } => {
                write!(f, "longer than {max} characters (got {actual})")
            }
            Rule::EmptyRequired => f.write_str("empty, but a value is required"),
            Rule::NotNonNegativeInteger { value } => {
                write!(f, "not a non-negative integer: {value}")
            }
            Rule::UnknownValue { value, expected } => {
                write!(f, "unknown value {value}, expected {expected}")
            }
            Rule::InvalidFormat { value, expected } => {
                write!(f, "invalid value {value}, expected {expected}")
            }
            Rule::Duplicate => f.write_str("appears more than once"),
            Rule::Missing => f.write_str("missing"),
            Rule::WrongRoot { expected } => {
                write!(f, "wrong root element, expected `{expected}`")
            }
            Rule::DoctypeRejected => f.write_str(
                "DOCTYPE rejected: document type and entity declarations are not accepted",
            ),
            Rule::EncodingNotUtf8 { declared } => {
                write!(f, "encoding {declared} is not UTF-8")
            }
            Rule::InvalidUtf8 { offset } => write!(f, "invalid UTF-8 at byte {offset}"),
            Rule::MalformedXml { detail } => write!(f, "malformed XML: {}", detail.as_str()),
            Rule::UnknownEntity { name } => {
                write!(
                    f,
                    "unknown entity reference {name}: only the five predefined XML entities and character references are accepted"
                )
            }
            Rule::ForbiddenCharacter { code_point } => {
                write!(f, "character U+{code_point:04X} is not allowed in XML")
            }
            Rule::TextInContainer => f.write_str("text is not allowed here, only elements"),
            Rule::ElementInValue => f.write_str("elements are not allowed inside a value"),
            Rule::ContentOutsideRoot => f.write_str("content outside the root element"),
            Rule::TooDeep { max } => write!(f, "nested deeper than {max} elements"),
            Rule::TooMany { max, actual } => write!(f, "more than {max} entries (got {actual})"),
            Rule::ContainsHyphen => f.write_str("contains `-`, which separates codes"),
            Rule::CodeMismatch => f.write_str(
                "neither the short code nor a long code ending in `-` and the short code",
            ),
            Rule::InvalidLevel { max } => {
                write!(f, "level numbers run from 1 to {max} without leading zeros")
            }
            Rule::LevelGap { missing } => write!(f, "level{missing} is missing"),
            Rule::NotInVersion { version } => write!(f, "not part of version {version}"),
        }
    }
}

/// A bounded, printable copy of an input value, so an error never repeats
/// a large or hostile input in full.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excerpt {
    text: String,
    total_chars: usize,
}

impl Excerpt {
    /// Characters kept from the start of the value.
    pub const MAX_CHARS: usize = 40;

    pub(crate) fn new(value: &str) -> Self {
        Self::with_limit(value, Self::MAX_CHARS)
    }

    /// Keeps more characters, for parser messages that embed short names.
    pub(crate) fn with_limit(value: &str, max_chars: usize) -> Self {
        Excerpt {
            text: value.chars().take(max_chars).collect(),
            total_chars: value.chars().count(),
        }
    }

    /// Returns the kept start of the value.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Returns whether characters were cut from the end.
    pub fn is_truncated(&self) -> bool {
        self.total_chars > self.text.chars().count()
    }
}

/// Quotes the kept text with control characters escaped, and marks a cut with the full length.
impl fmt::Display for Excerpt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\"", self.text.escape_debug())?;
        if self.is_truncated() {
            write!(f, "… ({} characters)", self.total_chars)?;
        }
        Ok(())
    }
}

/// A field value that breaks a rule, outside any document: the element name
/// as the message spells it (for example `LastName`) and the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("element `{element}`: {rule}")]
pub struct FieldError {
    element: String,
    rule: Rule,
}

impl FieldError {
    pub(crate) fn new(element: impl Into<String>, rule: Rule) -> Self {
        FieldError {
            element: element.into(),
            rule,
        }
    }

    /// Name of the element, relative to its containing element.
    pub fn element(&self) -> &str {
        &self.element
    }

    pub fn rule(&self) -> &Rule {
        &self.rule
    }

    /// Places the field inside the element at `parent`, for a parse error.
    pub(crate) fn parsing_at(self, parent: &str) -> ParseError {
        ParseError::new(format!("{parent}/{}", self.element), self.rule)
    }

    /// Places the field inside the element at `parent`, for a write error.
    pub(crate) fn writing_at(self, parent: &str) -> WriteError {
        WriteError::new(format!("{parent}/{}", self.element), self.rule)
    }
}

/// A received document that this crate rejects.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("element `{element}`: {rule}")]
pub struct ParseError {
    element: String,
    rule: Rule,
}

impl ParseError {
    pub(crate) fn new(element: impl Into<String>, rule: Rule) -> Self {
        ParseError {
            element: element.into(),
            rule,
        }
    }

    /// Path of the element from the root, such as
    /// `AttendeeSearchRequest/Attendee/LastName`; repeated elements carry a
    /// 1-based index, such as `AttendeeSearchResponse/Attendee[2]/LastName`.
    /// Errors about the whole document name the root element.
    pub fn element(&self) -> &str {
        &self.element
    }

    pub fn rule(&self) -> &Rule {
        &self.rule
    }
}

/// A message value that cannot be written, because the receiver would reject it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("element `{element}`: {rule}")]
pub struct WriteError {
    element: String,
    rule: Rule,
}

impl WriteError {
    pub(crate) fn new(element: impl Into<String>, rule: Rule) -> Self {
        WriteError {
            element: element.into(),
            rule,
        }
    }

    /// Path of the element from the root, in the form of [`ParseError::element`].
    pub fn element(&self) -> &str {
        &self.element
    }

    pub fn rule(&self) -> &Rule {
        &self.rule
    }
}
