//! Reading and writing `fetch-list-response`.

use super::{FetchListResponse, ListItem};
use crate::error::{FieldError, ParseError, Rule, WriteError};
use crate::field::{Presence, check_text};
use crate::limits::list_response as limits;
use crate::xml::{XmlWriter, parse_document};

const ROOT: &str = "fetch-list-response";
const ITEM: &str = "item";
const CODE: &str = "code";
const SHORT_CODE: &str = "short-code";
const TEXT: &str = "text";
const MATCH_VALUE: &str = "match-value";

impl ListItem {
    /// Checks the item as a host does. Code, short code and text must be
    /// non-empty and the match value may be empty, all within their limits.
    /// The short code must not contain `-`, and the code must be the short
    /// code itself or end in `-` followed by the short code.
    pub fn validate(&self) -> Result<(), FieldError> {
        check_text(CODE, &self.code, limits::CODE, Presence::Required)?;
        check_text(
            SHORT_CODE,
            &self.short_code,
            limits::SHORT_CODE,
            Presence::Required,
        )?;
        if self.short_code.contains('-') {
            return Err(FieldError::new(SHORT_CODE, Rule::ContainsHyphen));
        }

        let joined = self.code == self.short_code
            || self
                .code
                .strip_suffix(self.short_code.as_str())
                .is_some_and(|long_code| long_code.ends_with('-'));
        if !joined {
            return Err(FieldError::new(CODE, Rule::CodeMismatch));
        }

        check_text(TEXT, &self.text, limits::TEXT, Presence::Required)?;
        check_text(
            MATCH_VALUE,
            &self.match_value,
            limits::MATCH_VALUE,
            Presence::Optional,
        )
    }
}

impl FetchListResponse {
    /// Parses a response body as strictly as a host must: every item carries
    /// code, short-code, text and match-value once, and [`ListItem::validate`]
    /// holds for it. Unknown elements are ignored.
    pub fn parse(bytes: &[u8]) -> Result<Self, ParseError> {
        let is_known = |name: &str| [ITEM, CODE, SHORT_CODE, TEXT, MATCH_VALUE].contains(&name);
        let root = parse_document(bytes, ROOT, &is_known)?;
        root.expect_container(ROOT)?;

        let mut items = Vec::new();
        for (index, element) in root.children_named(ITEM).enumerate() {
            let path = item_path(index);
            element.expect_container(&path)?;

            let field = |name: &str| -> Result<String, ParseError> {
                match element.value(&path, name)? {
                    Some(value) => Ok(value.to_string()),
                    None => Err(ParseError::new(format!("{path}/{name}"), Rule::Missing)),
                }
            };
            let item = ListItem {
                code: field(CODE)?,
                short_code: field(SHORT_CODE)?,
                text: field(TEXT)?,
                match_value: field(MATCH_VALUE)?,
            };
            item.validate().map_err(|error| error.parsing_at(&path))?;
            items.push(item);
        }
        Ok(FetchListResponse { items })
    }

    /// Writes the response; no item gives `<fetch-list-response/>`, and an
    /// empty match value is written as `<match-value/>`.
    pub fn to_xml(&self) -> Result<Vec<u8>, WriteError> {
        for (index, item) in self.items.iter().enumerate() {
            item.validate()
                .map_err(|error| error.writing_at(&item_path(index)))?;
        }
        Ok(write_items(self.items.iter()).0)
    }

    /// Writes the response with the items that pass [`ListItem::validate`]
    /// and leaves out the others, passing each of those to `left_out` with
    /// its error. Returns the document and the number of items written.
    /// Each item is checked once, which makes this cheaper than checking
    /// the items first and then calling [`FetchListResponse::to_xml`].
    pub fn write_valid(
        items: &[ListItem],
        mut left_out: impl FnMut(&ListItem, FieldError),
    ) -> (Vec<u8>, usize) {
        let valid = items.iter().filter(|item| match item.validate() {
            Ok(()) => true,
            Err(error) => {
                left_out(item, error);
                false
            }
        });
        write_items(valid)
    }
}

/// Writes a response of items already checked, and returns it with the
/// number of items. No item gives `<fetch-list-response/>`.
fn write_items<'a>(items: impl Iterator<Item = &'a ListItem>) -> (Vec<u8>, usize) {
    let mut items = items.peekable();
    let mut writer = XmlWriter::new();
    if items.peek().is_none() {
        writer.empty(ROOT);
        return (writer.finish(), 0);
    }
    writer.start(ROOT);
    let mut written = 0;
    for item in items {
        writer.start(ITEM);
        writer.value(CODE, &item.code);
        writer.value(SHORT_CODE, &item.short_code);
        writer.value(TEXT, &item.text);
        writer.value(MATCH_VALUE, &item.match_value);
        writer.end(ITEM);
        written += 1;
    }
    writer.end(ROOT);
    (writer.finish(), written)
}

/// Path of the item at 0-based `index`, written 1-based.
fn item_path(index: usize) -> String {
    format!("{ROOT}/{ITEM}[{}]", index + 1)
}
