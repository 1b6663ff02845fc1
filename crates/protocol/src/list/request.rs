//! Reading and writing `fetch-list-request`.

use super::{FetchListRequest, SearchBy};
use crate::error::{Excerpt, FieldError, ParseError, Rule, WriteError};
use crate::field::{Presence, check_text, format_count, parse_count};
use crate::limits::list_request as limits;
use crate::xml::{Element, XmlWriter, parse_document};

const ROOT: &str = "fetch-list-request";
const SEARCH_BY: &str = "search-by";
const NUM_TO_RETURN: &str = "num-to-return";
const CODE_BY_LEVEL: &str = "code-by-level";
const LEVELS_PATH: &str = "fetch-list-request/code-by-level";

/// The text fields with their maximum lengths, in the order they are written.
const TEXT_FIELDS: [(&str, usize); 8] = [
    ("long-code", limits::LONG_CODE),
    ("short-code", limits::SHORT_CODE),
    ("query", limits::QUERY),
    ("lang-code", limits::LANG_CODE),
    ("protected-list-key", limits::PROTECTED_LIST_KEY),
    ("list-name", limits::LIST_NAME),
    ("connector-version", limits::CONNECTOR_VERSION),
    ("config-options", limits::CONFIG_OPTIONS),
];

impl FetchListRequest {
    /// Parses a request body.
    ///
    /// Absent text fields are empty and an absent search-by means `TEXT`,
    /// but an empty or unknown search-by is rejected. In code-by-level, the
    /// `levelN` elements may come in any order, but they must run from
    /// level1 without gaps or repeats. Other names in code-by-level are
    /// ignored, as are unknown elements anywhere.
    pub fn parse(bytes: &[u8]) -> Result<Self, ParseError> {
        let is_known = |name: &str| Known::from_name(name).is_some() || name.starts_with("level");
        let root = parse_document(bytes, ROOT, &is_known)?;
        root.expect_container(ROOT)?;

        // One pass over the children in document order. A bit per known
        // name finds a second occurrence.
        let mut request = FetchListRequest::default();
        let mut seen = 0u16;
        for child in root.children {
            let Some(known) = Known::from_name(&child.name) else {
                continue;
            };
            let bit = known.bit();
            if seen & bit != 0 {
                let path = format!("{ROOT}/{}", child.name);
                return Err(ParseError::new(path, Rule::Duplicate));
            }
            seen |= bit;
            if let Known::CodeByLevel = known {
                request.code_by_level = read_levels(&child)?;
                continue;
            }
            if child.has_elements {
                let path = format!("{ROOT}/{}", child.name);
                return Err(ParseError::new(path, Rule::ElementInValue));
            }
            match known {
                Known::Text(index) => {
                    if let Some(field) = request.text_field_mut(TEXT_FIELDS[index].0) {
                        *field = child.text.into_owned();
                    }
                }
                Known::SearchBy => {
                    request.search_by = SearchBy::from_name(&child.text).ok_or_else(|| {
                        let rule = Rule::UnknownValue {
                            value: Excerpt::new(&child.text),
                            expected: "TEXT or CODE",
                        };
                        ParseError::new(format!("{ROOT}/{SEARCH_BY}"), rule)
                    })?;
                }
                Known::NumToReturn => {
                    request.num_to_return = parse_count(&child.text)
                        .map_err(|rule| ParseError::new(format!("{ROOT}/{NUM_TO_RETURN}"), rule))?;
                }
                Known::CodeByLevel => {}
            }
        }

        request.validate().map_err(|error| error.parsing_at(ROOT))?;
        Ok(request)
    }

    /// Checks the field lengths and the number of levels.
    pub fn validate(&self) -> Result<(), FieldError> {
        for (name, max) in TEXT_FIELDS {
            check_text(name, self.text_field(name), max, Presence::Optional)?;
        }

        let actual = self.code_by_level.len();
        if actual > limits::MAX_LEVELS {
            return Err(FieldError::new(
                CODE_BY_LEVEL,
                Rule::TooMany {
                    max: limits::MAX_LEVELS,
                    actual,
                },
            ));
        }
        for (index, code) in self.code_by_level.iter().enumerate() {
            let element = format!("{CODE_BY_LEVEL}/level{}", index + 1);
            check_text(&element, code, limits::LEVEL_CODE, Presence::Optional)?;
        }
        Ok(())
    }

    /// Writes the request with every element, empty ones as `<X/>`.
    pub fn to_xml(&self) -> Result<Vec<u8>, WriteError> {
        self.validate().map_err(|error| error.writing_at(ROOT))?;

        let mut writer = XmlWriter::new();
        writer.start(ROOT);
        for (name, _) in &TEXT_FIELDS[..3] {
            writer.value(name, self.text_field(name));
        }
        writer.value(SEARCH_BY, self.search_by.as_str());
        writer.value("lang-code", &self.lang_code);
        writer.value(NUM_TO_RETURN, &format_count(self.num_to_return));
        for (name, _) in &TEXT_FIELDS[4..] {
            writer.value(name, self.text_field(name));
        }

        if self.code_by_level.is_empty() {
            writer.empty(CODE_BY_LEVEL);
        } else {
            writer.start(CODE_BY_LEVEL);
            for (index, code) in self.code_by_level.iter().enumerate() {
                writer.value(&format!("level{}", index + 1), code);
            }
            writer.end(CODE_BY_LEVEL);
        }

        writer.end(ROOT);
        Ok(writer.finish())
    }

    fn text_field(&self, name: &str) -> &str {
        match name {
            "long-code" => &self.long_code,
            "short-code" => &self.short_code,
            "query" => &self.query,
            "lang-code" => &self.lang_code,
            "protected-list-key" => &self.protected_list_key,
            "list-name" => &self.list_name,
            "connector-version" => &self.connector_version,
            "config-options" => &self.config_options,
            _ => "",
        }
    }

    fn text_field_mut(&mut self, name: &str) -> Option<&mut String> {
        match name {
            "long-code" => Some(&mut self.long_code),
            "short-code" => Some(&mut self.short_code),
            "query" => Some(&mut self.query),
            "lang-code" => Some(&mut self.lang_code),
            "protected-list-key" => Some(&mut self.protected_list_key),
            "list-name" => Some(&mut self.list_name),
            "connector-version" => Some(&mut self.connector_version),
            "config-options" => Some(&mut self.config_options),
            _ => None,
        }
    }
}

/// The children of the root that the request defines.
#[derive(Clone, Copy)]
enum Known {
    /// A text field, by its position in [`TEXT_FIELDS`].
    Text(usize),
    SearchBy,
    NumToReturn,
    CodeByLevel,
}

impl Known {
    fn from_name(name: &str) -> Option<Known> {
        match name {
            SEARCH_BY => Some(Known::SearchBy),
            NUM_TO_RETURN => Some(Known::NumToReturn),
            CODE_BY_LEVEL => Some(Known::CodeByLevel),
            _ => TEXT_FIELDS
                .iter()
                .position(|(field, _)| *field == name)
                .map(Known::Text),
        }
    }

    /// Returns the name's bit in the set of names seen, one of 11 bits.
    fn bit(self) -> u16 {
        let position = match self {
            Known::Text(index) => index,
            Known::SearchBy => TEXT_FIELDS.len(),
            Known::NumToReturn => TEXT_FIELDS.len() + 1,
            Known::CodeByLevel => TEXT_FIELDS.len() + 2,
        };
        1 << position
    }
}

/// Reads the `levelN` children of code-by-level into level order.
fn read_levels(levels: &Element) -> Result<Vec<String>, ParseError> {
    levels.expect_container(LEVELS_PATH)?;

    let mut slots: Vec<Option<&str>> = Vec::new();
    for child in &levels.children {
        let path = format!("{LEVELS_PATH}/{}", child.name);
        let Some(number) =
            level_number(&child.name).map_err(|rule| ParseError::new(&path, rule))?
        else {
            continue;
        };
        if child.has_elements {
            return Err(ParseError::new(path, Rule::ElementInValue));
        }

        if slots.len() < number {
            slots.resize(number, None);
        }
        let slot = &mut slots[number - 1];
        if slot.is_some() {
            return Err(ParseError::new(path, Rule::Duplicate));
        }
        *slot = Some(&child.text);
    }

    let mut codes = Vec::with_capacity(slots.len());
    for (index, slot) in slots.into_iter().enumerate() {
        let missing = index + 1;
        let code = slot.ok_or_else(|| {
            ParseError::new(
                format!("{LEVELS_PATH}/level{missing}"),
                Rule::LevelGap { missing },
            )
        })?;
        codes.push(code.to_string());
    }
    Ok(codes)
}

/// Returns N for a `levelN` name, `None` for names of another form, and an
/// error when N is zero, has a leading zero or exceeds the maximum.
fn level_number(name: &str) -> Result<Option<usize>, Rule> {
    let Some(digits) = name.strip_prefix("level") else {
        return Ok(None);
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }

    let invalid = Rule::InvalidLevel {
        max: limits::MAX_LEVELS,
    };
    if digits.starts_with('0') || digits.len() > 2 {
        return Err(invalid);
    }
    match digits.parse::<usize>() {
        Ok(number) if number <= limits::MAX_LEVELS => Ok(Some(number)),
        _ => Err(invalid),
    }
}
