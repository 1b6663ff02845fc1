//! Reading a list file: header `parent,code,text` with an optional `lang`.

use std::collections::HashMap;

use protocol::limits;

use super::{
    CsvSource, Errors, ImportFailure, csv_error, forbidden_character, forbidden_character_rule,
    line_of, read_records,
};
use crate::store::{ListImport, ListRow};

const REQUIRED: [&str; 3] = ["parent", "code", "text"];
const OPTIONAL: [&str; 1] = ["lang"];

/// Column positions found in the header.
struct Columns {
    parent: usize,
    code: usize,
    text: usize,
    lang: Option<usize>,
}

fn read_header(header: &csv::StringRecord, errors: &mut Errors) -> Option<Columns> {
    let mut positions: HashMap<&str, usize> = HashMap::new();
    for (index, name) in header.iter().enumerate() {
        let name = name.trim_start_matches('\u{feff}');
        if !REQUIRED.contains(&name) && !OPTIONAL.contains(&name) {
            errors.push(1, name, "unknown column; expected parent, code, text and optionally lang");
        } else if positions.insert(name, index).is_some() {
            errors.push(1, name, "column appears twice");
        }
    }
    for name in REQUIRED {
        if !positions.contains_key(name) {
            errors.push(1, name, "required column is missing");
        }
    }
    if !errors.is_empty() {
        return None;
    }
    Some(Columns {
        parent: positions["parent"],
        code: positions["code"],
        text: positions["text"],
        lang: positions.get("lang").copied(),
    })
}

/// Reads and validates a whole list file; any invalid row fails it all.
pub fn read_list(source: CsvSource, name: &str, default_lang: &str) -> Result<ListImport, ImportFailure> {
    let (mut reader, progress) = source.into_csv();
    let mut errors = Errors::default();
    let header = match reader.headers() {
        Ok(header) => header.clone(),
        Err(error) => {
            csv_error(&mut errors, error, &reader, None);
            return Err(errors.into_failure());
        }
    };
    let Some(columns) = read_header(&header, &mut errors) else {
        return Err(errors.into_failure());
    };

    let mut rows = Vec::new();
    let mut seen: HashMap<(String, String, String), u64> = HashMap::new();
    read_records(&mut reader, &header, &mut errors, |record, errors| {
        let line = line_of(record);
        let field = |index: usize| record.get(index).unwrap_or("").to_owned();
        let row = ListRow {
            line,
            parent: field(columns.parent),
            code: field(columns.code),
            text: field(columns.text),
            lang: columns.lang.map(field).filter(|lang| !lang.is_empty()),
        };
        check_row(&row, errors);
        let key = (row.parent.clone(), row.code.clone(), row.lang.clone().unwrap_or_default().to_uppercase());
        if let Some(first) = seen.insert(key, line) {
            errors.push(line, "code", format!("duplicate of line {first} (same parent, code and lang)"));
        }
        rows.push(row);
    });
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    if !errors.is_empty() {
        return Err(errors.into_failure());
    }
    Ok(ListImport {
        list_name: name.to_owned(),
        default_lang: default_lang.to_owned(),
        rows,
    })
}

fn check_row(row: &ListRow, errors: &mut Errors) {
    let line = row.line;
    check_text(line, "code", &row.code, limits::list_response::SHORT_CODE, errors);
    if row.code.contains('-') {
        errors.push(line, "code", "must not contain `-`, because `-` joins the codes of a long code");
    }
    check_text(line, "text", &row.text, limits::list_response::TEXT, errors);

    if !row.parent.is_empty() {
        if row.parent.split('-').any(str::is_empty) {
            errors.push(line, "parent", "a long code is item codes joined by single `-`; found an empty code");
        }
        if let Some(c) = forbidden_character(&row.parent) {
            errors.push(line, "parent", forbidden_character_rule(c));
        }
    }
    let long_code_length = if row.parent.is_empty() {
        row.code.chars().count()
    } else {
        row.parent.chars().count() + 1 + row.code.chars().count()
    };
    if long_code_length > limits::list_response::CODE {
        errors.push(
            line,
            "code",
            format!(
                "long code would be {long_code_length} characters, over the maximum of {}",
                limits::list_response::CODE
            ),
        );
    }
    if let Some(lang) = &row.lang {
        let valid = (2..=8).contains(&lang.len())
            && lang.chars().all(|c| c.is_ascii_alphabetic() || c == '-' || c == '_');
        if !valid {
            errors.push(line, "lang", "must be a language code of 2 to 8 letters, such as EN or en-GB");
        }
    }
}

fn check_text(line: u64, column: &str, value: &str, max: usize, errors: &mut Errors) {
    let length = value.chars().count();
    if value.trim().is_empty() {
        errors.push(line, column, "must not be empty");
    } else if length > max {
        errors.push(line, column, format!("{length} characters, over the maximum of {max}"));
    }
    // Request parsers drop edge white space, so a long code or query could
    // never match such a value.
    let is_xml_space = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r');
    if !value.trim().is_empty() && value.trim_matches(is_xml_space) != value {
        errors.push(line, column, "starts or ends with white space, which requests cannot carry, so no search would match it");
    }
    if let Some(c) = forbidden_character(value) {
        errors.push(line, column, forbidden_character_rule(c));
    }
}
