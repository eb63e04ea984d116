#!/usr/bin/env python3
"""Generate seed/example_listings.json: invented example listings at real Norfolk postcodes.

Every organisation, service, location and fund written by this script is INVENTED and is
labelled " (example)". Only the postcodes are real (Code-Point Open, read from
norfolk_postcodes.csv). Web addresses use example.org and phone numbers come from Ofcom's
drama ranges (01632 960xxx, 07700 900xxx), so none of them reach a real person.

The output is deterministic: a fixed random seed, sorted inputs and a fixed reference date
make every run byte-identical.

Standard library only.

Usage:
    python3 make_example_listings.py [DATA_DIR] [OUTPUT_JSON]

DATA_DIR defaults to /work/shared/data (needs norfolk_postcodes.csv, norfolk_wards_2025.csv
and openactive_activity_list.csv); OUTPUT_JSON defaults to ../example_listings.json next to
this tools/ folder. After writing, the script checks the output and prints a short summary;
any failed check raises AssertionError.
"""

import csv
import datetime as dt
import json
import math
import random
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

DATA_DIR = "/work/shared/data"
OUTPUT = Path(__file__).resolve().parent.parent / "example_listings.json"
SEED = 20261123
TODAY = dt.date(2026, 11, 23)  # reference date for "stale", "open" and "closed"
STALE_BEFORE = dt.date(2025, 11, 23)  # reviewed before this = more than 12 months ago
COUNTY = "E10000020"
MAX_BYTES = 600 * 1024

NOTICE = (
    "Example listings: invented organisations, services and funds placed at real Norfolk "
    "postcodes, for demonstration and testing only. They are not real."
)
SUFFIX = " (example)"

NEEDS = [
    "strength-and-balance", "physical-activity", "social-connection", "befriending",
    "money-advice", "information-and-advice", "mental-wellbeing", "carers", "housing", "food",
    "digital-inclusion", "transport", "bereavement", "memory-and-dementia",
]
ACCESSIBILITY = [
    "step_free", "hearing_loop", "accessible_toilet", "parking", "seated_options",
    "large_print", "wheelchair_accessible",
]
DELIVERY_MODES = ["in_person", "phone", "online"]
LANGUAGES = ["English", "Polish", "Portuguese", "Lithuanian"]
DAY_NAMES = {"MO": "Monday", "TU": "Tuesday", "WE": "Wednesday", "TH": "Thursday",
             "FR": "Friday", "SA": "Saturday", "SU": "Sunday"}
WEEKDAY = {code: i for i, code in enumerate(DAY_NAMES)}
ORDINALS = {1: "First", 2: "Second", 3: "Third", 4: "Fourth"}

# Activity labels used below; each must be an exact pref_label in openactive_activity_list.csv.
CHAIR = "Chair Based Exercise"
FAME = "Falls and Exercise Management"
OTAGO = "Otago"
PSI = "Postural Stability Instruction"
OLDER = "General Fitness for Older Adults"
TAI_CHI = "Tai Chi"
CHAIR_YOGA = "Chair Yoga"
WALKING_FOOTBALL = "Walking Football"
WALKING = "Walking"
GARDENING = "Gardening"


# Outward codes a town's own postcodes use; postcodes with these are preferred when picking.
TOWN_OUTCODES = {
    "Dereham": ["NR19", "NR20"], "Thetford": ["IP24"], "Swaffham": ["PE37"], "Attleborough": ["NR17"],
    "Watton": ["IP25"], "Aylsham": ["NR11"], "Sprowston": ["NR7"], "Hellesdon": ["NR6"],
    "Wroxham": ["NR12"], "Reepham": ["NR10"], "Acle": ["NR13"], "Great Yarmouth": ["NR30"],
    "Gorleston": ["NR31"], "Caister": ["NR30"], "Martham": ["NR29"], "King's Lynn": ["PE30"],
    "Downham Market": ["PE38"], "Hunstanton": ["PE36"], "Terrington St Clement": ["PE34"],
    "Cromer": ["NR27"], "North Walsham": ["NR28"], "Fakenham": ["NR21"], "Sheringham": ["NR26"],
    "Holt": ["NR25"], "Wells-next-the-Sea": ["NR23"], "Stalham": ["NR12"], "Wymondham": ["NR18"],
    "Diss": ["IP22"], "Long Stratton": ["NR15"], "Harleston": ["IP20"], "Loddon": ["NR14"],
    "Hethersett": ["NR9"],
}


def T(name, wards, centre=None, city=None):
    """A town (or, in Norwich, a neighbourhood), the 2025 wards it lies in and its approximate
    centre (lat, lng); Norwich neighbourhoods are centred on their ward's ONS centroid."""
    city = city or name
    key = slug(name) if city == name else slug(f"{city} {name}")
    return {"name": name, "city": city, "key": key, "wards": wards, "centre": centre,
            "outcodes": TOWN_OUTCODES.get(name, [])}


def slug(text):
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = text.lower().replace("&", " and ").replace("'", "").replace("’", "")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


# Each district: its towns (main towns first) and the names of its invented organisations.
# orgs: archetype -> (organisation name without the suffix, short brand used in service names)
DISTRICTS = [
    {
        "code": "E07000143", "name": "Breckland", "slug": "breckland",
        "towns": [
            T("Dereham", ["Dereham Neatherd", "Dereham Toftwood", "Dereham Withburga"], (52.6810, 0.9400)),
            T("Thetford", ["Thetford Boudica", "Thetford Burrell", "Thetford Castle", "Thetford Priory"], (52.4135, 0.7495)),
            T("Swaffham", ["Swaffham"], (52.6486, 0.6866)),
            T("Attleborough", ["Attleborough Burgh & Haverscroft", "Attleborough Queens & Besthorpe"], (52.5178, 1.0194)),
            T("Watton", ["Watton"], (52.5714, 0.8272)),
        ],
        "orgs": {
            "falls": ("Brecks Steady Steps", "Steady Steps"),
            "active": ("Heathland Active Living Trust", "Heathland Active"),
            "neighbours": ("Wensum Valley Good Neighbours", "Wensum Valley"),
            "advice": ("Brecks Money and Advice Point", "Brecks Advice"),
            "food": ("Thet Valley Community Larder", "Thet Valley Larder"),
            "carers": ("Brecks Carers Circle", "Brecks Carers"),
            "wellbeing": ("Flint and Oak Wellbeing Collective", "Flint and Oak"),
            "bereavement": ("Pinewood Bereavement Friends", "Pinewood"),
            "digital": ("Brecks Digital Neighbours", "Digital Neighbours"),
        },
        "extra_languages": ["Portuguese", "Lithuanian"],
    },
    {
        "code": "E07000144", "name": "Broadland", "slug": "broadland",
        "towns": [
            T("Aylsham", ["Aylsham"], (52.7967, 1.2528)),
            T("Sprowston", ["Sprowston Central", "Sprowston East", "Old Catton and Sprowston West"], (52.6480, 1.3340)),
            T("Hellesdon", ["Hellesdon North West", "Hellesdon South East"], (52.6545, 1.2524)),
            T("Wroxham", ["Wroxham"], (52.7075, 1.4040)),
            T("Reepham", ["Reepham"], (52.7622, 1.1125)),
            T("Acle", ["Acle"], (52.6368, 1.5461)),
        ],
        "orgs": {
            "falls": ("Bure Valley Balance Club", "Balance Club"),
            "active": ("Broadland Fields Activity Trust", "Broadland Fields"),
            "neighbours": ("Bure Meadows Good Neighbours", "Bure Meadows"),
            "advice": ("Broadland Household Advice Network", "Household Advice"),
            "food": ("Millgate Community Pantry", "Millgate Pantry"),
            "carers": ("Broadland Carers Together", "Carers Together"),
            "wellbeing": ("Broadland Workbench Wellbeing Project", "Workbench"),
            "bereavement": ("Broadland Stillwater Bereavement Group", "Stillwater"),
            "digital": ("Broadland Tech Buddies", "Tech Buddies"),
        },
        "extra_languages": [],
    },
    {
        "code": "E07000145", "name": "Great Yarmouth", "slug": "great-yarmouth",
        "towns": [
            T("Great Yarmouth", ["Central and Northgate", "Nelson", "Yarmouth North", "Southtown and Cobholm"], (52.6075, 1.7300)),
            T("Gorleston", ["Gorleston", "Magdalen", "Claydon", "St Andrews"], (52.5775, 1.7240)),
            T("Caister", ["Caister North", "Caister South"], (52.6480, 1.7300)),
            T("Martham", ["West Flegg"], (52.7045, 1.6320)),
        ],
        "orgs": {
            "falls": ("Breydon Strong and Steady", "Strong and Steady"),
            "active": ("Yarmouth Seafront Active Ageing", "Seafront Active"),
            "neighbours": ("Flegg Villages Good Neighbours", "Flegg Villages"),
            "advice": ("Quayside Advice Centre Yarmouth", "Quayside Advice"),
            "food": ("Gorleston Harbour Food Hub", "Harbour Food Hub"),
            "carers": ("Yarmouth and Flegg Carers Link", "Carers Link"),
            "wellbeing": ("Sandbank Wellbeing Collective", "Sandbank"),
            "bereavement": ("Shoreline Bereavement Friends", "Shoreline"),
            "digital": ("Harbourside Digital Helpers", "Digital Helpers"),
        },
        "extra_languages": ["Portuguese", "Lithuanian"],
    },
    {
        "code": "E07000146", "name": "King's Lynn and West Norfolk", "slug": "west-norfolk",
        "towns": [
            T("King's Lynn", ["North Lynn", "South & West Lynn", "Gaywood Chase", "Gaywood Clock",
                              "Gaywood North Bank", "Fairstead", "Springwood", "St. Margaret's with St. Nicholas"],
              (52.7517, 0.4020)),
            T("Downham Market", ["Downham Old Town", "East Downham", "North Downham", "South Downham"], (52.6010, 0.3830)),
            T("Hunstanton", ["Hunstanton"], (52.9395, 0.4900)),
            T("Terrington St Clement", ["Terrington"], (52.7540, 0.2950)),
        ],
        "orgs": {
            "falls": ("West Norfolk Firm Footing", "Firm Footing"),
            "active": ("Ouse Bank Active Living", "Ouse Bank"),
            "neighbours": ("Fen Edge Good Neighbours", "Fen Edge"),
            "advice": ("Lynn and Fens Money Advice Hub", "Lynn and Fens Advice"),
            "food": ("Gaywood Community Larder", "Gaywood Larder"),
            "carers": ("Fenland Edge Carers Circle", "Fenland Edge Carers"),
            "wellbeing": ("Wash Coast Wellbeing Collective", "Wash Coast"),
            "bereavement": ("Tideway Bereavement Friends", "Tideway"),
            "digital": ("West Norfolk Digital Buddies", "Digital Buddies"),
        },
        "extra_languages": ["Polish", "Lithuanian"],
    },
    {
        "code": "E07000147", "name": "North Norfolk", "slug": "north-norfolk",
        "towns": [
            T("Cromer", ["Cromer Town", "Suffield Park"], (52.9310, 1.3010)),
            T("North Walsham", ["North Walsham East", "North Walsham Market Cross", "North Walsham West"], (52.8210, 1.3870)),
            T("Fakenham", ["Lancaster North", "Lancaster South"], (52.8300, 0.8470)),
            T("Sheringham", ["Sheringham North", "Sheringham South"], (52.9420, 1.2100)),
            T("Holt", ["Holt"], (52.9070, 1.0900)),
            T("Wells-next-the-Sea", ["Wells with Holkham"], (52.9530, 0.8520)),
            T("Stalham", ["Stalham"], (52.7720, 1.5160)),
        ],
        "orgs": {
            "falls": ("Glaven Coast Stay Steady", "Stay Steady"),
            "active": ("Poppyland Moves", "Poppyland Moves"),
            "neighbours": ("Ant and Glaven Good Neighbours", "Ant and Glaven"),
            "advice": ("North Norfolk Coast Advice Point", "Coast Advice"),
            "food": ("Weavers' Way Community Pantry", "Weavers' Way Pantry"),
            "carers": ("North Norfolk Carers Cuppa Club", "Cuppa Club"),
            "wellbeing": ("Saltmarsh Wellbeing Collective", "Saltmarsh"),
            "bereavement": ("Holt Heath Bereavement Friends", "Holt Heath"),
            "digital": ("Coastline Tech Buddies", "Coastline Tech"),
        },
        "extra_languages": [],
    },
    {
        "code": "E07000148", "name": "Norwich", "slug": "norwich",
        "towns": [
            T("Mile Cross", ["Mile Cross"], city="Norwich"),
            T("Lakenham", ["Lakenham"], city="Norwich"),
            T("Bowthorpe", ["Bowthorpe"], city="Norwich"),
            T("Catton Grove", ["Catton Grove"], city="Norwich"),
            T("Thorpe Hamlet", ["Thorpe Hamlet"], city="Norwich"),
            T("Eaton", ["Eaton"], city="Norwich"),
            T("Mancroft", ["Mancroft"], city="Norwich"),
        ],
        "orgs": {
            "falls": ("Wensum City Strength and Balance CIC", "Wensum City"),
            "active": ("Norwich Lanes Active Ageing", "Lanes Active"),
            "neighbours": ("Norwich Doorstep Neighbours", "Doorstep Neighbours"),
            "advice": ("Norwich Yard Advice Centre", "Yard Advice"),
            "food": ("Larder Lane Community Pantry Norwich", "Larder Lane"),
            "carers": ("Norwich Carers Kitchen Table", "Kitchen Table Carers"),
            "wellbeing": ("Colegate Workbench Wellbeing CIC", "Colegate Workbench"),
            "bereavement": ("Norwich Lantern Bereavement Circle", "Lantern Circle"),
            "digital": ("Norwich Screen Friends", "Screen Friends"),
        },
        "extra_languages": ["Polish"],
    },
    {
        "code": "E07000149", "name": "South Norfolk", "slug": "south-norfolk",
        "towns": [
            T("Wymondham", ["Central Wymondham", "North Wymondham", "South Wymondham"], (52.5700, 1.1160)),
            T("Diss", ["Diss & Roydon"], (52.3760, 1.1080)),
            T("Long Stratton", ["Stratton"], (52.4870, 1.2310)),
            T("Harleston", ["Harleston"], (52.4030, 1.2990)),
            T("Loddon", ["Loddon & Chedgrave"], (52.5340, 1.4820)),
            T("Hethersett", ["Hethersett"], (52.6000, 1.1790)),
        ],
        "orgs": {
            "falls": ("Tas Valley Sure Feet", "Sure Feet"),
            "active": ("Waveney Meadows Move More", "Move More"),
            "neighbours": ("Tas and Tiffey Good Neighbours", "Tas and Tiffey"),
            "advice": ("South Norfolk Market Towns Advice", "Market Towns Advice"),
            "food": ("Diss Mere Community Larder", "Mere Larder"),
            "carers": ("South Norfolk Carers Tea Room", "Carers Tea Room"),
            "wellbeing": ("Chet Valley Wellbeing Collective", "Chet Valley"),
            "bereavement": ("Willow Bereavement Friends South Norfolk", "Willow"),
            "digital": ("South Norfolk Digital Doorstep", "Digital Doorstep"),
        },
        "extra_languages": [],
    },
]

# Venue kinds: (name pattern, address_1 prefix, features always present, features that may be present)
VENUE_KINDS = {
    "hall": ("{town} Example Community Hall", "Example Community Hall",
             ["step_free", "accessible_toilet", "seated_options"], ["hearing_loop", "parking", "wheelchair_accessible"]),
    "church": ("St Example's Church Hall, {town}", "St Example's Church Hall",
               ["seated_options"], ["step_free", "hearing_loop", "parking", "accessible_toilet"]),
    "library": ("{town} Example Library", "Example Library",
                ["step_free", "hearing_loop", "large_print"], ["accessible_toilet", "wheelchair_accessible", "seated_options"]),
    "leisure": ("{town} Example Leisure Centre", "Example Leisure Centre",
                ["step_free", "accessible_toilet", "parking", "wheelchair_accessible"], ["hearing_loop", "seated_options"]),
    "sports": ("{town} Example Sports Ground", "Example Sports Ground",
               ["parking"], ["accessible_toilet", "step_free"]),
    "park": ("{town} Example Park Pavilion", "Example Park Pavilion",
             ["parking"], ["step_free", "accessible_toilet", "seated_options"]),
    "centre": ("{town} Example Community Centre", "Example Community Centre",
               ["step_free", "accessible_toilet", "wheelchair_accessible"], ["hearing_loop", "parking", "seated_options"]),
    "cafe": ("{town} Example Community Café", "Example Community Café",
             ["step_free", "seated_options"], ["accessible_toilet", "hearing_loop", "large_print"]),
    "garden": ("{town} Example Community Garden", "Example Community Garden",
               ["parking"], ["step_free", "seated_options", "accessible_toilet"]),
    "workshop": ("{town} Example Community Workshop", "Unit 4, Example Community Workshop",
                 ["parking", "step_free"], ["accessible_toilet"]),
    "office": ("{town} Example Advice Centre", "Example Advice Centre",
               ["step_free", "hearing_loop", "accessible_toilet"], ["large_print", "wheelchair_accessible"]),
}
STREETS = [
    "Church Lane", "Station Road", "Market Place", "Mill Lane", "School Road", "High Street",
    "The Green", "Chapel Street", "Queens Road", "Victoria Road", "Manor Road", "Recreation Road",
    "Back Street", "Priory Road", "Meadow Way", "Common Lane", "King Street", "Bridge Street",
    "Water Lane", "London Road", "Orchard Close", "Parkfield Road", "Vicarage Lane", "Beech Avenue",
    "Cromwell Road", "Elm Grove", "Kiln Lane", "Maltings Way", "Old Market Street", "Rectory Road",
]
FIRST_NAMES = [
    "Sam", "Alex", "Jo", "Chris", "Pat", "Kim", "Lee", "Robin", "Jamie", "Charlie", "Frankie",
    "Morgan", "Terry", "Lesley", "Nicky", "Ashley", "Jess", "Dani", "Mel", "Bev", "Viv", "Ros",
    "Gill", "Rob", "Steph", "Andy", "Kath", "Marion", "Derek", "Pauline", "Trevor", "Sandra",
    "Ruth", "Colin", "Maggie", "Ewa", "Tomasz", "Joana", "Rui", "Ona", "Priya", "Femi", "Mo",
    "Hannah", "Graham", "Sue", "Dave", "Tess", "Owen", "Niamh",
]


class Builder:
    """Holds the reference data, the random generator and everything generated so far."""

    def __init__(self, data_dir):
        self.rng = random.Random(SEED)
        data_dir = Path(data_dir)
        with open(data_dir / "norfolk_wards_2025.csv", newline="", encoding="utf-8") as f:
            self.wards = {r["ward_code"]: r for r in csv.DictReader(f)}
        with open(data_dir / "norfolk_postcodes.csv", newline="", encoding="utf-8") as f:
            self.postcodes = {r["postcode"]: r for r in csv.DictReader(f)}
        with open(data_dir / "openactive_activity_list.csv", newline="", encoding="utf-8") as f:
            self.activity_labels = {r["pref_label"] for r in csv.DictReader(f)}
        self.by_district = defaultdict(list)
        for pc in sorted(self.postcodes):
            r = self.postcodes[pc]
            if r["positional_quality"] == "10" and r["outcode"] not in ("NR99", "IP98"):
                self.by_district[r["lad_code"]].append(pc)
        self.landlines = [f"01632 {n}" for n in self.rng.sample(range(960000, 961000), 1000)]
        self.mobiles = [f"07700 {n}" for n in self.rng.sample(range(900000, 901000), 1000)]
        self.charity_numbers = [str(n) for n in self.rng.sample(range(9900000, 10000000), 200)]
        self.company_numbers = [f"EX{n:06d}" for n in self.rng.sample(range(0, 1000000), 200)]
        self.organizations = []
        self.org_keys = set()
        self.service_keys = set()
        self.venues = {}
        self.venue_meta = {}  # location key -> (district code, town dict)
        self.venue_bookings = defaultdict(list)  # location key -> [(weekday, opens, closes)]
        self.used_postcodes = set()
        self.service_count = 0
        self.first_name_i = 0

    # ---- small helpers -------------------------------------------------------------------

    def landline(self):
        return self.landlines.pop()

    def mobile(self):
        return self.mobiles.pop()

    def person(self):
        name = FIRST_NAMES[self.first_name_i % len(FIRST_NAMES)]
        self.first_name_i += 1
        return f"{name} Example"

    def identifiers(self, kind):
        out = []
        if kind in ("chc", "chc+coh"):
            out.append({"identifier_scheme": "GB-CHC", "identifier": self.charity_numbers.pop()})
        if kind in ("coh", "chc+coh"):
            out.append({"identifier_scheme": "GB-COH", "identifier": self.company_numbers.pop()})
        return out

    def pick_postcode(self, district_code, town):
        ward_codes = {code for code, w in self.wards.items()
                      if w["lad_code"] == district_code and w["ward_name"] in town["wards"]}
        assert len(ward_codes) == len(town["wards"]), (town["name"], town["wards"])
        centre = town["centre"]
        if centre is None:  # Norwich neighbourhood: centre on its ward's ONS centroid
            w = self.wards[next(iter(ward_codes))]
            centre = (float(w["ons_centroid_lat"]), float(w["ons_centroid_lng"]))
        in_wards = [pc for pc in self.by_district[district_code]
                    if self.postcodes[pc]["ward_code"] in ward_codes and pc not in self.used_postcodes]
        own = [pc for pc in in_wards if self.postcodes[pc]["outcode"] in town["outcodes"]]
        in_wards = own or in_wards
        for radius in (1.2, 2.0, 3.5, 6.0, 1000.0):
            near = [pc for pc in in_wards
                    if distance_km(centre, self.postcodes[pc]) <= radius]
            if len(near) >= 5:
                break
        assert near, town["name"]
        pc = self.rng.choice(near)
        self.used_postcodes.add(pc)
        return pc

    def venue(self, district, town, kind):
        """A shared venue: the same key always yields exactly the same location fields."""
        key = f"{town['key']}-{slug(VENUE_KINDS[kind][1].split(', ')[-1])}"
        if key not in self.venues:
            pattern, prefix, always, maybe = VENUE_KINDS[kind]
            features = set(always) | {f for f in maybe if self.rng.random() < 0.5}
            self.venues[key] = {
                "key": key,
                "name": pattern.format(town=town["name"]) + SUFFIX,
                "address_1": f"{prefix}, {self.rng.choice(STREETS)}",
                "city": town["city"],
                "postcode": self.pick_postcode(district["code"], town),
                "accessibility": [f for f in ACCESSIBILITY if f in features],
            }
            self.venue_meta[key] = (district["code"], town)
        return self.venues[key]

    def book(self, venue, days, opens, closes):
        """Pick the first of `days` on which the venue is free between opens and closes."""
        start = self.rng.randrange(len(days))
        rotated = days[start:] + days[:start]
        for day in rotated:
            weekday = day[-2:]
            clash = any(w == weekday and not (closes <= o or c <= opens)
                        for (w, o, c) in self.venue_bookings[venue["key"]])
            if not clash:
                break
        else:
            day = rotated[0]
        self.venue_bookings[venue["key"]].append((day[-2:], opens, closes))
        return day

    # ---- organisations and services ------------------------------------------------------

    def organization(self, name, description, ident, domain=None):
        key = slug(name)
        assert key not in self.org_keys, key
        self.org_keys.add(key)
        domain = domain or key
        org = {
            "key": key,
            "name": name + SUFFIX,
            "description": description,
            "url": f"https://{domain}.example.org",
            "email": f"hello@{domain}.example.org",
            "phone": self.landline(),
            "identifiers": self.identifiers(ident),
            "services": [],
        }
        org["_domain"] = domain
        self.organizations.append(org)
        return org

    def service(self, org, key, name, description, needs, *, concepts=(), min_age=None, max_age=None,
                eligibility, modes=("in_person",), costs=(), languages=("English",), contact_title,
                how_to_join, areas=(), sessions=(), url_path=None, email_local=None,
                own_phone=False, mobile_contact=False, status="active", valid_to=None, contacts=True):
        """sessions: [(venue, [schedule spec, ...]), ...]; a spec is
        (byday, opens, closes) or (byday, opens, closes, freq, interval, note)."""
        assert key not in self.service_keys, key
        self.service_keys.add(key)
        self.service_count += 1
        stale = self.service_count % 10 == 7
        if stale:
            reviewed = TODAY - dt.timedelta(days=self.rng.randint(400, 880))
        else:
            reviewed = TODAY - dt.timedelta(days=self.rng.randint(7, 355))
        domain = org["_domain"]
        phone = self.landline() if own_phone else org["phone"]
        contact_list = []
        if contacts:
            person = self.person()
            contact_list.append({
                "name": person,
                "title": contact_title,
                "email": (f"{person.split()[0].lower()}@{domain}.example.org"
                          if self.rng.random() < 0.4 else None),
                "phone": self.mobile() if mobile_contact else self.landline(),
            })
        locations = []
        for venue, specs in sessions:
            schedules = [self.schedule(venue, spec, reviewed, stale, valid_to) for spec in specs]
            loc = dict(venue)
            loc["schedules"] = schedules
            locations.append(loc)
        svc = {
            "key": key,
            "name": name + SUFFIX,
            "description": description,
            "url": f"https://{domain}.example.org/{url_path}" if url_path else None,
            "email": f"{email_local}@{domain}.example.org" if email_local else None,
            "phone": phone,
            "status": status,
            "needs": list(needs),
            "activity_concepts": list(concepts),
            "minimum_age": min_age,
            "maximum_age": max_age,
            "eligibility_description": eligibility,
            "delivery_modes": list(modes),
            "free": not costs,
            "cost_options": [
                {"option": option, "amount": float(amount), "currency": "GBP", "amount_description": text}
                for (option, amount, text) in costs
            ],
            "languages": list(languages),
            "contacts": contact_list,
            "how_to_join": how_to_join,
            "last_reviewed_at": reviewed.isoformat(),
            "service_areas": [{"gss_code": code, "description": text} for (code, text) in areas],
            "locations": locations,
        }
        org["services"].append(svc)
        return svc

    def schedule(self, venue, spec, reviewed, stale, valid_to):
        if len(spec) == 3:
            byday, opens, closes = spec
            freq, interval, note = "WEEKLY", 1, None
        else:
            byday, opens, closes, freq, interval, note = spec
        starts = ([dt.date(2023, 9, 4), dt.date(2024, 1, 8), dt.date(2024, 9, 2), dt.date(2025, 1, 6)]
                  if stale else
                  [dt.date(2025, 4, 7), dt.date(2025, 9, 1), dt.date(2026, 1, 5), dt.date(2026, 4, 13),
                   dt.date(2026, 9, 7)])
        possible = [s for s in starts if s <= reviewed] or starts[:1]
        valid_from = first_occurrence(self.rng.choice(possible), byday, freq)
        day = DAY_NAMES[byday[-2:]]
        times = f"{opens}–{closes}"
        if freq == "MONTHLY":
            text = f"{ORDINALS[int(byday[:-2])]} {day} of each month, {times}"
        elif interval == 2:
            text = f"Every other {day}, {times}"
        else:
            text = f"{day}s {times}"
        if note:
            text += f"; {note}"
        return {
            "freq": freq, "interval": interval, "byday": byday,
            "opens_at": opens, "closes_at": closes,
            "valid_from": valid_from.isoformat(),
            "valid_to": valid_to if (valid_to and not stale) else None,
            "description": text,
        }


def distance_km(centre, row):
    lat1, lng1 = centre
    lat2, lng2 = float(row["lat"]), float(row["lng"])
    x = math.radians(lng2 - lng1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return 6371.0 * math.hypot(x, y)


def first_occurrence(start, byday, freq):
    weekday = WEEKDAY[byday[-2:]]
    if freq == "WEEKLY":
        return start + dt.timedelta(days=(weekday - start.weekday()) % 7)
    nth = int(byday[:-2])
    year, month = start.year, start.month
    while True:
        first = dt.date(year, month, 1)
        day = first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))
        if day >= start:
            return day
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def listing(names):
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def weekly(day, opens, closes, note=None, interval=1):
    return (day, opens, closes, "WEEKLY", interval, note)


def monthly(nth_day, opens, closes, note=None):
    return (nth_day, opens, closes, "MONTHLY", 1, note)


def cost(amount, text, option="Per session"):
    return (option, amount, text)


# ---- the district organisations ----------------------------------------------------------

def build_district(b, di, d):
    towns = d["towns"]
    n = len(towns)

    def town(i):
        return towns[i % n]

    dname = d["name"]
    code = d["code"]
    town_names = listing(t["name"] for t in towns[:3]) if d["slug"] != "norwich" else "Norwich"
    place = (lambda t: t["name"]) if d["slug"] != "norwich" else (lambda t: f"{t['name']}, Norwich")
    extra = d["extra_languages"]
    names = d["orgs"]

    # -- A. falls-prevention strength and balance charity (5 classes) -----------------------
    name, brand = names["falls"]
    falls = b.organization(name, (
        f"{name} runs small, friendly strength and balance classes for older people in "
        f"{town_names} and nearby villages. All instructors hold the Postural Stability "
        "Instructor qualification and classes are kept small, so people who have had a fall, "
        "are worried about falling or are recovering from illness can build strength and "
        "confidence safely. Volunteers welcome newcomers, make the tea and ring members who "
        "have missed a couple of weeks."
        if di % 2 == 0 else
        f"{name} is a not-for-profit falls-prevention project working across {dname}. It runs "
        "evidence-based strength and balance classes – FaME, Otago-based groups, seated "
        "exercise and follow-on classes – in halls and community centres, and takes "
        "referrals from GPs, the falls service and social prescribing link workers as well as "
        "self-referrals."
    ), "coh" if "CIC" in name else "chc")
    pfx = slug(brand)

    t = town(0)
    v1 = b.venue(d, t, "hall")
    sessions = [(v1, [(b.book(v1, ["TU", "WE", "TH"], "10:00", "11:00"), "10:00", "11:00")])]
    if di % 2 == 1:
        v2 = b.venue(d, town(4), "hall")
        sessions.append((v2, [(b.book(v2, ["MO", "FR"], "14:00", "15:00"), "14:00", "15:00")]))
    b.service(falls, f"{pfx}-chair-strength-balance-{t['key']}",
              f"{brand} chair-based strength and balance, {t['name']}",
              ([
                  "A relaxed, friendly class to build leg strength and steadiness so that everyday "
                  "things – getting out of a chair, reaching a high shelf, stepping off a kerb – "
                  "feel safer. Most exercises are done seated or holding the back of a chair, and "
                  "the instructor adapts every move to the person. The hour ends with tea and a "
                  "chat, and many people come as much for the company as the exercise.",
                  "Gentle but progressive strength and balance exercises done seated and standing "
                  "with the support of a chair, set to music from the 50s to the 80s. Each week "
                  "builds a little on the last, and everyone gets a simple home-exercise sheet to "
                  "keep going between sessions. The group is limited to 14 so the instructor can "
                  "keep an eye on everyone. Tea, coffee and biscuits afterwards.",
              ][di % 2]) + f" For anyone aged 60 or over who feels unsteady, has had a fall or is "
              "getting back on their feet after illness. Just turn up – the first session is free; "
              "wear comfortable clothes and supportive shoes and bring a bottle of water.",
              ["strength-and-balance", "social-connection"], concepts=[CHAIR],
              min_age=60, eligibility="Adults 60+ who feel unsteady on their feet; no referral needed",
              costs=[cost(3, "£3 per session, first session free")],
              contact_title="Class leader", how_to_join="Just turn up, or ring ahead to book a chair",
              sessions=sessions, url_path="classes", email_local="classes")

    t = town(1)
    v = b.venue(d, t, "centre")
    day = b.book(v, ["MO", "TH"], "13:30", "14:30")
    b.service(falls, f"{pfx}-fame-{t['key']}", f"FaME falls prevention class, {t['name']}",
              "Falls and Exercise Management (FaME) is an evidence-based programme for people who "
              "have fallen or are at risk of falling. Each session has a warm-up, balance work "
              "standing at a chair or wall bar, strength exercises with light ankle weights and "
              "resistance bands, and practice of safe ways to get down to and up from the floor. "
              "Strength and balance are checked at the start and end of the 24-week course so you "
              "can see your progress; new courses start in January and September but people can "
              "join part-way through if there is space. Places are limited to 12, so please book: "
              "the instructor will have a short phone chat with you before your first session.",
              ["strength-and-balance", "physical-activity"], concepts=[FAME, PSI],
              min_age=60,
              eligibility="Adults 60+ who have had a fall or are at risk of falling and can walk "
                          "indoors with or without a stick",
              costs=[] if di % 3 == 0 else [cost(2.5, "£2.50 per session (funded course)")],
              contact_title="FaME instructor",
              how_to_join="Self-referral by phone, or referral from a link worker, GP or the falls "
                          "service; short phone assessment before the first session",
              sessions=[(v, [(day, "13:30", "14:30")])], url_path="fame", own_phone=True)

    t = town(2)
    v = b.venue(d, t, "church")
    day = b.book(v, ["TU", "WE", "FR"], "11:15", "12:00")
    b.service(falls, f"{pfx}-otago-group-{t['key']}", f"Otago-based strength and balance group, {t['name']}",
              "A small group based on the Otago exercise programme for people aged 65 and over who "
              "are a little unsteady, or who have finished a course of home exercises with a "
              "physiotherapist and want to keep going. Sessions include sit-to-stand practice, heel "
              "and toe raises, side steps and walking exercises, progressed gradually with ankle "
              "weights, and the instructor keeps a note of how you are doing. You will also get a "
              "home programme to do twice a week. Please ring the coordinator before coming for "
              "the first time.",
              ["strength-and-balance"], concepts=[OTAGO],
              min_age=65, eligibility="Adults 65+ who are unsteady or have recently completed physiotherapy",
              costs=[cost(2.5, "£2.50 per session")] if di % 2 == 0 else [],
              contact_title="Falls prevention coordinator",
              how_to_join="Ring the coordinator first; referrals from physiotherapists and link workers welcome",
              sessions=[(v, [(day, "11:15", "12:00")])], mobile_contact=True)

    t = town(3)
    v = b.venue(d, t, "hall")
    day = b.book(v, ["MO", "WE", "FR"], "10:30", "11:15")
    sessions = [(v, [(day, "10:30", "11:15")])]
    if di % 2 == 0:
        t_b = town(5) if n > 5 else town(0)
        vb = b.venue(d, t_b, "centre")
        day_b = b.book(vb, ["TU", "TH"], "14:00", "14:45")
        sessions.append((vb, [(day_b, "14:00", "14:45")]))
    b.service(falls, f"{pfx}-seated-exercise-{t['key']}", f"Seated exercise to music, {t['name']}",
              "Upbeat seated exercise to music for people who find standing classes difficult, "
              "including wheelchair users and people living with arthritis, Parkinson's or the "
              "effects of a stroke. Everything is done from a sturdy chair: arm and leg "
              "strengthening with light hand weights and bands, gentle stretches and co-ordination "
              "games, with a chance to chat at the end. No special kit is needed – wear loose "
              "clothing and bring a drink. Carers are welcome to join in free of charge. "
              + ("The class also runs at a second venue on a different day." if len(sessions) > 1 else
                 "Just come along and introduce yourself to the instructor."),
              ["strength-and-balance", "physical-activity", "social-connection"], concepts=[CHAIR, OLDER],
              min_age=50, eligibility="Adults 50+ with limited mobility; carers come free",
              costs=[cost(2, "£2 per session; carers free")],
              contact_title="Seated exercise instructor",
              how_to_join="Just turn up; wheelchair users please ring ahead so space can be kept",
              sessions=sessions)

    t = town(4 if n > 4 else 1)
    v = b.venue(d, t, "leisure")
    day = b.book(v, ["MO", "TU", "TH"], "09:30", "10:30")
    b.service(falls, f"{pfx}-stay-strong-{t['key']}", f"{brand} Stay Strong follow-on class, {t['name']}",
              "A weekly maintenance class for people who have completed a FaME or Otago course and "
              "want to keep up their strength and balance. Expect a brisk standing warm-up, balance "
              "challenges at the chair and across the room, and strength work with bands and "
              "weights, with the option to sit for any part. The group is sociable and many "
              "members have been coming for years. Newcomers who are fairly steady on their feet "
              "are welcome after a short chat with the instructor.",
              ["strength-and-balance", "physical-activity"], concepts=[OLDER, PSI],
              min_age=60, eligibility="Adults 60+ who have completed a falls prevention course, or are fairly steady",
              costs=[cost(3.5, "£3.50 per session, or £12 for a month paid in advance")],
              contact_title="Class leader",
              how_to_join="Speak to your FaME or Otago instructor, or ring to arrange a chat before joining",
              sessions=[(v, [(day, "09:30", "10:30")])], url_path="stay-strong")

    # -- B. community activity trust (tai chi, chair yoga, walking football, walks) ---------
    name, brand = names["active"]
    active = b.organization(name, (
        f"{name} is a community health and activity charity helping adults over 50 in {dname} "
        "to move more. It runs low-cost tai chi, chair yoga and walking football sessions and a "
        "programme of volunteer-led wellbeing walks, and works with GP practices and social "
        "prescribers to welcome people who have not been active for a long time."
    ), "chc+coh")
    pfx = slug(brand)

    t = town(1 if di % 2 == 0 else 2)
    v = b.venue(d, t, "church" if di % 2 == 0 else "hall")
    day = b.book(v, ["WE", "TH", "FR"], "14:00", "15:00")
    closed = d["slug"] == "great-yarmouth"
    b.service(active, f"{pfx}-tai-chi-balance-{t['key']}", f"Tai chi for better balance, {t['name']}",
              ("Temporarily paused while the hall floor is replaced; the class expects to restart in "
               "January 2027 – ring for the latest news. " if closed else "")
              + "Slow, flowing tai chi movements adapted for balance and falls prevention and taught "
              "in a calm, unhurried way. The class uses a short simplified form learnt a few moves "
              "at a time, with a chair close by for anyone who wants support, and finishes with "
              "breathing and relaxation. Tai chi improves leg strength, posture and confidence on "
              "uneven ground, and many people find it helps with stress and sleep. Beginners are "
              "welcome at any time; wear flat shoes and comfortable clothes.",
              ["strength-and-balance", "mental-wellbeing"], concepts=[TAI_CHI],
              min_age=50, eligibility="Adults 50+; suitable for beginners and people who are a little unsteady",
              costs=[cost(4, "£4 per session, pay on the day")],
              contact_title="Tai chi instructor", how_to_join="Just turn up; beginners welcome any week",
              sessions=[(v, [(day, "14:00", "15:00")])], url_path="tai-chi",
              status="temporarily closed" if closed else "active")

    t = town(0 if di % 2 == 0 else 3)
    v = b.venue(d, t, "centre")
    day = b.book(v, ["MO", "TU", "WE"], "11:30", "12:30")
    b.service(active, f"{pfx}-chair-yoga-{t['key']}", f"Gentle chair yoga for balance, {t['name']}",
              "Gentle yoga adapted so it can be done sitting on, or standing beside, a chair. "
              "Sessions focus on ankle, knee and hip strength, posture, joint mobility and "
              "breathing, and end with a short guided relaxation. Suitable for beginners and for "
              "people with stiff joints, limited mobility or long-term conditions – the teacher "
              "offers an easier and a harder version of each move. Chairs and blocks are provided; "
              "no mat is needed. This session is part-funded as a pilot until the end of July 2027.",
              ["strength-and-balance", "mental-wellbeing"], concepts=[CHAIR_YOGA],
              min_age=50, eligibility="Adults 50+; no yoga experience needed",
              costs=[cost(4.5, "£4.50 per session; block of 6 for £24")],
              contact_title="Yoga teacher", how_to_join="Book by phone or online, or turn up if there is space",
              sessions=[(v, [(day, "11:30", "12:30")])], url_path="chair-yoga", email_local="bookings",
              valid_to="2027-07-30")

    t = town(0 if di % 2 == 1 else 2)
    v = b.venue(d, t, "sports")
    day = b.book(v, ["TU", "TH", "SA"], "10:00", "11:30")
    closed = d["slug"] == "broadland"
    b.service(active, f"{pfx}-walking-football-{t['key']}", f"Walking football, {t['name']}",
              ("Temporarily closed while the pitch is re-drained; sessions are expected to resume in "
               "spring 2027. " if closed else "")
              + "Walking football is football without running or contact: the ball stays below head "
              "height and players keep one foot on the ground at all times. Sessions start with a "
              "warm-up and some passing practice, then small-sided games with rolling "
              "substitutions, so you can rest whenever you like. Players of all abilities come "
              "along, including people who have not kicked a ball for decades and people returning "
              "to activity after heart problems (check with your GP if you are unsure). Tea in the "
              "pavilion afterwards; the first session is free.",
              ["physical-activity", "social-connection"], concepts=[WALKING_FOOTBALL],
              min_age=50, eligibility="Adults 50+ of any fitness level; mixed sessions",
              costs=[cost(3, "£3 per session, first session free")],
              contact_title="Walking football coach", how_to_join="Just turn up in trainers or flat boots",
              sessions=[(v, [(day, "10:00", "11:30")])], mobile_contact=True,
              status="temporarily closed" if closed else "active")

    t = town(3 if di % 2 == 0 else 1)
    v = b.venue(d, t, "park")
    day = b.book(v, ["MO", "WE", "FR"], "10:30", "11:30")
    b.service(active, f"{pfx}-wellbeing-walk-{t['key']}", f"{t['name']} wellbeing walk",
              "A free, friendly walk of about an hour at an easy pace on mostly level paths, led by "
              "trained volunteer walk leaders, with a backmarker so nobody is left behind. A "
              "shorter 20-minute loop is offered for anyone who wants to build up gradually. Walks "
              "start and finish at the park pavilion, where most people stay on for a hot drink. "
              "Good for people who want to get more active, meet others or clear their head. Wear "
              "comfortable shoes and bring a waterproof; walking poles welcome.",
              ["physical-activity", "social-connection", "mental-wellbeing"], concepts=[WALKING],
              min_age=18, eligibility="All adults who can walk for 20 minutes or more",
              contact_title="Walk leader", how_to_join="Just turn up at the pavilion 10 minutes before the start",
              sessions=[(v, [(day, "10:30", "11:30")])], mobile_contact=True)

    # -- C. good neighbour scheme (befriending, community car, lunch club) --------------------
    name, brand = names["neighbours"]
    neigh = b.organization(name, (
        f"{name} is a volunteer-led good neighbour scheme covering {town_names} and the "
        "surrounding villages. Volunteers visit and phone people who are lonely or housebound, "
        "drive people to appointments and activities, and run a monthly lunch club. A paid "
        "part-time coordinator matches volunteers and takes referrals."
    ), "chc" if di % 3 != 2 else "none")
    pfx = slug(brand)

    b.service(neigh, f"{pfx}-home-befriending", f"{brand} home visiting befriending",
              "Trained, DBS-checked volunteers visit older people at home for an hour or so each "
              "week for a cup of tea and a chat, a game of cards, a short walk or help writing a "
              "letter. The coordinator visits first to get to know you and to match you with a "
              "volunteer who shares some of your interests. If a visit is not wanted, a regular "
              "phone call can be arranged instead. Friends, family, GPs and link workers can refer "
              "with the person's agreement.",
              ["befriending", "social-connection"], min_age=60,
              eligibility="Adults 60+ who are lonely, isolated or housebound",
              modes=["in_person", "phone"], contact_title="Befriending coordinator",
              how_to_join="Referral from a link worker, GP or family, or self-referral by phone; "
                          "the coordinator visits to arrange a match",
              areas=[(code, f"Home visits across {dname}" if d["slug"] != "norwich"
                      else "Home visits anywhere in Norwich")],
              url_path="befriending", email_local="befriending")

    b.service(neigh, f"{pfx}-community-car-scheme", f"{brand} community car scheme",
              "Volunteer drivers using their own cars take people to GP and hospital appointments, "
              "the dentist or optician, shops, lunch clubs and activity groups when public "
              "transport is not an option. Passengers pay a mileage contribution to cover the "
              "driver's fuel; waiting time is free. Drivers can fold a wheelchair or walking frame "
              "into the boot but cannot lift passengers. Please book at least three working days "
              "ahead; the booking line is staffed on weekday mornings.",
              ["transport", "social-connection"], min_age=18,
              eligibility="Anyone who cannot use public transport or drive themselves",
              modes=["in_person", "phone"],
              costs=[cost(0.45, "45p per mile from the driver's home and back", option="Per mile")],
              contact_title="Transport coordinator",
              how_to_join="Ring the booking line on a weekday morning, at least three working days ahead",
              areas=[(code, f"Journeys starting in {dname}")], own_phone=True)

    t = town(2 if n > 2 else 0)
    v = b.venue(d, t, "church")
    nth_day = b.book(v, ["1TU", "2WE", "3TH", "1FR"], "12:00", "14:00")
    closed = d["slug"] == "west-norfolk"
    nth_text = f"{ORDINALS[int(nth_day[0])].lower()} {DAY_NAMES[nth_day[1:]]}"
    b.service(neigh, f"{pfx}-lunch-club-{t['key']}", f"Monthly lunch club, {t['name']}",
              ("Temporarily closed while the church hall kitchen is refitted; members are being "
               "offered lunches at a nearby venue in the meantime. " if closed else "")
              + f"A two-course home-cooked lunch served on the {nth_text} of each month, followed "
              "by a quiz, a raffle or an occasional speaker. It is a relaxed way to meet people and "
              "many members come on their own. Special diets can usually be catered for with a "
              "week's notice. The scheme's volunteer drivers can bring you if you have no other "
              "way of getting there. Please book your place by the Friday before.",
              ["social-connection", "food"], min_age=60,
              eligibility="Adults 60+, or younger adults who are isolated",
              costs=[cost(6, "£6 for a two-course lunch and a hot drink", option="Per meal")],
              contact_title="Lunch club organiser",
              how_to_join="Ring to book a place by the Friday before; transport can be arranged",
              sessions=[(v, [monthly(nth_day, "12:00", "14:00")])],
              status="temporarily closed" if closed else "active")

    # -- D. advice charity (money drop-in, housing, forms) -----------------------------------
    name, brand = names["advice"]
    advice = b.organization(name, (
        f"{name} is an independent advice charity giving free, confidential and impartial "
        f"advice on benefits, debt, housing, employment and consumer problems to anyone living in "
        f"{dname}. Advisers hold drop-in sessions in community venues and libraries and give "
        "advice by phone to people who cannot get to a session."
    ), "chc+coh")
    pfx = slug(brand)
    langs = ["English"] + extra

    sessions = []
    for j, (ti, kind) in enumerate([(0, "library"), (1, "office"), (2, "centre")][: 3 if di % 2 == 0 else 2]):
        t = town(ti)
        v = b.venue(d, t, kind)
        day = b.book(v, ["MO", "TU", "WE", "TH"], "10:00", "13:00")
        sessions.append((v, [weekly(day, "10:00", "13:00", interval=2 if j == 2 else 1,
                                    note="last drop-in seen at 12:30" if j == 0 else None)]))
    b.service(advice, f"{pfx}-money-benefits-dropin", f"{brand} money and benefits drop-in",
              "Free, confidential help with money worries: checking you are getting all the "
              "benefits you are entitled to (including Pension Credit, Attendance Allowance and "
              "Council Tax Support), help with claims and forms, managing debts and bills, and "
              "challenging benefit decisions. Advisers are trained and supervised, and the service "
              "is independent and non-judgemental. Drop in during session times or phone to book an "
              f"appointment at any of the {len(sessions)} venues; bring any letters and bank "
              "statements you have."
              + (f" Interpreting is available in {listing(extra)} – please ask when you book."
                 if extra else ""),
              ["money-advice", "information-and-advice"], min_age=18,
              eligibility=f"Anyone aged 18 or over living in {dname}",
              modes=["in_person", "phone"], languages=langs, contact_title="Advice session supervisor",
              how_to_join="Drop in during session times, or phone to book an appointment",
              sessions=sessions, url_path="money-advice", email_local="advice")

    housing_sessions = []
    if di % 2 == 0:
        t = town(1)
        v = b.venue(d, t, "office")
        day = b.book(v, ["WE", "FR"], "14:00", "16:00")
        housing_sessions = [(v, [(day, "14:00", "16:00")])]
    b.service(advice, f"{pfx}-housing-advice", f"{brand} housing and tenancy advice",
              "Advice for tenants, homeowners and people at risk of losing their home: rent and "
              "mortgage arrears, repairs, damp and mould, problems with landlords, homelessness "
              "applications and moving to somewhere more suitable as you get older. With your "
              "permission an adviser can contact your landlord, the council or your lender on your "
              "behalf. "
              + ("Appointments are by phone, or face to face at the advice centre on the afternoon "
                 "shown." if housing_sessions else
                 "Advice is given by phone; a home visit can be arranged for people who are "
                 "housebound."),
              ["housing", "money-advice"], min_age=18,
              eligibility=f"Anyone aged 18 or over living or renting in {dname}",
              modes=["in_person", "phone"] if housing_sessions else ["phone"],
              contact_title="Housing adviser",
              how_to_join="Phone the advice line to book an appointment; link workers can refer by email",
              areas=[] if housing_sessions else [(code, f"Phone advice for anyone in {dname}")],
              sessions=housing_sessions, email_local="housing", own_phone=True)

    t = town(3 if n > 3 else 0)
    v = b.venue(d, t, "library")
    day = b.book(v, ["TU", "TH", "FR"], "14:00", "16:00")
    b.service(advice, f"{pfx}-forms-and-letters-{t['key']}", f"Help with forms and letters, {t['name']}",
              "Volunteers help with forms, letters and online accounts – Blue Badge and bus pass "
              "applications, council tax, energy suppliers, the NHS App and GP online services. "
              "Bring your paperwork and any passwords you have; if you have a laptop, tablet or "
              "phone, bring that too. Appointments last up to 45 minutes and drop-ins are seen when "
              "a volunteer is free.",
              ["information-and-advice", "digital-inclusion"], min_age=18,
              eligibility="Any adult who needs help with forms or letters",
              contact_title="Volunteer coordinator", how_to_join="Drop in, or phone to book a 45-minute slot",
              sessions=[(v, [(day, "14:00", "16:00")])])

    # -- E. community food project (pantry, community café) ----------------------------------
    name, brand = names["food"]
    food = b.organization(name, (
        f"{name} is a community food project run by local volunteers and churches in "
        f"{town(0)['name'] if d['slug'] != 'norwich' else 'Norwich'} and nearby. It runs a "
        "membership food pantry and a community café, and reduces food waste by collecting "
        "surplus food from supermarkets, bakeries and local growers."
    ), "chc" if di % 2 == 0 else "none")
    pfx = slug(brand)

    t = town(1 if di % 2 == 0 else 0)
    v = b.venue(d, t, "centre")
    day = b.book(v, ["TU", "TH", "FR"], "15:00", "17:30")
    b.service(food, f"{pfx}-pantry-{t['key']}", f"{brand} membership food pantry, {t['name']}",
              "A membership food pantry: for a small weekly payment members choose around ten items, "
              "including fresh fruit and vegetables, bread and chilled food, worth much more than "
              "the fee. There is no referral needed and no limit on how long you can be a member, "
              "though you need to live locally. Volunteers can also put you in touch with money "
              "advice and help with energy bills. Register on your first visit – bring proof of "
              "address and a bag.",
              ["food", "money-advice"], min_age=18,
              eligibility=f"Adults living in {dname} who are finding it hard to afford food",
              costs=[cost(4, "£4 a week membership; about £20 of shopping", option="Weekly membership")],
              languages=["English"] + extra[:1], contact_title="Pantry coordinator",
              how_to_join="Register on your first visit; no referral needed",
              sessions=[(v, [(day, "15:00", "17:30")])], url_path="pantry")

    t = town(2 if di % 2 == 0 else 1)
    v = b.venue(d, t, "cafe")
    day = b.book(v, ["MO", "WE", "FR"], "10:00", "14:00")
    b.service(food, f"{pfx}-community-cafe-{t['key']}", f"{brand} community café and warm space, {t['name']}",
              "A warm, welcoming community café with free hot drinks, soup and toast, newspapers, "
              "board games and a phone-charging point. Everyone is welcome and there is no need to "
              "buy anything; donations are appreciated but never expected. A community connector "
              "is there on the day if you would like information about local groups, benefits or "
              "support – or you can simply sit and chat.",
              ["social-connection", "food"], min_age=None,
              eligibility="Everyone welcome; children must be with an adult",
              contact_title="Café coordinator", how_to_join="Just drop in",
              sessions=[(v, [(day, "10:00", "14:00")])])

    # -- F. carers group (carers support, memory café) ---------------------------------------
    name, brand = names["carers"]
    carers = b.organization(name, (
        f"{name} is a peer-led group supporting unpaid carers in {dname}, set up by carers for "
        "carers. It runs regular get-togethers and a memory café, and helps members find "
        "information about carer's assessments, breaks, benefits and planning ahead."
    ), "none" if di % 2 == 0 else "chc")
    pfx = slug(brand)

    t = town(0)
    v = b.venue(d, t, "hall")
    day = b.book(v, ["MO", "WE", "TH"], "13:30", "15:00")
    sessions = [(v, [weekly(day, "13:30", "15:00", interval=2)])]
    if di in (0, 3, 6):
        t2 = town(1)
        v2 = b.venue(d, t2, "centre")
        day2 = b.book(v2, ["TU", "TH"], "18:30", "20:00")
        sessions.append((v2, [monthly("2" + day2, "18:30", "20:00", note="evening group for working carers")]))
    b.service(carers, f"{pfx}-carers-support-group", f"{brand} support group",
              "A support group for unpaid carers – anyone looking after a partner, parent, child or "
              "friend who could not manage without them. Meetings are informal: a chance to share "
              "experiences and tips over tea and cake, with occasional speakers on carer's "
              "assessments, Lasting Power of Attorney and planning for emergencies. If you need "
              "someone to sit with the person you care for so you can attend, tell the facilitator "
              "and they will try to help."
              + (" There is also a monthly evening group for carers who work." if len(sessions) > 1 else ""),
              ["carers", "mental-wellbeing", "social-connection"], min_age=18,
              eligibility="Unpaid carers aged 18+; former carers welcome",
              contact_title="Group facilitator", how_to_join="Just come along, or phone for a chat first",
              sessions=sessions, mobile_contact=True)

    t = town(1 if di % 2 == 0 else 2)
    v = b.venue(d, t, "church")
    nth_day = b.book(v, ["3WE", "2TU", "4TH", "3MO"], "14:00", "16:00")
    b.service(carers, f"{pfx}-memory-cafe-{t['key']}", f"Memory café, {t['name']}",
              "A relaxed monthly café for people living with memory loss or dementia and the family "
              "and friends who support them. Each session has music, reminiscence activities or a "
              "gentle quiz, and a dementia support worker is on hand for a private word about "
              "diagnosis, services or planning ahead. No diagnosis is needed to come along. The "
              "hall is dementia-friendly, with clear signs and a quiet room. Just turn up.",
              ["memory-and-dementia", "carers", "social-connection"], min_age=None,
              eligibility="People with memory worries or dementia, and their carers, family and friends",
              contact_title="Memory café organiser", how_to_join="Just turn up; no booking or diagnosis needed",
              sessions=[(v, [monthly(nth_day, "14:00", "16:00")])])

    # -- G. wellbeing CIC (peer support, gardening or workshop) ------------------------------
    name, brand = names["wellbeing"]
    garden = di % 2 == 0
    wellb = b.organization(name, (
        f"{name} is a community interest company offering low-key, practical ways to look after "
        "your mental wellbeing: a weekly peer support group and "
        + ("a therapeutic gardening group. " if garden else "a shared community workshop. ")
        + "Sessions are facilitated by people with lived experience of mental ill health and by "
        "trained volunteers, and it takes referrals from link workers and local mental health teams."
    ), "coh")
    pfx = slug(brand)

    t = town(0 if di % 2 == 1 else 2)
    v = b.venue(d, t, "centre")
    day = b.book(v, ["MO", "TU", "WE", "TH"], "18:30", "20:00")
    b.service(wellb, f"{pfx}-peer-support-{t['key']}", f"{brand} peer support group, {t['name']}",
              "A weekly evening peer support group for adults living with anxiety, low mood, stress "
              "or loneliness, facilitated by trained volunteers with lived experience of mental ill "
              "health. The group agrees simple ground rules about confidentiality and respect, and "
              "nobody has to speak unless they want to. Some weeks include a short wellbeing "
              "activity such as a breathing exercise. This is not a crisis service; the "
              "facilitators can help you find other support if you need it.",
              ["mental-wellbeing", "social-connection"], min_age=18,
              eligibility="Adults 18+ experiencing anxiety, low mood, stress or loneliness",
              contact_title="Peer support facilitator",
              how_to_join="Phone or email for a short welcome call before your first session; link workers can refer",
              sessions=[(v, [(day, "18:30", "20:00")])], email_local="peersupport", mobile_contact=True)

    t = town(1 if di % 2 == 1 else 3)
    closed = d["slug"] == "north-norfolk"
    if garden:
        v = b.venue(d, t, "garden")
        day = b.book(v, ["TU", "WE", "TH"], "10:00", "12:30")
        b.service(wellb, f"{pfx}-gardening-group-{t['key']}", f"{brand} therapeutic gardening group, {t['name']}",
                  ("Paused for the winter while the plot's polytunnel is rebuilt; the group plans "
                   "to restart in March 2027. " if closed else "")
                  + "A therapeutic gardening group on a community plot: growing vegetables, flowers and "
                  "herbs, looking after raised beds and a wildlife area, and sharing the harvest. "
                  "Jobs range from gentle potting-up at a bench to digging and wheelbarrow work, so "
                  "you can choose what suits you. Tools, gloves and a hot drink are provided; wear "
                  "old clothes and sturdy shoes. Good for people who want fresh air, light exercise "
                  "and some company without pressure to talk.",
                  ["mental-wellbeing", "physical-activity", "social-connection"], concepts=[GARDENING],
                  min_age=18, eligibility="Adults 18+; no gardening experience needed",
                  contact_title="Horticultural therapist",
                  how_to_join="Ring to arrange a first visit; referrals from link workers welcome",
                  sessions=[(v, [(day, "10:00", "12:30")])], url_path="gardening",
                  status="temporarily closed" if closed else "active")
    else:
        v = b.venue(d, t, "workshop")
        day = b.book(v, ["TU", "WE", "TH"], "09:30", "12:30")
        b.service(wellb, f"{pfx}-community-workshop-{t['key']}", f"{brand} community workshop, {t['name']}",
                  ("Paused over the winter while the workshop's heating is repaired; it should "
                   "reopen in March 2027. " if closed else "")
                  + "A shared workshop where people come together to repair, make and tinker – "
                  "woodwork, bike repairs, small furniture restoration and projects for the local "
                  "community. Experienced volunteers show newcomers how to use tools safely. Many "
                  "members say the relaxed, side-by-side company helps with low mood and isolation "
                  "after retirement, bereavement or illness. A £2 contribution covers tea and "
                  "materials.",
                  ["mental-wellbeing", "social-connection"], min_age=18,
                  eligibility="Adults 18+; no experience needed",
                  costs=[cost(2, "£2 per session towards tea and materials")],
                  contact_title="Workshop coordinator", how_to_join="Drop in, or ring first for a tour",
                  sessions=[(v, [(day, "09:30", "12:30")])],
                  status="temporarily closed" if closed else "active")

    # -- H. bereavement friends (bereavement café) ------------------------------------------
    name, brand = names["bereavement"]
    bereav = b.organization(name, (
        f"{name} is a volunteer group offering companionship and a listening ear to people in "
        f"{dname} who have been bereaved. Volunteers are trained in bereavement support and are "
        "supervised by an experienced counsellor."
    ), "chc" if di % 2 == 1 else "none")
    pfx = slug(brand)
    t = town(4 if n > 4 else 3)
    v = b.venue(d, t, "cafe")
    nth_day = b.book(v, ["2TH", "1WE", "3TU"], "14:00", "16:00")
    b.service(bereav, f"{pfx}-bereavement-cafe-{t['key']}", f"{brand} bereavement café, {t['name']}",
              "A monthly café for anyone who has been bereaved, however long ago and whatever the "
              "circumstances. It is a space to talk with others who understand, or simply to sit "
              "with a cup of tea. Trained volunteers are there and can offer a private "
              "conversation, and there is information about practical matters after a death and "
              "about one-to-one support. Come on your own or bring a friend.",
              ["bereavement", "social-connection"], min_age=18,
              eligibility="Adults 18+ who have been bereaved",
              contact_title="Bereavement support volunteer", how_to_join="Just turn up; no need to book",
              sessions=[(v, [monthly(nth_day, "14:00", "16:00")])], mobile_contact=True)

    # -- I. digital inclusion volunteers (library drop-ins) ----------------------------------
    name, brand = names["digital"]
    digital = b.organization(name, (
        f"{name} is a group of volunteers helping people in {dname} to get online with "
        "confidence. It runs free drop-ins in libraries and community venues and can lend "
        "tablets with data to people who do not have a device."
    ), "none")
    pfx = slug(brand)
    sessions = []
    for j, ti in enumerate([0, 1] if di % 2 == 0 else [2, 3]):
        t = town(ti)
        v = b.venue(d, t, "library")
        day = b.book(v, ["MO", "WE", "FR", "SA"], "10:00", "12:00")
        sessions.append((v, [(day, "10:00", "12:00")]))
    b.service(digital, f"{pfx}-get-online-dropin", f"{brand} get online drop-in",
              "Free help to get online and use everyday technology: setting up a phone or tablet, "
              "video calling family, email, shopping and banking safely online, spotting scams, and "
              "using the NHS App to order repeat prescriptions. Patient volunteers go at your pace "
              "and nothing is too basic to ask. Bring your own device if you have one; tablets are "
              "available to try and to borrow.",
              ["digital-inclusion", "information-and-advice"], min_age=None,
              eligibility="Anyone who wants help with technology; under-16s with an adult",
              languages=["English"] + (extra[:1] if d["slug"] == "norwich" else []),
              contact_title="Digital volunteer lead", how_to_join="Just drop in with your device",
              sessions=sessions, url_path="drop-ins")


# ---- county-wide organisations ----------------------------------------------------------

def build_county(b):
    county_area = [(COUNTY, "Anywhere in Norfolk")]

    org = b.organization("Broadside Friendship Line", (
        "Broadside Friendship Line is a Norfolk-wide telephone befriending charity. Volunteers "
        "make regular friendly calls to older people who live alone or feel cut off, and host "
        "telephone group chats on shared interests."
    ), "chc")
    b.service(org, "broadside-friendship-calls", "Friendship phone calls",
              "A weekly friendly phone call from the same trained volunteer, at a time that suits "
              "you, for a chat about anything from gardening to the football. Calls usually last "
              "30–45 minutes and continue for as long as you would like. Volunteers can also "
              "signpost you to local groups and support if you want it. The service is free and "
              "there is no need to have a computer or mobile – a landline is fine.",
              ["befriending", "social-connection", "mental-wellbeing"], min_age=65,
              eligibility="Adults 65+ living anywhere in Norfolk who would like regular contact",
              modes=["phone"], contact_title="Call coordinator",
              how_to_join="Phone to self-refer, or ask a link worker, GP or family member to refer you",
              areas=county_area, url_path="calls", own_phone=True)
    b.service(org, "broadside-telephone-chat-groups", "Telephone chat groups",
              "Small group conversations of up to six people on a free conference line, led by a "
              "volunteer host: a weekly quiz, a memories group, a book chat and a gardeners' hour. "
              "You are called at the start time, so there is nothing to dial. A good step for "
              "people who cannot easily get out to groups.",
              ["social-connection", "befriending"], min_age=60,
              eligibility="Adults 60+ in Norfolk; calls only need a landline or mobile",
              modes=["phone"], contact_title="Group host", how_to_join="Phone to join a group",
              areas=county_area, contacts=False)

    org = b.organization("Ledger Lane Money Coaching", (
        "Ledger Lane Money Coaching is a community interest company giving free online and "
        "telephone money advice across Norfolk: benefits checks, budgeting, debt advice and help "
        "with energy and water bills."
    ), "coh")
    b.service(org, "ledger-lane-online-benefits-check", "Online money and benefits check",
              "A free online benefits check and budget planner with a follow-up video or phone call "
              "from a money adviser, who goes through the results with you and helps you claim "
              "anything you are missing. Appointments are available in the evenings and on "
              "Saturday mornings for people who work.",
              ["money-advice", "information-and-advice"], min_age=18,
              eligibility="Adults 18+ living in Norfolk",
              modes=["online", "phone"], languages=["English", "Polish"], contact_title="Money adviser",
              how_to_join="Start the check online, or phone to book a call",
              areas=county_area, url_path="benefits-check", email_local="advice")
    b.service(org, "ledger-lane-debt-advice-line", "Debt advice phone line",
              "Free, confidential debt advice by phone: working out a budget, dealing with "
              "priority debts such as rent, council tax and energy arrears, talking to creditors "
              "and, where needed, formal debt solutions. Advisers can set up a breathing space "
              "from creditor action. Lines are open weekdays 09:00–17:00.",
              ["money-advice", "housing"], min_age=18,
              eligibility="Adults 18+ in Norfolk who are worried about debt",
              modes=["phone"], contact_title="Debt adviser", how_to_join="Phone the advice line",
              areas=county_area, own_phone=True)

    org = b.organization("Norfolk Carers Hearth", (
        "Norfolk Carers Hearth supports unpaid carers of all ages across the county with advice, "
        "a telephone helpline, online groups and help to find breaks."
    ), "chc+coh")
    b.service(org, "carers-hearth-advice-line", "Carers advice line",
              "A helpline for unpaid carers: information about carer's assessments, Carer's "
              "Allowance and other benefits, arranging a break, emergency planning and local "
              "support groups. Call handlers are carers or former carers themselves and can "
              "arrange a call back from a specialist adviser.",
              ["carers", "information-and-advice"], min_age=18,
              eligibility="Unpaid carers aged 18+ caring for someone in Norfolk",
              modes=["phone", "online"], contact_title="Helpline coordinator",
              how_to_join="Phone the helpline or use the online contact form",
              areas=county_area, url_path="advice", email_local="helpline", own_phone=True)
    b.service(org, "carers-hearth-young-adult-carers-online", "Young adult carers online meet-up",
              "A fortnightly online meet-up for young adult carers, with games, a chance to talk "
              "with people who get it, and help with college, work and time for yourself. A youth "
              "worker runs each session and can offer one-to-one support.",
              ["carers", "mental-wellbeing", "social-connection"], min_age=16, max_age=25,
              eligibility="Young carers aged 16 to 25 living in Norfolk",
              modes=["online"], contact_title="Young carers worker",
              how_to_join="Register online or by phone to receive the meeting link",
              areas=county_area, url_path="young-adult-carers", mobile_contact=True)

    org = b.organization("Broadsway Community Rides", (
        "Broadsway Community Rides is a Norfolk community transport charity with a fleet of "
        "wheelchair-accessible minibuses and a network of volunteer drivers."
    ), "chc+coh")
    b.service(org, "broadsway-transport-booking-line", "Community transport booking line",
              "Door-to-door accessible minibus journeys for people who cannot use ordinary buses – "
              "to shops, lunch clubs, day centres and social activities. Drivers help you on and "
              "off the bus and can carry wheelchairs, walking frames and shopping. Journeys must be "
              "booked by phone at least two days ahead.",
              ["transport", "social-connection"], min_age=18,
              eligibility="Norfolk residents who find it difficult to use public transport",
              modes=["phone"],
              costs=[cost(4, "From £4 for a single journey within 5 miles", option="Per journey")],
              contact_title="Booking team", how_to_join="Register and book by phone",
              areas=county_area, own_phone=True)
    b.service(org, "broadsway-health-appointment-transport", "Hospital and GP appointment transport",
              "Volunteer car and minibus transport to hospital, GP, dental and clinic appointments "
              "for people who are not eligible for patient transport. A driver will wait for you "
              "or collect you afterwards.",
              ["transport"], min_age=18,
              eligibility="Norfolk residents with no other way to reach health appointments",
              modes=["phone"],
              costs=[cost(0.5, "50p per mile, with help available for people on low incomes", option="Per mile")],
              contact_title="Transport coordinator", how_to_join="Phone at least three working days before the appointment",
              areas=county_area)

    org = b.organization("Evening Light Bereavement Line", (
        "Evening Light Bereavement Line is a small Norfolk charity offering telephone and online "
        "bereavement support from trained volunteers, including in the evenings when many people "
        "find grief hardest."
    ), "chc")
    b.service(org, "evening-light-listening-line", "Bereavement listening line",
              "A confidential listening line for anyone who has been bereaved, open every evening "
              "18:00–22:00. Trained volunteers will listen without judgement, and can offer a series "
              "of six weekly support calls with the same volunteer.",
              ["bereavement", "mental-wellbeing"], min_age=18,
              eligibility="Adults 18+ in Norfolk who have been bereaved",
              modes=["phone"], contact_title="Volunteer supervisor", how_to_join="Phone any evening",
              areas=county_area, own_phone=True, contacts=False)
    b.service(org, "evening-light-online-group", "Online bereavement support group",
              "A six-week online group for people bereaved in the last two years, meeting on "
              "Wednesday evenings by video call. Each week looks at a different part of grief and "
              "there is time to share and listen. Groups are limited to eight people.",
              ["bereavement", "social-connection"], min_age=18,
              eligibility="Adults 18+ bereaved in the last two years",
              modes=["online"], contact_title="Group facilitator",
              how_to_join="Register online; a facilitator will call you before the group starts",
              areas=county_area, url_path="online-group")

    org = b.organization("Norfolk Memory Companions", (
        "Norfolk Memory Companions supports people affected by dementia with a helpline, courses "
        "for family carers and help to find local memory cafés and activities."
    ), "chc")
    b.service(org, "memory-companions-support-line", "Dementia support line",
              "A support line for people with memory worries or dementia and the people who care "
              "for them: what to expect from a memory assessment, living well after a diagnosis, "
              "changes in behaviour, legal and money matters, and finding local support. Dementia "
              "advisers can also arrange follow-up calls.",
              ["memory-and-dementia", "carers", "information-and-advice"], min_age=None,
              eligibility="Anyone in Norfolk affected by memory loss or dementia",
              modes=["phone"], contact_title="Dementia adviser", how_to_join="Phone the support line on weekdays",
              areas=county_area, own_phone=True)
    b.service(org, "memory-companions-carers-course", "Living well with dementia: online course for carers",
              "A free four-week online course for family and friends caring for someone with "
              "dementia, covering understanding dementia, communication, looking after yourself "
              "and planning for the future. Sessions are recorded for people who cannot join live.",
              ["memory-and-dementia", "carers"], min_age=18,
              eligibility="Family carers and friends of someone with dementia in Norfolk",
              modes=["online"], contact_title="Course organiser", how_to_join="Book a place online",
              areas=county_area, url_path="carers-course", email_local="courses")

    org = b.organization("Hearth and Home Energy Advice Norfolk", (
        "Hearth and Home Energy Advice Norfolk is a charity helping people keep warm and safe at "
        "home: energy advice, help with bills and grants, and home safety checks."
    ), "chc+coh")
    b.service(org, "hearth-home-energy-advice-line", "Warm home and energy advice line",
              "Free advice on keeping warm for less: understanding bills and meters, switching "
              "tariffs, getting on the Priority Services Register, dealing with energy debt, and "
              "applying for grants for insulation and heating repairs. Advisers can visit people "
              "who are housebound.",
              ["housing", "money-advice"], min_age=18,
              eligibility="Norfolk households struggling to heat their home",
              modes=["phone", "in_person"], contact_title="Energy adviser",
              how_to_join="Phone the advice line, or ask a link worker to refer you",
              areas=county_area, url_path="energy-advice", own_phone=True)
    b.service(org, "hearth-home-safety-visits", "Home safety and small adaptations visits",
              "A trained caseworker visits to look at trip hazards, lighting, heating and security, "
              "and arranges small fixes such as grab rails, stair rails and key safes through local "
              "handyperson volunteers. Materials may be charged at cost for people who can afford "
              "them.",
              ["housing", "information-and-advice"], min_age=60,
              eligibility="Norfolk residents aged 60+ or with a disability",
              modes=["in_person", "phone"], contact_title="Home safety caseworker",
              how_to_join="Referral from a link worker, GP, occupational therapist or self-referral by phone",
              areas=county_area, mobile_contact=True)

    org = b.organization("Saltings Community Trust", (
        "Saltings Community Trust is an independent grant-maker supporting community groups and "
        "individuals across Norfolk, with a focus on older people, carers and people on low "
        "incomes."
    ), "chc")
    b.service(org, "saltings-funding-advice", "Funding advice for community groups",
              "Free one-to-one advice for small community groups on finding and applying for "
              "grants, writing a budget and setting up a simple constitution and bank account, plus "
              "monthly online workshops.",
              ["information-and-advice", "social-connection"], min_age=18,
              eligibility="Volunteer-led and community groups working in Norfolk",
              modes=["online", "phone"], contact_title="Grants officer",
              how_to_join="Email or phone to book an advice session",
              areas=county_area, url_path="funding-advice", email_local="grants")

    org = b.organization("Quiet Lanes Online Wellbeing", (
        "Quiet Lanes Online Wellbeing runs free online wellbeing courses and drop-ins for adults "
        "across Norfolk, delivered by trained facilitators."
    ), "coh")
    b.service(org, "quiet-lanes-online-wellbeing-courses", "Online wellbeing courses",
              "Six-week online courses on managing worry, sleeping better, coping with long-term "
              "pain and building confidence, run in small groups by video call. Cameras can stay "
              "off. Courses run throughout the year, daytime and evening.",
              ["mental-wellbeing"], min_age=18,
              eligibility="Adults 18+ in Norfolk; not suitable for people in crisis",
              modes=["online"], contact_title="Course facilitator", how_to_join="Register online",
              areas=county_area, url_path="courses")

    org = b.organization("Lantern Digital Lending", (
        "Lantern Digital Lending lends tablets with free data to people across Norfolk who are "
        "digitally excluded, with phone support from volunteers while they learn."
    ), "none")
    b.service(org, "lantern-tablet-loan", "Tablet and data loan scheme",
              "A tablet with six months of free mobile data, set up with large icons and the apps "
              "you need, delivered to your home, plus weekly phone support from a volunteer to "
              "help you get started with video calls, email and the NHS App.",
              ["digital-inclusion", "social-connection"], min_age=18,
              eligibility="Norfolk adults without a device or internet at home",
              modes=["phone"], contact_title="Lending coordinator",
              how_to_join="Referral from a link worker, library or support worker",
              areas=county_area, own_phone=True)


# ---- funds --------------------------------------------------------------------------------

def build_funds():
    def fund(key, name, description, funder_key, funder_name, applicant, needs, lo, hi, eligibility,
             where, opens, closes, how, domain, min_age=None, max_age=None):
        return {
            "key": key,
            "name": name + SUFFIX,
            "description": description,
            "funder_organization_key": funder_key,
            "funder_name": funder_name + SUFFIX,
            "applicant_type": applicant,
            "needs": needs,
            "minimum_amount": float(lo),
            "maximum_amount": float(hi),
            "currency": "GBP",
            "minimum_age": min_age,
            "maximum_age": max_age,
            "eligibility_description": eligibility,
            "beneficiary_locations": where,
            "opens_on": opens,
            "closes_on": closes,
            "how_to_apply": how,
            "url": f"https://{domain}.example.org/apply/{key}",
        }

    saltings = ("saltings-community-trust", "Saltings Community Trust")
    link = "Ask your link worker to apply on your behalf"
    return [
        fund("norfolk-wellbeing-activation-fund", "Norfolk Wellbeing Activation Fund",
             "Small personal grants, usually around £100, to help someone take the first step into "
             "an activity that a link worker has talked through with them: a block of strength and "
             "balance classes, a term of walking football, membership of a group, or suitable "
             "shoes and kit.", *saltings, "individual",
             ["physical-activity", "strength-and-balance", "social-connection"], 25, 100,
             "Adults 50+ working with a social prescribing link worker in Norfolk",
             [COUNTY], "2026-04-01", "2027-03-31", link, "saltings-community-trust", min_age=50),
        fund("norfolk-warm-home-grant", "Norfolk Warm Home Grant",
             "One-off grants towards heating repairs, a new boiler part, warm bedding and clothing, "
             "or clearing energy debt for households at risk of a cold home this winter.",
             "hearth-and-home-energy-advice-norfolk", "Hearth and Home Energy Advice Norfolk",
             "individual", ["housing", "money-advice"], 100, 500,
             "Norfolk households on a low income where someone is over 60, disabled or has a "
             "long-term health condition", [COUNTY], "2026-10-01", "2027-03-31",
             "Apply through an energy adviser after a phone assessment",
             "hearth-and-home-energy-advice-norfolk"),
        fund("home-adaptation-help-fund", "Home Adaptation Help Fund",
             "Help with the cost of small adaptations that keep people safe and independent at "
             "home when they are not covered by a disabled facilities grant: grab rails, a second "
             "banister, a raised toilet seat, outdoor steps and lighting.",
             "hearth-and-home-energy-advice-norfolk", "Hearth and Home Energy Advice Norfolk",
             "individual", ["housing", "strength-and-balance"], 250, 1500,
             "Norfolk residents aged 60+ or disabled, on a low income", [COUNTY], "2025-04-01", None,
             "Referral from an occupational therapist, link worker or home safety caseworker",
             "hearth-and-home-energy-advice-norfolk", min_age=60),
        fund("norfolk-community-micro-grants", "Norfolk Community Micro-grants",
             "Quick, simple grants for small community groups starting or growing activities that "
             "bring people together or help them stay active: room hire, equipment, instructor "
             "fees, refreshments and volunteer expenses. Decisions within four weeks.", *saltings,
             "group", ["social-connection", "physical-activity", "strength-and-balance"], 250, 2000,
             "Voluntary and community groups with an annual income under £50,000 working in Norfolk",
             [COUNTY], "2026-01-05", None, "Short online form; a grants officer will call you",
             "saltings-community-trust"),
        fund("carers-break-fund", "Carers Break Fund",
             "A grant for an unpaid carer to have a break or do something for themselves: a short "
             "holiday, a course, a gym membership, or replacement care for a day out.",
             "norfolk-carers-hearth", "Norfolk Carers Hearth", "individual",
             ["carers", "mental-wellbeing"], 50, 300,
             "Unpaid carers aged 18+ in Norfolk caring for at least 20 hours a week", [COUNTY],
             "2026-06-01", "2027-05-31", "Apply by phone through the carers advice line",
             "norfolk-carers-hearth", min_age=18),
        fund("digital-access-fund", "Digital Access Fund",
             "Grants towards a tablet, smartphone or six months of broadband or mobile data for "
             "people who cannot afford to get online.", *saltings, "individual",
             ["digital-inclusion"], 50, 250, "Norfolk residents on a low income with no device",
             [COUNTY], "2025-10-01", "2026-03-31", link, "saltings-community-trust"),
        fund("winter-warm-spaces-fund", "Winter Warm Spaces Fund",
             "Grants for community venues running free warm spaces during the winter months: "
             "heating, hot drinks, activities and volunteer costs.", *saltings, "group",
             ["social-connection", "food", "housing"], 500, 2000,
             "Community groups, churches and village halls in Norfolk", [COUNTY], "2025-09-15",
             "2026-02-28", "Online application form", "saltings-community-trust"),
        fund("strength-and-balance-instructor-bursary", "Strength and Balance Instructor Bursary",
             "Bursaries for community groups to train a volunteer or staff member as a Postural "
             "Stability Instructor or Otago leader, so they can run falls-prevention classes.",
             *saltings, "group", ["strength-and-balance", "physical-activity"], 300, 1200,
             "Community groups and village halls in Norfolk that will run a weekly class for at "
             "least a year after training", [COUNTY], "2027-01-11", "2027-03-26",
             "Online application; shortlisted groups are invited to a call",
             "saltings-community-trust"),
        fund("bereavement-peer-support-start-up", "Bereavement Peer Support Start-up Grants",
             "Start-up grants for new bereavement cafés and peer support groups: volunteer "
             "training, venue hire and publicity for the first year.", *saltings, "group",
             ["bereavement", "social-connection"], 250, 1500,
             "New or planned groups in Norfolk with at least two trained volunteers", [COUNTY],
             "2025-09-01", "2025-12-19", "Online application form", "saltings-community-trust"),
        fund("memory-friendly-communities-grant", "Memory-friendly Communities Grant",
             "Grants to help groups become dementia-friendly or start a memory café: signage, "
             "training, reminiscence materials and transport.", "norfolk-memory-companions",
             "Norfolk Memory Companions", "group", ["memory-and-dementia", "carers", "social-connection"],
             250, 1000, "Community groups, faith groups and clubs in Norfolk", [COUNTY],
             "2026-02-01", None, "Phone for an informal chat, then complete a short form",
             "norfolk-memory-companions"),
        fund("transport-to-activities-fund", "Transport to Activities Fund",
             "Help with taxi or community car costs so that people without transport can get to a "
             "regular group or class, for up to three months while other arrangements are made.",
             "broadsway-community-rides", "Broadsway Community Rides", "individual",
             ["transport", "social-connection"], 20, 150,
             "Norfolk residents referred by a link worker who have no affordable transport",
             [COUNTY], "2026-04-01", "2027-03-31", link, "broadsway-community-rides"),
        fund("breckland-community-chest", "Breckland Community Chest",
             "Micro-grants for groups in Breckland running activities for older people, carers or "
             "people who are isolated.", None, "Brecks Community Chest Trust", "group",
             ["social-connection", "physical-activity"], 250, 1500,
             "Constituted or informal groups with a bank account, working in Breckland",
             ["E07000143"], "2026-05-01", "2027-04-30", "Online form with two references",
             "brecks-community-chest-trust"),
        fund("breckland-warm-and-well-grant", "Breckland Warm and Well Grant",
             "Grants for warm clothing, bedding and small heating repairs for older residents of "
             "Breckland.", None, "Brecks Community Chest Trust", "individual",
             ["housing", "money-advice"], 100, 300, "Breckland residents aged 65+ on a low income",
             ["E07000143"], "2025-11-01", "2026-03-31", link, "brecks-community-chest-trust",
             min_age=65),
        fund("broadland-active-communities-grant", "Broadland Active Communities Grant",
             "Grants for clubs and groups in Broadland to start activities for inactive adults, "
             "including walking groups, strength and balance classes and walking sports.", None,
             "Bure and Yare Sports Trust", "group",
             ["physical-activity", "strength-and-balance"], 300, 2000,
             "Not-for-profit groups and clubs in Broadland", ["E07000144"], "2026-03-01",
             "2026-06-30", "Online application", "bure-and-yare-sports-trust"),
        fund("great-yarmouth-food-resilience-fund", "Great Yarmouth Food Resilience Fund",
             "Grants for community pantries, lunch clubs and cooking groups in the Great Yarmouth "
             "borough: equipment, food storage, volunteer costs and cooking courses.", None,
             "Breydon Community Foundation", "group", ["food", "social-connection"], 250, 2000,
             "Community food projects in the Great Yarmouth borough", ["E07000145"], "2026-07-01",
             "2027-01-31", "Online application", "breydon-community-foundation"),
        fund("west-norfolk-wellbeing-small-grants", "West Norfolk Wellbeing Small Grants",
             "Small grants for groups in King's Lynn and West Norfolk improving mental wellbeing "
             "and reducing loneliness, opening for the 2027 round.", None, "Ouse and Wash Community Fund",
             "group", ["mental-wellbeing", "social-connection"], 250, 1500,
             "Groups working in the borough of King's Lynn and West Norfolk", ["E07000146"],
             "2027-02-01", "2027-04-30", "Online application when the round opens",
             "ouse-and-wash-community-fund"),
        fund("north-norfolk-coastal-connections-fund", "North Norfolk Coastal Connections Fund",
             "Grants for groups reducing isolation in coastal and rural North Norfolk, including "
             "transport to groups and new social activities.", None, "Poppy Coast Community Trust",
             "group", ["social-connection", "transport"], 250, 1000,
             "Community groups in North Norfolk", ["E07000147"], "2026-04-01", "2026-09-30",
             "Online application", "poppy-coast-community-trust"),
        fund("north-norfolk-get-moving-fund", "North Norfolk Get Moving Fund",
             "Up to £100 per person towards classes, walking boots or swimming sessions for adults "
             "in North Norfolk who want to become more active.", None, "Poppy Coast Community Trust",
             "individual", ["physical-activity", "strength-and-balance"], 30, 100,
             "North Norfolk adults aged 50+ referred by a link worker or GP", ["E07000147"],
             "2026-04-01", None, link, "poppy-coast-community-trust", min_age=50),
        fund("norwich-neighbourhood-grants", "Norwich Neighbourhood Grants",
             "Grants for residents' groups and community organisations in Norwich to run "
             "neighbourhood activities that bring people together.", None,
             "Wensum City Community Foundation", "group", ["social-connection", "mental-wellbeing"],
             250, 2000, "Community groups working in the Norwich city council area",
             ["E07000148"], "2026-09-01", "2027-02-28", "Online application",
             "wensum-city-community-foundation"),
        fund("norwich-essentials-grant", "Norwich Essentials Grant",
             "Emergency help with food, energy top-ups and essential household items for Norwich "
             "residents in financial crisis.", None, "Wensum City Community Foundation",
             "individual", ["food", "money-advice"], 50, 250,
             "Norwich residents in financial hardship, referred by an advice worker or link worker",
             ["E07000148"], "2026-04-01", "2027-03-31",
             "Referral from an advice worker, link worker or food pantry",
             "wensum-city-community-foundation"),
        fund("south-norfolk-and-broadland-village-activity-grants",
             "South Norfolk and Broadland Village Activity Grants",
             "Grants for village halls and groups in South Norfolk and Broadland to start regular "
             "activities such as lunch clubs, exercise classes and memory cafés.", None,
             "Tas and Waveney Village Trust", "group",
             ["social-connection", "strength-and-balance", "memory-and-dementia"], 250, 1500,
             "Village halls, parish groups and clubs in South Norfolk or Broadland",
             ["E07000149", "E07000144"],
             "2026-01-12", "2027-01-29", "Online application", "tas-and-waveney-village-trust"),
        fund("yarmouth-carers-respite-grant", "Great Yarmouth Carers Respite Grant",
             "Small grants for carers in the Great Yarmouth borough to take a day or weekend break.",
             None, "Breydon Community Foundation", "individual", ["carers"], 50, 200,
             "Unpaid carers living in the Great Yarmouth borough", ["E07000145"], "2026-02-01",
             "2026-10-31", "Apply by phone or through a carers support worker",
             "breydon-community-foundation", min_age=18),
    ]


# ---- checks -------------------------------------------------------------------------------

TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
PHONE_RE = re.compile(r"^(01632 960\d{3}|07700 900\d{3})$")
BYDAY_RE = {"WEEKLY": re.compile(r"^(MO|TU|WE|TH|FR|SA|SU)$"),
            "MONTHLY": re.compile(r"^[1-4](MO|TU|WE|TH|FR|SA|SU)$")}


def check_url(url):
    if url is not None:
        assert re.match(r"^https://[a-z0-9-]+\.example\.org(/[a-z0-9/-]*)?$", url), url


def check_email(email):
    if email is not None:
        assert re.match(r"^[a-z0-9.-]+@[a-z0-9-]+\.example\.org$", email), email


def check_phone(phone):
    if phone is not None:
        assert PHONE_RE.match(phone), phone


def district_names():
    return {d["code"]: d["name"] for d in DISTRICTS}


def validate(b, data, size):
    names = district_names()
    assert list(data) == ["notice", "organizations", "funds"]
    orgs = data["organizations"]
    services = [s for o in orgs for s in o["services"]]
    town_of_venue = b.venue_meta

    # keys, names
    assert len({o["key"] for o in orgs}) == len(orgs)
    assert len({s["key"] for s in services}) == len(services)
    assert len({f["key"] for f in data["funds"]}) == len(data["funds"])
    all_names = ([o["name"] for o in orgs] + [s["name"] for s in services]
                 + [l["name"] for s in services for l in s["locations"]]
                 + [f["name"] for f in data["funds"]] + [f["funder_name"] for f in data["funds"]])
    for name in all_names:
        assert name.endswith(SUFFIX) and name.count("(example)") == 1, name
    banned = ["age uk", "citizens advice", "mind ", "samaritans", "cruse", "alzheimer", "silver line",
              "stepchange", "shelter", "trussell", "fareshare", "carers matter", "active norfolk",
              "norfolk community foundation", "community action norfolk", "voluntary norfolk"]
    for name in all_names:
        low = name.lower() + " "
        assert not any(word in low for word in banned), name

    # organisations
    identifiers = []
    for o in orgs:
        assert list(o) == ["key", "name", "description", "url", "email", "phone", "identifiers", "services"]
        check_url(o["url"]), check_email(o["email"]), check_phone(o["phone"])
        assert o["description"] and o["services"]
        for ident in o["identifiers"]:
            if ident["identifier_scheme"] == "GB-CHC":
                assert re.match(r"^\d{7}$", ident["identifier"]) and 9900000 <= int(ident["identifier"]) <= 9999999
            else:
                assert ident["identifier_scheme"] == "GB-COH" and re.match(r"^EX\d{6}$", ident["identifier"])
            identifiers.append((ident["identifier_scheme"], ident["identifier"]))
    assert len(identifiers) == len(set(identifiers))

    # services
    location_fields = {}
    per_district = defaultdict(set)  # district code -> service keys
    per_district_need = defaultdict(Counter)
    sb_classes = Counter()
    need_count = Counter()
    stale = 0
    for s in services:
        assert list(s) == ["key", "name", "description", "url", "email", "phone", "status", "needs",
                           "activity_concepts", "minimum_age", "maximum_age", "eligibility_description",
                           "delivery_modes", "free", "cost_options", "languages", "contacts",
                           "how_to_join", "last_reviewed_at", "service_areas", "locations"], s["key"]
        check_url(s["url"]), check_email(s["email"]), check_phone(s["phone"])
        assert s["status"] in ("active", "temporarily closed")
        assert s["needs"] and len(set(s["needs"])) == len(s["needs"])
        assert all(n in NEEDS for n in s["needs"]), s["needs"]
        for label in s["activity_concepts"]:
            assert label in b.activity_labels, label
        if s["activity_concepts"]:
            assert {"strength-and-balance", "physical-activity"} & set(s["needs"]), s["key"]
        if s["minimum_age"] is not None and s["maximum_age"] is not None:
            assert s["minimum_age"] <= s["maximum_age"]
        assert s["delivery_modes"] and all(m in DELIVERY_MODES for m in s["delivery_modes"])
        assert s["free"] == (not s["cost_options"])
        for c in s["cost_options"]:
            assert list(c) == ["option", "amount", "currency", "amount_description"]
            assert c["currency"] == "GBP" and c["amount"] > 0
        assert s["languages"] and all(lang in LANGUAGES for lang in s["languages"])
        for c in s["contacts"]:
            check_email(c["email"]), check_phone(c["phone"])
            assert c["name"].endswith(" Example")
        reviewed = dt.date.fromisoformat(s["last_reviewed_at"])
        assert reviewed <= TODAY
        stale += reviewed < STALE_BEFORE
        for area in s["service_areas"]:
            assert area["gss_code"] == COUNTY or area["gss_code"] in names
        assert s["locations"] or s["service_areas"], s["key"]
        if s["locations"]:
            assert "in_person" in s["delivery_modes"]
        districts = set()
        for loc in s["locations"]:
            assert list(loc) == ["key", "name", "address_1", "city", "postcode", "accessibility", "schedules"]
            fields = {k: v for k, v in loc.items() if k != "schedules"}
            assert location_fields.setdefault(loc["key"], fields) == fields, loc["key"]
            pc = b.postcodes.get(loc["postcode"])
            assert pc is not None, loc["postcode"]
            lad, town = town_of_venue[loc["key"]]
            assert pc["lad_code"] == lad, loc["key"]
            assert b.wards[pc["ward_code"]]["ward_name"] in town["wards"], loc["key"]
            assert loc["city"] == town["city"]
            assert all(a in ACCESSIBILITY for a in loc["accessibility"])
            assert loc["schedules"]
            districts.add(lad)
            for sch in loc["schedules"]:
                assert list(sch) == ["freq", "interval", "byday", "opens_at", "closes_at", "valid_from",
                                     "valid_to", "description"]
                assert BYDAY_RE[sch["freq"]].match(sch["byday"]), sch
                assert sch["interval"] in (1, 2)
                assert TIME_RE.match(sch["opens_at"]) and TIME_RE.match(sch["closes_at"])
                assert sch["opens_at"] < sch["closes_at"], sch
                valid_from = dt.date.fromisoformat(sch["valid_from"])
                assert valid_from.weekday() == WEEKDAY[sch["byday"][-2:]]
                if sch["valid_to"]:
                    assert dt.date.fromisoformat(sch["valid_to"]) > valid_from
        for area in s["service_areas"]:
            if area["gss_code"] != COUNTY:
                districts.add(area["gss_code"])
        for code in districts:
            per_district[code].add(s["key"])
            for need in s["needs"]:
                per_district_need[code][need] += 1
        for need in s["needs"]:
            need_count[need] += 1
        is_sb_class = (s["needs"][0] == "strength-and-balance" and s["locations"]
                       and all(sch["freq"] == "WEEKLY" for loc in s["locations"] for sch in loc["schedules"]))
        if is_sb_class:
            for code in districts:
                sb_classes[code] += 1

    # quantities
    assert len(orgs) >= 62, len(orgs)
    assert len(services) >= 155, len(services)
    for need in NEEDS:
        assert need_count[need] >= 5, (need, need_count[need])
    org_districts = Counter()
    for o in orgs:
        codes = set()
        for s in o["services"]:
            codes |= {town_of_venue[l["key"]][0] for l in s["locations"]}
            codes |= {a["gss_code"] for a in s["service_areas"]}
        if codes == {COUNTY}:
            org_districts[COUNTY] += 1
        for code in codes - {COUNTY}:
            org_districts[code] += 1
    for code in names:
        assert org_districts[code] >= 7, (code, org_districts[code])
        for need in ("strength-and-balance", "social-connection", "money-advice"):
            assert per_district_need[code][need] >= 1, (code, need)
        assert sb_classes[code] >= 5, (code, sb_classes[code])
    assert org_districts[COUNTY] >= 3
    assert sum(sb_classes.values()) >= 45
    assert 0.07 <= stale / len(services) <= 0.13, stale
    assert any(len(s["locations"]) >= 2 for s in services)
    assert any(not s["locations"] and s["service_areas"] for s in services)
    assert all(s["contacts"] == [] or len(s["contacts"]) == 1 for s in services)

    # funds
    funds = data["funds"]
    assert len(funds) >= 20
    for f in funds:
        assert list(f) == ["key", "name", "description", "funder_organization_key", "funder_name",
                           "applicant_type", "needs", "minimum_amount", "maximum_amount", "currency",
                           "minimum_age", "maximum_age", "eligibility_description",
                           "beneficiary_locations", "opens_on", "closes_on", "how_to_apply", "url"]
        assert f["funder_organization_key"] is None or f["funder_organization_key"] in {o["key"] for o in orgs}
        assert f["applicant_type"] in ("individual", "group")
        assert f["needs"] and all(n in NEEDS for n in f["needs"])
        assert 0 < f["minimum_amount"] <= f["maximum_amount"]
        assert all(code == COUNTY or code in names for code in f["beneficiary_locations"])
        check_url(f["url"])
        if f["closes_on"]:
            assert f["opens_on"] < f["closes_on"]
    closed = [f for f in funds if f["closes_on"] and f["closes_on"] < TODAY.isoformat()]
    open_now = [f for f in funds if f["opens_on"] <= TODAY.isoformat()
                and (f["closes_on"] is None or f["closes_on"] >= TODAY.isoformat())]
    future = [f for f in funds if f["opens_on"] > TODAY.isoformat()]
    assert len(closed) >= 4 and len(open_now) >= 5 and 1 <= len(future) <= 2
    assert all(f["opens_on"].startswith("2027") for f in future)
    assert sum(f["beneficiary_locations"] == [COUNTY] for f in funds) >= 5
    assert sum(COUNTY not in f["beneficiary_locations"] for f in funds) >= 5
    assert {f["applicant_type"] for f in funds} == {"individual", "group"}
    assert size < MAX_BYTES, size

    return {
        "orgs": len(orgs), "services": len(services), "locations": len(location_fields),
        "stale": stale, "sb_classes": sb_classes, "per_district": per_district,
        "per_district_need": per_district_need, "need_count": need_count, "org_districts": org_districts,
        "funds": len(funds), "closed": len(closed), "open_now": len(open_now), "future": len(future),
        "free": sum(s["free"] for s in services),
        "temporarily_closed": sum(s["status"] == "temporarily closed" for s in services),
        "multi_location": sum(len(s["locations"]) >= 2 for s in services),
        "no_location": sum(not s["locations"] for s in services),
    }


def main():
    data_dir = sys.argv[1] if len(sys.argv) > 1 else DATA_DIR
    output = Path(sys.argv[2]) if len(sys.argv) > 2 else OUTPUT
    b = Builder(data_dir)
    for di, d in enumerate(DISTRICTS):
        build_district(b, di, d)
    build_county(b)
    for org in b.organizations:
        org.pop("_domain")
    data = {"notice": NOTICE, "organizations": b.organizations, "funds": build_funds()}
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    output.parent.mkdir(parents=True, exist_ok=True)
    with open(output, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    size = len(text.encode("utf-8"))
    r = validate(b, data, size)

    names = district_names()
    print(f"wrote {output} ({size:,} bytes)")
    print(f"organisations {r['orgs']}, services {r['services']}, distinct locations {r['locations']}, "
          f"funds {r['funds']} (open now {r['open_now']}, closed {r['closed']}, opening later {r['future']})")
    print(f"stale services {r['stale']}, free {r['free']}, temporarily closed {r['temporarily_closed']}, "
          f"with 2+ locations {r['multi_location']}, without locations {r['no_location']}")
    print("per district: organisations / services / strength-and-balance classes")
    for code, name in names.items():
        print(f"  {code} {name:<29} {r['org_districts'][code]:>3} / {len(r['per_district'][code]):>3} / "
              f"{r['sb_classes'][code]:>3}")
    print(f"  {COUNTY} county-wide organisations    {r['org_districts'][COUNTY]:>3}")
    print("per need (services):")
    for need in NEEDS:
        print(f"  {need:<24} {r['need_count'][need]:>3}")


if __name__ == "__main__":
    main()
