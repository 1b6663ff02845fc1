//! Subsets of the bundled data files, written as gzip-compressed CSV for `callouts connector import`.
//!
//! Importing the whole files with a debug build of `callouts connector
//! import` took 28 s (geo list 18.6 s, attendees 9.2 s) on a 2-core machine
//! with a load average near 5. So the scenario imports the rows it reaches,
//! and enough others that every search chooses among real neighbours.

use std::fs::File;
use std::path::{Path, PathBuf};

use csv::StringRecord;
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;

/// States whose cities the geo subset keeps. Every country and every
/// first-level division are kept too.
pub const STATES_WITH_CITIES: [&str; 2] = ["US-CA", "US-TX"];

/// Attendees kept from the start of the file, besides those that
/// [`write_attendees`] keeps by last name.
const LEADING_ATTENDEES: usize = 2_000;

fn bundled(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data").join(relative)
}

/// Copies the header and the rows that `keep` accepts from the gzip CSV
/// `source` to `target`. Returns the number of rows copied.
fn copy_rows(source: &Path, target: &Path, mut keep: impl FnMut(usize, &StringRecord) -> bool) -> usize {
    let file = File::open(source).unwrap_or_else(|error| panic!("open {}: {error}", source.display()));
    let mut reader = csv::Reader::from_reader(GzDecoder::new(file));
    let output = File::create(target).unwrap_or_else(|error| panic!("create {}: {error}", target.display()));
    let mut writer = csv::Writer::from_writer(GzEncoder::new(output, Compression::fast()));
    writer
        .write_record(reader.headers().expect("CSV header"))
        .expect("write the header");

    let mut copied = 0;
    for (index, record) in reader.records().enumerate() {
        let record = record.expect("bundled CSV row");
        if keep(index, &record) {
            writer.write_record(&record).expect("write a row");
            copied += 1;
        }
    }
    let encoder = writer.into_inner().expect("flush the CSV writer");
    encoder.finish().expect("finish the gzip stream");
    copied
}

/// Writes every country and division of `data/lists/geo.csv.gz` and the
/// cities of [`STATES_WITH_CITIES`]. Returns the number of rows.
pub fn write_geo(target: &Path) -> usize {
    copy_rows(&bundled("lists/geo.csv.gz"), target, |_, record| {
        let parent = record.get(0).unwrap_or_default();
        // Countries have no parent and divisions a parent without `-`.
        !parent.contains('-') || STATES_WITH_CITIES.contains(&parent)
    })
}

/// Writes the first attendees of `data/attendees.csv.gz` and every attendee
/// whose LastName is `last_name`. Returns the number of rows.
pub fn write_attendees(target: &Path, last_name: &str) -> usize {
    let source = bundled("attendees.csv.gz");
    let header = csv::Reader::from_reader(GzDecoder::new(File::open(&source).expect("open the attendees")))
        .headers()
        .expect("CSV header")
        .clone();
    let last_name_column = header
        .iter()
        .position(|name| name == "LastName")
        .expect("LastName column");
    copy_rows(&source, target, |index, record| {
        index < LEADING_ATTENDEES || record.get(last_name_column) == Some(last_name)
    })
}
