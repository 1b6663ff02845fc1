//! The synthetic data set: list items and attendees, each a pure function of
//! the seed and its index, so that any row can be generated again without
//! keeping the whole set in memory.
//!
//! No generated text contains the letter `q`, so a query with a `q` in its
//! literal part is certain to match nothing.

use connector::store::{AttendeeRecord, ListImport, ListRow};
use protocol::Attendee;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Name of the benchmark list.
pub const LIST_NAME: &str = "bench";
/// Default language of the benchmark list.
pub const LANG: &str = "EN";

/// Distinct companies attendees are drawn from.
const COMPANIES: u64 = 20_000;

/// Width of a short code.
const CODE_WIDTH: u32 = 6;
const CODE_SPACE: u64 = 36u64.pow(CODE_WIDTH);
/// Most rows a data set may have: one per distinct short code (36^6, about 2.2 billion).
pub const MAX_ROWS: u64 = CODE_SPACE;
/// Multiplier of the code permutation. It is coprime with 36, so
/// `(index * multiplier + offset) mod 36^6` maps distinct indexes to distinct codes.
const CODE_MULTIPLIER: u64 = 1_000_003;

const ONSETS: &[&str] = &[
    "b", "br", "c", "ch", "d", "dr", "f", "fl", "g", "gr", "h", "k", "l", "m", "n", "p", "pl",
    "r", "s", "sh", "st", "t", "tr", "v", "w", "z",
];
const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "a", "e", "o", "ai", "ea", "ou", "é", "ö"];
const CODAS: &[&str] = &["n", "r", "s", "l", "m", "nd", "rt", "st", "x", "ck"];
const QUALIFIERS: &[&str] = &[
    "North", "South", "East", "West", "Upper", "Lower", "New", "Old", "Saint", "Port", "Lake",
    "Mount",
];
const FIRST_NAMES: &[&str] = &[
    "Aaron", "Abigail", "Adrian", "Aiko", "Alejandro", "Alice", "Amara", "Amelia", "Ana",
    "Andrea", "Anna", "Arjun", "Astrid", "Beatriz", "Ben", "Bianca", "Bruno", "Camille",
    "Carlos", "Charlotte", "Chen", "Chloé", "Daniel", "Daria", "David", "Diego", "Dmitri",
    "Elena", "Elif", "Emma", "Erik", "Fatima", "Felix", "Fiona", "François", "Gabriel",
    "Grace", "Hana", "Hannah", "Hugo", "Ibrahim", "Ines", "Ingrid", "Isabel", "Ivan", "Jack",
    "Jana", "Jean", "Jiho", "Jonas", "José", "Julia", "Karim", "Katarzyna", "Kenji", "Lara",
    "Laura", "Leila", "Leon", "Liam", "Lina", "Lucas", "Lucía", "Maria", "Marta", "Mateo",
    "Mei", "Mia", "Mohammed", "Nadia", "Naomi", "Nikolai", "Noah", "Nora", "Olga", "Oliver",
    "Omar", "Paula", "Pedro", "Priya", "Rafael", "Rania", "Ravi", "Rosa", "Sakura", "Samuel",
    "Sara", "Sebastian", "Sofia", "Søren", "Tarik", "Thomas", "Tomás", "Valentina", "Victor",
    "Wei", "William", "Yara", "Yusuf", "Zoë",
];
/// Initials without `Q`, which no generated text contains.
const MIDDLE_INITIALS: &[&str] = &[
    "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "R", "S",
    "T", "U", "V", "W", "X", "Y", "Z",
];
const COMPANY_SUFFIXES: &[&str] = &[
    "Inc", "GmbH", "Ltd", "SA", "AG", "LLC", "Holdings", "Group", "Partners", "Labs",
    "Systems", "& Co",
];
/// Attendee type codes with their weights in percent.
pub const ATTENDEE_TYPES: &[(&str, u32)] = &[
    ("BUSGUEST", 55),
    ("EMPLOYEE", 20),
    ("SPOUSE", 8),
    ("HCP", 7),
    ("GOVTOFF", 5),
    ("CHARITY", 5),
];
const TITLES: &[&str] = &[
    "CEO", "CFO", "Controller", "Director", "Engineer", "Manager", "Analyst", "Consultant",
    "Physician", "Professor", "Buyer", "Sales Lead", "Counsel", "Architect", "",
];

/// Streams of the generator, so that items, attendees and companies drawn
/// at the same index are unrelated.
#[derive(Clone, Copy)]
enum Stream {
    ListItem = 1,
    Attendee = 2,
    Company = 3,
}

/// The generator of one data set.
#[derive(Debug, Clone, Copy)]
pub struct Dataset {
    pub rows: u64,
    pub seed: u64,
}

impl Dataset {
    fn rng(&self, stream: Stream, index: u64) -> StdRng {
        StdRng::seed_from_u64(splitmix(self.seed ^ splitmix((stream as u64) << 40 ^ index)))
    }

    /// Returns the short code of list item `index`: six characters of `0-9A-Z`, unique per index below [`MAX_ROWS`].
    pub fn code(&self, index: u64) -> String {
        let offset = splitmix(self.seed) % CODE_SPACE;
        let mut value = (index.wrapping_mul(CODE_MULTIPLIER) + offset) % CODE_SPACE;
        let mut code = [b'0'; CODE_WIDTH as usize];
        for slot in code.iter_mut().rev() {
            let digit = (value % 36) as u8;
            *slot = if digit < 10 { b'0' + digit } else { b'A' + digit - 10 };
            value /= 36;
        }
        code.iter().map(|&byte| char::from(byte)).collect()
    }

    /// Returns the text of list item `index`, such as `Brimoda Fesk`, `Upper Kavo` or `Dravo Sel (Norvik)`.
    pub fn text(&self, index: u64) -> String {
        let mut rng = self.rng(Stream::ListItem, index);
        match rng.random_range(0..100) {
            0..50 => format!("{} {}", word(&mut rng, 2, 3), word(&mut rng, 1, 3)),
            50..70 => word(&mut rng, 3, 4),
            70..85 => format!("{} {}", pick(&mut rng, QUALIFIERS), word(&mut rng, 2, 3)),
            _ => format!(
                "{} {} ({})",
                word(&mut rng, 2, 3),
                word(&mut rng, 1, 2),
                word(&mut rng, 2, 3)
            ),
        }
    }

    /// Builds the whole list, on one level, as one import.
    pub fn list_import(&self) -> ListImport {
        let rows = (0..self.rows)
            .map(|index| ListRow {
                line: index + 2,
                parent: String::new(),
                code: self.code(index),
                text: self.text(index),
                lang: None,
            })
            .collect();
        ListImport {
            list_name: LIST_NAME.to_owned(),
            default_lang: LANG.to_owned(),
            rows,
        }
    }

    /// Returns the ExternalID of attendee `index`.
    pub fn external_id(&self, index: u64) -> String {
        format!("BENCH{index:08}")
    }

    /// Attendee `index`.
    pub fn attendee(&self, index: u64) -> Attendee {
        let mut rng = self.rng(Stream::Attendee, index);
        let first_name = if rng.random_range(0..100) < 85 {
            pick(&mut rng, FIRST_NAMES).to_owned()
        } else {
            word(&mut rng, 2, 2)
        };
        let middle_initial = if rng.random_range(0..100) < 40 {
            pick(&mut rng, MIDDLE_INITIALS).to_owned()
        } else {
            String::new()
        };
        let last_name = match rng.random_range(0..100) {
            0..85 => word(&mut rng, 2, 3),
            85..95 => format!("{}-{}", word(&mut rng, 2, 2), word(&mut rng, 1, 2)),
            _ => format!("van {}", word(&mut rng, 2, 2)),
        };
        let suffix = match rng.random_range(0..100) {
            0..5 => "Jr.",
            5..8 => "III",
            _ => "",
        };
        let company = self.company(rng.random_range(0..COMPANIES));
        let attendee_type_code = weighted(&mut rng, ATTENDEE_TYPES).to_owned();
        let title = pick(&mut rng, TITLES).to_owned();
        let cost_center = format!("CC{:04}", rng.random_range(0..10_000));
        Attendee {
            external_id: self.external_id(index),
            first_name,
            middle_initial,
            last_name,
            suffix: suffix.to_owned(),
            company,
            attendee_type_code,
            title,
            custom: vec![cost_center],
        }
    }

    fn company(&self, index: u64) -> String {
        let mut rng = self.rng(Stream::Company, index);
        format!("{} {}", word(&mut rng, 2, 3), pick(&mut rng, COMPANY_SUFFIXES))
    }

    /// Builds attendees `range` as import records.
    pub fn attendee_records(&self, range: std::ops::Range<u64>) -> Vec<AttendeeRecord> {
        range
            .map(|index| AttendeeRecord {
                line: index + 2,
                attendee: self.attendee(index),
                owner_login_id: String::new(),
            })
            .collect()
    }
}

/// Builds a capitalized word of `min` to `max` syllables, such as `Brimvesta`.
fn word(rng: &mut StdRng, min: usize, max: usize) -> String {
    let syllables = rng.random_range(min..=max);
    let mut word = String::new();
    for syllable in 0..syllables {
        word.push_str(pick(rng, ONSETS));
        word.push_str(pick(rng, VOWELS));
        let coda_percent = if syllable + 1 == syllables { 60 } else { 25 };
        if rng.random_range(0..100) < coda_percent {
            word.push_str(pick(rng, CODAS));
        }
    }
    capitalize(&word)
}

fn capitalize(word: &str) -> String {
    let mut characters = word.chars();
    match characters.next() {
        Some(first) => first.to_uppercase().chain(characters).collect(),
        None => String::new(),
    }
}

fn pick<'a>(rng: &mut StdRng, choices: &[&'a str]) -> &'a str {
    choices[rng.random_range(0..choices.len())]
}

fn weighted<'a>(rng: &mut StdRng, choices: &[(&'a str, u32)]) -> &'a str {
    let total: u32 = choices.iter().map(|(_, weight)| weight).sum();
    let mut roll = rng.random_range(0..total);
    for (choice, weight) in choices {
        if roll < *weight {
            return choice;
        }
        roll -= weight;
    }
    choices[choices.len() - 1].0
}

/// SplitMix64 finalizer: spreads nearby inputs over unrelated outputs.
fn splitmix(value: u64) -> u64 {
    let mut z = value.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
