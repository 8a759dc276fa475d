"""Demo data for ``cazo seed demo``: the "Glow Studio" salon brand, with two branches in Maharashtra.

This module is data only: no database access and no randomness. ``domain/seeding/demo.py`` turns these records
into rows. Weekdays are keyed "mon".."sun"; times are "HH:MM-HH:MM" strings in the branch's local time (IST);
prices are in paise (₹900 = 90000). Staff skills are named by category (every service in it) plus extra
services by name. ``check_consistency()`` lists anything in here that would not seed cleanly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time

from domain.errors import InvalidInput
from domain.gst import gstin_check_character, validate_gstin

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class TenantSeed:
    slug: str
    name: str
    legal_name: str


@dataclass(frozen=True)
class ResourceSeed:
    resource_type: str
    name: str
    quantity: int


@dataclass(frozen=True)
class HolidaySeed:
    day: date
    name: str


@dataclass(frozen=True)
class BranchSeed:
    slug: str
    name: str
    address_line1: str
    address_line2: str | None
    locality: str
    city: str
    state: str
    state_code: str
    pincode: str
    phone_e164: str
    gstin: str
    hours: Mapping[str, str]  # weekday -> "HH:MM-HH:MM"; a weekday left out is closed
    resources: tuple[ResourceSeed, ...]
    holidays: tuple[HolidaySeed, ...] = ()
    timezone: str = "Asia/Kolkata"


@dataclass(frozen=True)
class ServiceSeed:
    category: str
    name: str
    duration_min: int
    price_paise: int
    sac_code: str
    resource_needs: Mapping[str, int]
    aliases: tuple[str, ...] = ()
    processing_offset_min: int | None = None  # stylist free from offset for processing_min (colour developing)
    processing_min: int = 0
    buffer_after_min: int = 0


@dataclass(frozen=True)
class CommissionPlanSeed:
    name: str
    service_rate_bp: int  # basis points of the pre-tax amount: 1000 = 10%
    product_rate_bp: int


@dataclass(frozen=True)
class StaffSeed:
    name: str
    role: str  # owner | manager | front_desk | stylist
    branch: str  # branch slug
    phone_e164: str
    seniority: int
    commission_plan: str | None
    skill_categories: tuple[str, ...]  # category names: every service in the category
    extra_skills: tuple[str, ...]  # service names outside those categories
    shifts: Mapping[str, str]  # weekday -> "HH:MM-HH:MM"; a weekday left out is the day off
    breaks: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


TENANT = TenantSeed(slug="glow-studio", name="Glow Studio", legal_name="Glow Studio Private Limited")

# The demo salon's WhatsApp business number as Meta names it (its phone_number_id; made up, 15 digits like Meta's).
# `cazo seed demo` routes it to the first branch (Bandra), whose landline is its display number, so a webhook or a
# simulated customer writing to this id reaches Glow Studio Bandra.
WHATSAPP_PHONE_NUMBER_ID = "100000000000001"

# A made-up company PAN (4th letter C = company). GST registration is per PAN per state, so both Maharashtra
# branches share this one GSTIN (entity digit 1); a branch in another state would need its own registration.
DEMO_PAN = "AAKCG4821M"
GSTIN_MAHARASHTRA = f"27{DEMO_PAN}1Z" + gstin_check_character(f"27{DEMO_PAN}1Z")

_FESTIVALS: tuple[HolidaySeed, ...] = (
    HolidaySeed(date(2026, 9, 14), "Ganesh Chaturthi"),
    HolidaySeed(date(2026, 11, 8), "Diwali (Lakshmi Puja)"),
    HolidaySeed(date(2027, 3, 22), "Holi (Dhulivandan)"),
)

BRANCHES: tuple[BranchSeed, ...] = (
    BranchSeed(
        slug="bandra", name="Glow Studio Bandra",
        address_line1="Shop 2, Silver Oak Apartments, 29th Road", address_line2="Off Turner Road, near Pali Naka",
        locality="Bandra West", city="Mumbai", state="Maharashtra", state_code="27", pincode="400050",
        phone_e164="+912226401188", gstin=GSTIN_MAHARASHTRA,
        hours={"mon": "11:00-20:00", **{day: "10:00-21:00" for day in WEEKDAYS[1:]}},
        resources=(
            ResourceSeed("chair", "Styling chair", 6),
            ResourceSeed("wash_basin", "Wash basin", 2),
            ResourceSeed("facial_room", "Facial room", 1),
            ResourceSeed("pedicure_station", "Pedicure station", 2),
        ),
        holidays=_FESTIVALS,
    ),
    BranchSeed(
        slug="pune-koregaon-park", name="Glow Studio Koregaon Park",
        address_line1="Unit 4, Ground Floor, Lotus Court, Lane 6", address_line2="North Main Road",
        locality="Koregaon Park", city="Pune", state="Maharashtra", state_code="27", pincode="411001",
        phone_e164="+912026134477", gstin=GSTIN_MAHARASHTRA,  # same state, same registration as Bandra
        hours={"mon": "11:00-20:00", **{day: "10:00-20:30" for day in WEEKDAYS[1:]}},
        resources=(
            ResourceSeed("chair", "Styling chair", 4),
            ResourceSeed("wash_basin", "Wash basin", 1),
            ResourceSeed("pedicure_station", "Pedicure station", 1),
        ),
        holidays=_FESTIVALS,
    ),
)

CATEGORIES: tuple[str, ...] = (
    "Hair", "Colour", "Skin & Facials", "Hands & Feet", "Waxing & Threading", "Grooming (men)", "Makeup",
)

# SAC codes: 999721 hairdressing and barbering, 999722 cosmetic treatment, manicure and pedicure,
# 999729 other beauty treatment (makeup, threading, waxing).
_HAIR, _COSMETIC, _OTHER_BEAUTY = "999721", "999722", "999729"
_CHAIR: Mapping[str, int] = {"chair": 1}
_CHAIR_BASIN: Mapping[str, int] = {"chair": 1, "wash_basin": 1}
_ROOM: Mapping[str, int] = {"facial_room": 1}


def _rs(rupees: int) -> int:
    return rupees * 100


SERVICES: tuple[ServiceSeed, ...] = (
    ServiceSeed("Hair", "Women's haircut", 60, _rs(900), _HAIR, _CHAIR, buffer_after_min=5, aliases=(
        "ladies haircut", "women haircut", "layer cut", "hair trim", "ladies cutting", "baal trim karna",
        "बाल कटवाना")),
    ServiceSeed("Hair", "Kids' haircut", 30, _rs(400), _HAIR, _CHAIR, aliases=(
        "kids haircut", "child haircut", "bachche ki cutting", "baby cutting")),
    ServiceSeed("Hair", "Blow-dry", 45, _rs(700), _HAIR, _CHAIR, buffer_after_min=5, aliases=(
        "blow dry", "blowout", "hair styling", "blow dry karna", "ब्लो ड्राई")),
    ServiceSeed("Hair", "Hair spa", 60, _rs(1800), _HAIR, _CHAIR_BASIN, processing_offset_min=20,
                processing_min=15, buffer_after_min=5, aliases=(
                    "spa", "hair treatment", "baalon ka spa", "hair spa karwana", "हेयर स्पा")),
    ServiceSeed("Hair", "Keratin treatment", 180, _rs(6500), _HAIR, _CHAIR_BASIN, processing_offset_min=60,
                processing_min=30, buffer_after_min=15, aliases=(
                    "keratin", "smoothening", "hair smoothing", "baal seedhe karna", "केराटिन")),
    ServiceSeed("Hair", "Head massage", 30, _rs(600), _HAIR, _CHAIR, aliases=(
        "head massage", "oil massage", "champi", "sar ki malish", "tel malish", "चंपी")),
    ServiceSeed("Colour", "Global colour", 120, _rs(4500), _HAIR, _CHAIR_BASIN, processing_offset_min=30,
                processing_min=40, buffer_after_min=10, aliases=(
                    "global color", "full hair colour", "hair colour", "hair color", "baal rangna",
                    "mehendi nahi colour", "बालों का रंग")),
    ServiceSeed("Colour", "Root touch-up", 75, _rs(1800), _HAIR, _CHAIR_BASIN, processing_offset_min=20,
                processing_min=30, buffer_after_min=10, aliases=(
                    "root touch up", "roots", "grey coverage", "safed baal chhupana", "jad mein colour")),
    ServiceSeed("Colour", "Highlights", 150, _rs(5500), _HAIR, _CHAIR_BASIN, processing_offset_min=60,
                processing_min=35, buffer_after_min=10, aliases=(
                    "highlight", "streaks", "balayage", "global highlights", "streaking karwana", "हाइलाइट्स")),
    ServiceSeed("Colour", "Men's hair colour", 45, _rs(1200), _HAIR, _CHAIR_BASIN, processing_offset_min=15,
                processing_min=15, buffer_after_min=10, aliases=(
                    "gents colour", "men hair color", "safed baal kale karna", "dadhi colour")),
    ServiceSeed("Skin & Facials", "Clean-up", 45, _rs(1200), _COSMETIC, _ROOM, buffer_after_min=5, aliases=(
        "cleanup", "face cleanup", "face clean up", "chehra saaf", "chehra saaf karna")),
    ServiceSeed("Skin & Facials", "Hydrating facial", 75, _rs(2500), _COSMETIC, _ROOM, buffer_after_min=5, aliases=(
        "facial", "hydra facial", "glow facial", "facial karwana", "फेशियल")),
    ServiceSeed("Skin & Facials", "D-Tan", 30, _rs(900), _COSMETIC, _ROOM, buffer_after_min=5, aliases=(
        "detan", "de-tan", "tan removal", "tan hatana", "डी टैन")),
    ServiceSeed("Hands & Feet", "Manicure", 40, _rs(700), _COSMETIC, _CHAIR, buffer_after_min=5, aliases=(
        "mani", "hand cleaning", "nails", "haath saaf", "मैनीक्योर")),
    ServiceSeed("Hands & Feet", "Pedicure", 50, _rs(900), _COSMETIC, {"pedicure_station": 1}, buffer_after_min=10,
                aliases=("pedi", "feet cleaning", "foot spa", "pair saaf", "pairon ki safai", "पेडीक्योर")),
    ServiceSeed("Hands & Feet", "Gel polish", 45, _rs(1200), _COSMETIC, _CHAIR, buffer_after_min=5, aliases=(
        "gel nails", "gel nail paint", "nail polish", "nail paint lagwana")),
    ServiceSeed("Waxing & Threading", "Full arms wax", 30, _rs(500), _OTHER_BEAUTY, _ROOM, buffer_after_min=5,
                aliases=("arms wax", "hand wax", "waxing", "waxing karwana", "haath ki waxing", "वैक्सिंग")),
    ServiceSeed("Waxing & Threading", "Full legs wax", 45, _rs(700), _OTHER_BEAUTY, _ROOM, buffer_after_min=5,
                aliases=("legs wax", "leg waxing", "pair ki waxing", "waxing karwana")),
    ServiceSeed("Waxing & Threading", "Underarms wax", 15, _rs(250), _OTHER_BEAUTY, _ROOM, aliases=(
        "underarm wax", "underarms", "bagal ki waxing")),
    ServiceSeed("Waxing & Threading", "Eyebrow threading", 10, _rs(80), _OTHER_BEAUTY, _CHAIR, aliases=(
        "eyebrows", "eyebrow", "threading", "eyebrow banwana", "bhauhen", "आइब्रो", "थ्रेडिंग")),
    ServiceSeed("Waxing & Threading", "Upper lip threading", 5, _rs(50), _OTHER_BEAUTY, _CHAIR, aliases=(
        "upper lip", "upper lips", "lip threading", "upper lip banwana")),
    ServiceSeed("Waxing & Threading", "Full face threading", 20, _rs(300), _OTHER_BEAUTY, _CHAIR, aliases=(
        "face threading", "full face", "poora chehra threading")),
    ServiceSeed("Grooming (men)", "Men's haircut", 30, _rs(500), _HAIR, _CHAIR, buffer_after_min=5, aliases=(
        "gents haircut", "men haircut", "hair cutting", "cutting", "baal katwana", "baal kaatna", "बाल कटवाना")),
    ServiceSeed("Grooming (men)", "Beard trim", 20, _rs(300), _HAIR, _CHAIR, aliases=(
        "beard", "beard styling", "dadhi", "dadi trim", "beard set karna", "दाढ़ी")),
    ServiceSeed("Grooming (men)", "Shave", 20, _rs(250), _HAIR, _CHAIR, aliases=(
        "clean shave", "shaving", "shave karna", "dadhi banana", "दाढ़ी बनाना")),
    ServiceSeed("Grooming (men)", "Haircut and beard combo", 45, _rs(700), _HAIR, _CHAIR, buffer_after_min=5,
                aliases=("haircut beard combo", "cutting dadhi", "cutting aur dadhi", "baal aur dadhi")),
    ServiceSeed("Makeup", "Party makeup", 75, _rs(3500), _OTHER_BEAUTY, _CHAIR, buffer_after_min=10, aliases=(
        "party make up", "event makeup", "sangeet makeup", "makeup karwana", "मेकअप")),
    ServiceSeed("Makeup", "Bridal makeup trial", 120, _rs(5000), _OTHER_BEAUTY, _CHAIR, buffer_after_min=15,
                aliases=("bridal trial", "bride makeup", "shaadi makeup trial", "dulhan makeup", "दुल्हन मेकअप")),
    ServiceSeed("Makeup", "Saree draping", 30, _rs(800), _OTHER_BEAUTY, _CHAIR, aliases=(
        "saree", "sari draping", "saree pehnana", "nauvari draping", "साड़ी")),
)

COMMISSION_PLANS: tuple[CommissionPlanSeed, ...] = (
    CommissionPlanSeed("Senior stylist", service_rate_bp=1500, product_rate_bp=500),
    CommissionPlanSeed("Stylist", service_rate_bp=1000, product_rate_bp=500),
    CommissionPlanSeed("Therapist", service_rate_bp=1200, product_rate_bp=500),
)

_LUNCH = "14:00-14:45"

STAFF: tuple[StaffSeed, ...] = (
    StaffSeed(
        "Ananya Deshmukh", "owner", "bandra", "+919820145678", seniority=15, commission_plan=None,
        skill_categories=("Makeup",), extra_skills=("Women's haircut", "Blow-dry", "Hydrating facial"),
        shifts={day: "11:00-19:00" for day in ("tue", "wed", "thu", "fri", "sat", "sun")},  # off Monday
        breaks={day: ("14:30-15:15",) for day in ("tue", "wed", "thu", "fri", "sat", "sun")},
    ),
    StaffSeed(
        "Rahul Kapoor", "manager", "bandra", "+919867234512", seniority=10, commission_plan="Senior stylist",
        skill_categories=("Hair", "Colour"), extra_skills=("Men's haircut",),
        shifts={"mon": "11:00-20:00", **{day: "12:00-21:00" for day in ("tue", "thu", "fri", "sat", "sun")}},
        breaks={"mon": ("15:00-15:45",), **{day: ("16:00-16:45",) for day in ("tue", "thu", "fri", "sat", "sun")}},
    ),  # off Wednesday
    StaffSeed(
        "Sneha Patil", "front_desk", "bandra", "+919930456721", seniority=3, commission_plan=None,
        skill_categories=(), extra_skills=(),
        shifts={"mon": "11:00-20:00", **{day: "10:00-19:00" for day in ("tue", "wed", "fri", "sat", "sun")}},
        breaks={day: (_LUNCH,) for day in ("mon", "tue", "wed", "fri", "sat", "sun")},
    ),  # off Thursday
    StaffSeed(
        "Imran Shaikh", "stylist", "bandra", "+919769812340", seniority=7, commission_plan="Stylist",
        skill_categories=("Grooming (men)",), extra_skills=("Head massage", "Men's hair colour", "Kids' haircut"),
        shifts={"mon": "11:00-20:00", **{day: "12:00-21:00" for day in ("wed", "thu", "fri", "sat", "sun")}},
        breaks={"mon": ("15:30-16:15",), **{day: ("16:30-17:15",) for day in ("wed", "thu", "fri", "sat", "sun")}},
    ),  # off Tuesday
    StaffSeed(
        "Pooja Jadhav", "stylist", "bandra", "+919821567890", seniority=5, commission_plan="Therapist",
        skill_categories=("Skin & Facials", "Hands & Feet", "Waxing & Threading"), extra_skills=("Saree draping",),
        shifts={"mon": "11:00-20:00", **{day: "10:00-19:00" for day in ("tue", "wed", "thu", "sat", "sun")}},
        breaks={"mon": ("15:00-15:45",), **{day: (_LUNCH,) for day in ("tue", "wed", "thu", "sat", "sun")}},
    ),  # off Friday
    StaffSeed(
        "Neha Kulkarni", "stylist", "pune-koregaon-park", "+919822034567", seniority=6, commission_plan="Stylist",
        skill_categories=("Hair", "Grooming (men)"),
        extra_skills=("Root touch-up", "Men's hair colour", "Pedicure", "Eyebrow threading", "Upper lip threading"),
        shifts={"mon": "11:00-20:00", **{day: "10:30-19:30" for day in ("tue", "wed", "fri", "sat", "sun")}},
        breaks={"mon": ("15:00-15:45",), **{day: (_LUNCH,) for day in ("tue", "wed", "fri", "sat", "sun")}},
    ),  # off Thursday
)

CUSTOMER_FIRST_NAMES: tuple[tuple[str, str], ...] = (
    ("Aarti", "female"), ("Aditi", "female"), ("Aisha", "female"), ("Anjali", "female"), ("Ankita", "female"),
    ("Bhavna", "female"), ("Deepa", "female"), ("Devika", "female"), ("Diya", "female"), ("Fatima", "female"),
    ("Gauri", "female"), ("Ishita", "female"), ("Jasleen", "female"), ("Kavya", "female"), ("Khushi", "female"),
    ("Lavanya", "female"), ("Madhuri", "female"), ("Meera", "female"), ("Nandini", "female"), ("Natasha", "female"),
    ("Nikita", "female"), ("Pallavi", "female"), ("Pooja", "female"), ("Priya", "female"), ("Radhika", "female"),
    ("Ritu", "female"), ("Sakshi", "female"), ("Sanjana", "female"), ("Shreya", "female"), ("Simran", "female"),
    ("Sonal", "female"), ("Tanvi", "female"), ("Tanya", "female"), ("Vaishnavi", "female"), ("Zara", "female"),
    ("Aakash", "male"), ("Abhishek", "male"), ("Aditya", "male"), ("Amit", "male"), ("Arjun", "male"),
    ("Cyrus", "male"), ("Farhan", "male"), ("Gaurav", "male"), ("Harsh", "male"), ("Karan", "male"),
    ("Kunal", "male"), ("Manish", "male"), ("Nikhil", "male"), ("Omkar", "male"), ("Pranav", "male"),
    ("Rohan", "male"), ("Sahil", "male"), ("Sameer", "male"), ("Siddharth", "male"), ("Tejas", "male"),
    ("Varun", "male"), ("Vikram", "male"), ("Yash", "male"), ("Zubin", "male"), ("Neil", "male"),
)

CUSTOMER_LAST_NAMES: tuple[str, ...] = (
    # Maharashtrian
    "Patil", "Deshpande", "Kulkarni", "Joshi", "Gokhale", "Sawant", "Pawar", "Bhosale", "Shinde", "Naik",
    # Gujarati and Marwari
    "Shah", "Mehta", "Desai", "Parekh", "Patel", "Agarwal",
    # Punjabi and North Indian
    "Malhotra", "Khanna", "Sethi", "Gill", "Arora", "Saxena",
    # South Indian
    "Iyer", "Nair", "Menon", "Reddy", "Shetty", "Rao",
    # Bengali
    "Banerjee", "Chatterjee", "Sen", "Ghosh",
    # Parsi
    "Irani", "Wadia", "Mistry",
    # Muslim
    "Khan", "Shaikh", "Qureshi",
    # Christian (East Indian, Goan, Mangalorean)
    "D'Souza", "Fernandes", "Pereira",
)

# Share of demo customers by preferred language (sums to 1).
LANGUAGE_MIX: Mapping[str, float] = {"en": 0.45, "hinglish": 0.45, "hi": 0.10}

CUSTOMER_TAGS: tuple[str, ...] = ("vip", "bridal-2026", "colour-client", "walk-in", "corporate", "student")

BOOKING_NOTES: tuple[str, ...] = (
    "Prefers Rahul",
    "Allergic to ammonia - use ammonia-free colour",
    "Bringing daughter for a trim",
    "Running 10 min late, please hold the slot",
    "Sensitive skin - patch test before facial",
    "Wants the same shade as last time (5.3 golden brown)",
    "Pay by UPI at the counter",
    "Wedding on Sunday - trial look must match",
    "Please call before confirming",
    "Only female staff for waxing",
    "Elderly customer - needs a chair near the entrance",
    "Corporate booking - GST invoice in company name",
)

_RANGE = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$")
_E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")


def _interval(text: str) -> tuple[time, time] | None:
    if not _RANGE.match(text):
        return None
    start, end = (time.fromisoformat(part) for part in text.split("-"))
    return (start, end) if end > start else None


def _inside(inner: tuple[time, time], outer: tuple[time, time]) -> bool:
    return outer[0] <= inner[0] and inner[1] <= outer[1]


def check_consistency() -> list[str]:
    """Everything in this module that would not seed cleanly, as readable problems; [] when all is well."""
    problems: list[str] = []
    branches = {branch.slug: branch for branch in BRANCHES}
    services = {service.name: service for service in SERVICES}
    plans = {plan.name for plan in COMMISSION_PLANS}
    for label, names in (("category", CATEGORIES), ("service", [s.name for s in SERVICES]),
                         ("branch", [b.slug for b in BRANCHES]), ("staff", [s.name for s in STAFF])):
        if len(set(names)) != len(names):
            problems.append(f"duplicate {label} names")
    for branch in BRANCHES:
        try:
            validate_gstin(branch.gstin, state_code=branch.state_code)
        except InvalidInput as exc:
            problems.append(f"{branch.slug}: {exc}")
        if not _E164.match(branch.phone_e164) or not re.fullmatch(r"[1-9][0-9]{5}", branch.pincode):
            problems.append(f"{branch.slug}: bad phone or pincode")
        for day, hours in branch.hours.items():
            if day not in WEEKDAYS or _interval(hours) is None:
                problems.append(f"{branch.slug}: bad opening hours {day}={hours!r}")
    for service in SERVICES:
        where = f"service {service.name!r}"
        if service.category not in CATEGORIES:
            problems.append(f"{where}: unknown category {service.category!r}")
        if not 5 <= service.duration_min <= 720 or not 0 <= service.buffer_after_min <= 240:
            problems.append(f"{where}: duration or buffer out of range")
        if service.processing_min > 0:
            offset = service.processing_offset_min
            if offset is None or offset <= 0 or offset + service.processing_min >= service.duration_min:
                problems.append(f"{where}: processing gap not inside the service")
        elif service.processing_offset_min is not None:
            problems.append(f"{where}: processing offset without processing time")
        if not re.fullmatch(r"[0-9]{4,8}", service.sac_code) or service.price_paise < 0:
            problems.append(f"{where}: bad SAC code or price")
        bandra_types = {resource.resource_type for resource in branches["bandra"].resources}
        for resource_type, quantity in service.resource_needs.items():
            if resource_type not in bandra_types or quantity <= 0:
                problems.append(f"{where}: needs {quantity} x {resource_type!r}, which Bandra lacks")
    skilled: dict[str, set[str]] = {slug: set() for slug in branches}
    for member in STAFF:
        where = f"staff {member.name!r}"
        if member.role not in ("owner", "manager", "front_desk", "stylist"):
            problems.append(f"{where}: unknown role {member.role!r}")
        if member.commission_plan is not None and member.commission_plan not in plans:
            problems.append(f"{where}: unknown commission plan {member.commission_plan!r}")
        if not _E164.match(member.phone_e164):
            problems.append(f"{where}: phone is not E.164")
        home = branches.get(member.branch)
        if home is None:
            problems.append(f"{where}: unknown branch {member.branch!r}")
            continue
        for category in member.skill_categories:
            if category not in CATEGORIES:
                problems.append(f"{where}: unknown skill category {category!r}")
        for name in member.extra_skills:
            if name not in services:
                problems.append(f"{where}: unknown skill service {name!r}")
        skilled[home.slug].update(s.name for s in SERVICES if s.category in member.skill_categories)
        skilled[home.slug].update(member.extra_skills)
        if len(member.shifts) >= len(WEEKDAYS):
            problems.append(f"{where}: no weekly day off")
        for day, text in member.shifts.items():
            shift, opening = _interval(text), home.hours.get(day)
            opening_interval = _interval(opening) if opening else None
            if day not in WEEKDAYS or shift is None:
                problems.append(f"{where}: bad shift {day}={text!r}")
            elif opening_interval is None or not _inside(shift, opening_interval):
                problems.append(f"{where}: shift {day}={text} outside branch hours {opening}")
        for day, texts in member.breaks.items():
            shift_text = member.shifts.get(day)
            shift = _interval(shift_text) if shift_text else None
            for text in texts:
                interval = _interval(text)
                if interval is None or shift is None or not _inside(interval, shift):
                    problems.append(f"{where}: break {day}={text!r} not inside the shift")
    for service in SERVICES:
        if service.name not in skilled["bandra"]:
            problems.append(f"service {service.name!r}: nobody at Bandra is skilled for it")
    for slug in branches:
        if not skilled[slug] or not any(m.branch == slug and m.role == "stylist" for m in STAFF):
            problems.append(f"branch {slug}: no stylist with skills")
    if abs(sum(LANGUAGE_MIX.values()) - 1.0) > 1e-9:
        problems.append("LANGUAGE_MIX weights do not sum to 1")
    return problems
