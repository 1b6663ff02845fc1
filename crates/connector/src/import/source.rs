//! Opening an import file: plain or gzip-compressed CSV, with a progress bar
//! on large files when standard error is a terminal.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;
use indicatif::{ProgressBar, ProgressStyle};

use super::quoting::QuoteChecked;
use super::{CsvReader, ImportFailure, MAX_REPORTED_ERRORS};

/// Files above this size show a progress bar.
const PROGRESS_THRESHOLD: u64 = 1 << 20;

/// A CSV byte stream to import.
pub struct CsvSource {
    reader: Box<dyn Read + Send>,
    progress: Option<ProgressBar>,
}

impl CsvSource {
    /// Opens a file; a gzip header (by content, not by name) is decompressed.
    pub fn open(path: &Path) -> Result<CsvSource, ImportFailure> {
        let read_error = |source| ImportFailure::Read {
            path: path.display().to_string(),
            source,
        };
        let file = File::open(path).map_err(read_error)?;
        let size = file.metadata().map_err(read_error)?.len();
        let mut buffered = BufReader::new(file);
        let gzip = {
            use std::io::BufRead;
            buffered.fill_buf().map_err(read_error)?.starts_with(&[0x1f, 0x8b])
        };

        let progress = (size > PROGRESS_THRESHOLD).then(|| {
            let bar = ProgressBar::new(size);
            bar.set_style(
                ProgressStyle::with_template("{msg} {wide_bar} {bytes}/{total_bytes} ({eta})")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.set_message(format!("importing {}", path.display()));
            bar
        });
        let counted: Box<dyn Read + Send> = match &progress {
            Some(bar) => Box::new(bar.wrap_read(buffered)),
            None => Box::new(buffered),
        };
        let reader: Box<dyn Read + Send> = if gzip {
            Box::new(MultiGzDecoder::new(counted))
        } else {
            counted
        };
        Ok(CsvSource { reader, progress })
    }

    /// Wraps bytes already in memory (bundled data); gzip is detected too.
    pub fn from_bytes(bytes: &'static [u8]) -> CsvSource {
        let reader: Box<dyn Read + Send> = if bytes.starts_with(&[0x1f, 0x8b]) {
            Box::new(MultiGzDecoder::new(bytes))
        } else {
            Box::new(bytes)
        };
        CsvSource {
            reader,
            progress: None,
        }
    }

    pub(crate) fn into_csv(self) -> (CsvReader, Option<ProgressBar>) {
        let reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(QuoteChecked::new(self.reader, MAX_REPORTED_ERRORS));
        (reader, self.progress)
    }
}
