//! Data bundled into the executable, so the demonstration needs no files:
//! see `data/README.md` for sources and licences.

/// Connected list Country → first-level division → City, from GeoNames.
pub const GEO_LIST: &[u8] = include_bytes!("../../../data/lists/geo.csv.gz");
/// Single-level list of airports by IATA code.
pub const AIRPORTS_LIST: &[u8] = include_bytes!("../../../data/lists/airports.csv.gz");
/// Generated attendees, including healthcare providers.
pub const ATTENDEES: &[u8] = include_bytes!("../../../data/attendees.csv.gz");

/// Name of the bundled connected list.
pub const GEO_LIST_NAME: &str = "geo";
/// Name of the bundled airports list.
pub const AIRPORTS_LIST_NAME: &str = "airports";
