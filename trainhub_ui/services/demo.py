"""The demo centres: two training centres with courses, sessions, students and bookings in every state.

`make run` seeds them into an empty database so a newcomer has something to click through. Dates are
relative to `today`, so the demo never goes stale; everything else comes from a seeded random
generator, so two runs on the same day produce the same centres.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    LIVE_BOOKING_STATUSES,
    AttendanceStatus,
    AuditEntry,
    Base,
    Booking,
    BookingStatus,
    Course,
    CourseSession,
    Customer,
    Payment,
    PaymentKind,
    PaymentMethod,
    PaymentOption,
    PaymentStatus,
    Refund,
    StaffRole,
    StaffUser,
    Tenant,
    WaitingListEntry,
    WaitingListStatus,
    new_id,
)
from trainhub_ui.notify import emails

from . import attendance, completion, feedback
from .context import TenantContext
from .passwords import hash_password
from .references import random_reference

DEMO_PASSWORD = "trainhub-demo"
DEMO_STUDENT = "student@bristolgas.example"
DEMO_EMAILS = 6  # confirmations of the latest bookings, for the outbox to show
ACTOR = "demo seed"


_FULL_DAY = (time(9, 0), time(16, 30))
# What students wrote on the feedback form after the demo's past sessions: (rating, went well, to improve).
_FEEDBACK = [
    (5, "Clear explanations and plenty of time on the rigs.", ""),
    (5, "The instructor knew the regulations inside out and made the assessment less daunting.", ""),
    (4, "Good practical sessions; the mock assessment helped.", "More parking near the training centre."),
    (4, "Well organised, and the notes to take away are useful.", "The room was cold in the morning."),
    (3, "Covered everything needed for the assessment.", "Too much reading from slides on the first morning."),
]
_HALF_DAY = (time(9, 0), time(13, 0))


@dataclass(frozen=True)
class DemoLogin:
    centre_slug: str
    email: str
    role: str  # a StaffRole value, or "STUDENT"


# ---------------------------------------------------------------------------------------------------
# What the centres contain
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _CourseSpec:
    slug: str
    title: str
    category: str
    summary: str
    description: str
    requirements: str
    duration_days: int
    duration_hours: int  # total teaching hours
    price: int  # pence
    capacity: int
    validity_months: int | None
    sessions: int
    half_day: bool = False
    venue: str = ""
    instructor_notes: str = ""


@dataclass(frozen=True)
class _CustomerSpec:
    first_name: str
    last_name: str
    email: str
    phone: str
    company_name: str = ""
    billing_email: str = ""
    po_number: str = ""
    has_account: bool = False


@dataclass(frozen=True)
class _BookingSpec:
    course: str
    session_no: int
    email: str
    status: BookingStatus
    option: PaymentOption = PaymentOption.FULL


@dataclass(frozen=True)
class _PastSessionSpec:
    course: str
    days_ago: int
    bookings: int
    # The demo's own student is on it, so that My account shows a certificate.
    with_demo_student: bool = False


@dataclass(frozen=True)
class _CentreSpec:
    slug: str
    name: str
    tagline: str
    brand_colour: str
    contact_email: str
    contact_phone: str
    address: str
    bank_details: str
    location: str
    reference_prefix: str
    deposit_percent: int
    seed: int
    staff: list[tuple[str, str, StaffRole]]
    customers: list[_CustomerSpec]
    courses: list[_CourseSpec]
    bookings: list[_BookingSpec]
    full_session: tuple[str, int] | None = None  # (course slug, session number) filled to capacity
    waiting: int = 0  # waiting-list entries on the full session
    past_sessions: list[_PastSessionSpec] = field(default_factory=list)


_GAS_PPE = "Bring photo ID (passport or photo driving licence) and safety boots; overalls are provided."

BRISTOL = _CentreSpec(
    slug="bristol-gas-training",
    name="Bristol Gas Training Centre",
    tagline="ACS gas, renewables and plumbing courses for the South West since 2009",
    brand_colour="#b45309",
    contact_email="bookings@bristolgas.example",
    contact_phone="0117 496 0123",
    address="Unit 6, Severnside Trade Park\nKings Weston Lane, Avonmouth\nBristol BS11 9FG",
    bank_details=(
        "Bank: Lloyds Bank plc\nAccount name: Bristol Gas Training Ltd\nSort code: 12-34-56\n"
        "Account number: 87654321\nPlease quote your booking reference as the payment reference."
    ),
    location="Bristol — Avonmouth training centre",
    reference_prefix="BGT",
    deposit_percent=30,
    seed=2009,
    staff=[
        ("owner@bristolgas.example", "Helen Carter", StaffRole.OWNER),
        ("admin@bristolgas.example", "Mark Davies", StaffRole.ADMIN),
        ("staff@bristolgas.example", "Priya Shah", StaffRole.STAFF),
        ("instructor@bristolgas.example", "Tom Baker", StaffRole.INSTRUCTOR),
    ],
    customers=[
        _CustomerSpec("Jamie", "Wilson", DEMO_STUDENT, "07700 900101", has_account=True),
        _CustomerSpec(
            "Gareth",
            "Jones",
            "gareth.jones@example.co.uk",
            "07700 900112",
            company_name="Severn Heating Ltd",
            billing_email="accounts@severnheating.example.co.uk",
            po_number="SH-2291",
            has_account=True,
        ),
        _CustomerSpec("Rhys", "Morgan", "rhys.morgan@example.com", "07700 900123"),
        _CustomerSpec("Emma", "Hughes", "emma.hughes@example.co.uk", "07700 900134", has_account=True),
        _CustomerSpec(
            "Daniel",
            "Price",
            "dan@avonplumbing.example.co.uk",
            "0117 496 0456",
            company_name="Avon Plumbing & Gas Ltd",
            billing_email="invoices@avonplumbing.example.co.uk",
            po_number="APG-0417",
        ),
        _CustomerSpec("Chloe", "Evans", "chloe.evans@example.com", "07700 900145"),
        _CustomerSpec("Liam", "O'Connor", "liam.oconnor@example.co.uk", "07700 900156"),
        _CustomerSpec("Sarah", "Mitchell", "sarah.mitchell@example.com", "07700 900167", has_account=True),
        _CustomerSpec(
            "Callum",
            "Reid",
            "callum.reid@example.co.uk",
            "07700 900178",
            company_name="Clifton Property Services Ltd",
            billing_email="purchasing@cliftonproperty.example.co.uk",
            po_number="CPS/24/118",
        ),
        _CustomerSpec("Olivia", "Bennett", "olivia.bennett@example.com", "07700 900189"),
        _CustomerSpec(
            "Nathan",
            "Clarke",
            "nathan@westcountryboilers.example.co.uk",
            "01454 496 0321",
            company_name="Westcountry Boilers Ltd",
            billing_email="accounts@westcountryboilers.example.co.uk",
        ),
        _CustomerSpec("Harriet", "Lewis", "harriet.lewis@example.co.uk", "07700 900190"),
        _CustomerSpec("Ben", "Foster", "ben.foster@example.com", "07700 900201"),
        _CustomerSpec("Zara", "Ahmed", "zara.ahmed@example.co.uk", "07700 900212"),
        _CustomerSpec("Kieran", "Walsh", "kieran.walsh@example.com", "07700 900223"),
        _CustomerSpec("Lucy", "Edwards", "lucy.edwards@example.co.uk", "07700 900234"),
    ],
    courses=[
        _CourseSpec(
            slug="acs-ccn1-new-entrant",
            title="ACS CCN1 Core Domestic Gas Safety (New Entrant)",
            category="Gas safety",
            summary="The core domestic gas safety assessment every Gas Safe registered engineer needs.",
            description=(
                "Five days of training and assessment on our live gas rigs covering combustion, ventilation, "
                "flueing, tightness testing and purging, and unsafe situations. Candidates who pass are "
                "assessed for CCN1 and can apply to join the Gas Safe Register. The course suits candidates "
                "who have completed a managed learning programme and portfolio."
            ),
            requirements=(
                "A completed portfolio of domestic gas work signed off by a Gas Safe registered engineer. " + _GAS_PPE
            ),
            duration_days=5,
            duration_hours=35,
            price=89500,
            capacity=10,
            validity_months=60,
            sessions=3,
            venue="Avonmouth centre — Gas rig hall",
            instructor_notes=_GAS_PPE,
        ),
        _CourseSpec(
            slug="acs-reassessment",
            title="ACS Gas Safety Reassessment (CCN1 + Appliances)",
            category="Gas safety",
            summary="Renew your CCN1 and appliance categories before your five-year certificates lapse.",
            description=(
                "A refresher day on changes to the Gas Safety (Installation and Use) Regulations and industry "
                "standards, followed by two days of practical and written assessment. Covers CCN1 and the "
                "common domestic appliance categories: CENWAT, CKR1, HTR1 and DAH1."
            ),
            requirements=(
                "Your current ACS certificates and Gas Safe registration number. Book at least two months "
                "before your certificates expire. " + _GAS_PPE
            ),
            duration_days=3,
            duration_hours=21,
            price=65000,
            capacity=10,
            validity_months=60,
            sessions=4,
            venue="Avonmouth centre — Gas rig hall",
            instructor_notes="Candidates must bring their previous ACS certificates. " + _GAS_PPE,
        ),
        _CourseSpec(
            slug="cocn1-commercial-changeover",
            title="Commercial Gas Changeover (COCN1)",
            category="Gas safety",
            summary="Move from domestic to commercial gas work with the COCN1 changeover assessment.",
            description=(
                "For domestic engineers who want to work on commercial installations. Covers commercial "
                "pipework sizing, tightness testing and purging of larger installations, ventilation and "
                "flueing of commercial plant. Includes the CDGA1 changeover where needed."
            ),
            requirements="A current CCN1 certificate and evidence of commercial gas work. " + _GAS_PPE,
            duration_days=3,
            duration_hours=21,
            price=72500,
            capacity=8,
            validity_months=60,
            sessions=2,
            venue="Avonmouth centre — Commercial rig bay",
        ),
        _CourseSpec(
            slug="air-source-heat-pumps",
            title="Heat Pump Installation (Air Source)",
            category="Renewables",
            summary="Design, install and commission domestic air source heat pumps to MCS standards.",
            description=(
                "Four days on how heat pumps work, heat loss calculations, emitter sizing, hydraulic "
                "design, electrical connection and commissioning. Practical work takes place on working "
                "monobloc and split systems. The content is aligned with MCS MIS 3005 so installers can "
                "support their company's MCS certification."
            ),
            requirements=(
                "A recognised plumbing or heating qualification (NVQ Level 2 or equivalent) and a current "
                "G3 unvented hot water certificate. Bring a calculator and safety boots."
            ),
            duration_days=4,
            duration_hours=28,
            price=75000,
            capacity=8,
            validity_months=None,
            sessions=3,
            venue="Avonmouth centre — Renewables workshop",
            instructor_notes="Bring safety boots and a calculator; laptops are provided for heat loss work.",
        ),
        _CourseSpec(
            slug="unvented-hot-water-g3",
            title="Unvented Hot Water Systems (G3)",
            category="Plumbing & heating",
            summary="The G3 qualification to install and maintain unvented hot water storage systems.",
            description=(
                "Covers Building Regulations Part G3, the safety devices on unvented cylinders, installation, "
                "commissioning and annual servicing. The day ends with a practical and a written assessment; "
                "numbers are kept low so everyone gets time on the cylinders."
            ),
            requirements="Experience of domestic plumbing installation. Bring safety boots.",
            duration_days=1,
            duration_hours=7,
            price=19500,
            capacity=6,
            validity_months=36,
            sessions=3,
            venue="Avonmouth centre — Plumbing workshop",
        ),
        _CourseSpec(
            slug="water-regulations-wras",
            title="Water Regulations (WRAS)",
            category="Plumbing & heating",
            summary="The Water Supply (Water Fittings) Regulations 1999 for plumbers and installers.",
            description=(
                "A classroom day on backflow prevention, fluid categories, materials and fittings, "
                "notification of work and the approved contractor schemes. Ends with a multiple-choice "
                "assessment leading to the WRAS-recognised water regulations certificate."
            ),
            requirements="No prerequisites. Bring a pen; course notes are provided.",
            duration_days=1,
            duration_hours=7,
            price=16500,
            capacity=12,
            validity_months=None,
            sessions=2,
            venue="Avonmouth centre — Training room 1",
        ),
        _CourseSpec(
            slug="domestic-energy-efficiency",
            title="Domestic Energy Efficiency for Installers",
            category="Plumbing & heating",
            summary="Part L, heating controls and system efficiency for domestic heating installers.",
            description=(
                "Covers Approved Document L, boiler and heat pump efficiency, weather compensation, "
                "system balancing and the paperwork that goes with a compliant installation. A good "
                "companion to our ACS and heat pump courses."
            ),
            requirements="A working knowledge of domestic wet heating systems.",
            duration_days=1,
            duration_hours=7,
            price=17500,
            capacity=16,
            validity_months=None,
            sessions=2,
            venue="Avonmouth centre — Training room 1",
        ),
        _CourseSpec(
            slug="carbon-monoxide-awareness",
            title="Carbon Monoxide Awareness",
            category="Safety awareness",
            summary="A half-day course on spotting, preventing and responding to carbon monoxide risks.",
            description=(
                "For engineers, landlords, letting agents and housing officers. Covers how carbon monoxide "
                "is produced, the warning signs of poorly performing appliances, alarms and the law on "
                "them, and what to do in an emergency."
            ),
            requirements="No prerequisites.",
            duration_days=1,
            duration_hours=4,
            price=8500,
            capacity=16,
            validity_months=36,
            sessions=2,
            half_day=True,
            venue="Avonmouth centre — Training room 2",
        ),
    ],
    bookings=[
        # One live booking of each kind, plus a hold, an expired hold and a refunded cancellation.
        _BookingSpec("acs-ccn1-new-entrant", 0, "liam.oconnor@example.co.uk", BookingStatus.CONFIRMED),
        _BookingSpec("acs-ccn1-new-entrant", 0, "zara.ahmed@example.co.uk", BookingStatus.PENDING),
        _BookingSpec("acs-ccn1-new-entrant", 0, "kieran.walsh@example.com", BookingStatus.EXPIRED),
        _BookingSpec("acs-ccn1-new-entrant", 2, "harriet.lewis@example.co.uk", BookingStatus.CANCELLED),
        _BookingSpec("acs-ccn1-new-entrant", 1, DEMO_STUDENT, BookingStatus.CONFIRMED, PaymentOption.DEPOSIT),
        _BookingSpec("acs-ccn1-new-entrant", 1, "rhys.morgan@example.com", BookingStatus.CONFIRMED),
        _BookingSpec("acs-ccn1-new-entrant", 1, "ben.foster@example.com", BookingStatus.CONFIRMED),
        _BookingSpec(
            "acs-reassessment", 0, "gareth.jones@example.co.uk", BookingStatus.CONFIRMED, PaymentOption.INVOICE
        ),
        _BookingSpec(
            "acs-reassessment", 0, "dan@avonplumbing.example.co.uk", BookingStatus.CONFIRMED, PaymentOption.INVOICE
        ),
        _BookingSpec("acs-reassessment", 0, "nathan@westcountryboilers.example.co.uk", BookingStatus.CONFIRMED),
        _BookingSpec("acs-reassessment", 1, "sarah.mitchell@example.com", BookingStatus.CONFIRMED),
        _BookingSpec("cocn1-commercial-changeover", 0, "sarah.mitchell@example.com", BookingStatus.CONFIRMED),
        _BookingSpec(
            "cocn1-commercial-changeover",
            1,
            "gareth.jones@example.co.uk",
            BookingStatus.CONFIRMED,
            PaymentOption.INVOICE,
        ),
        _BookingSpec("air-source-heat-pumps", 0, "emma.hughes@example.co.uk", BookingStatus.CONFIRMED),
        _BookingSpec(
            "air-source-heat-pumps", 0, "callum.reid@example.co.uk", BookingStatus.CONFIRMED, PaymentOption.INVOICE
        ),
        _BookingSpec(
            "air-source-heat-pumps", 1, "olivia.bennett@example.com", BookingStatus.CONFIRMED, PaymentOption.DEPOSIT
        ),
        _BookingSpec("air-source-heat-pumps", 1, DEMO_STUDENT, BookingStatus.CONFIRMED),
        _BookingSpec(
            "water-regulations-wras",
            0,
            "dan@avonplumbing.example.co.uk",
            BookingStatus.CONFIRMED,
            PaymentOption.INVOICE,
        ),
        _BookingSpec("water-regulations-wras", 0, "ben.foster@example.com", BookingStatus.CONFIRMED),
        _BookingSpec(
            "domestic-energy-efficiency", 1, "chloe.evans@example.com", BookingStatus.CONFIRMED, PaymentOption.DEPOSIT
        ),
        _BookingSpec("carbon-monoxide-awareness", 0, "lucy.edwards@example.co.uk", BookingStatus.CONFIRMED),
        _BookingSpec("carbon-monoxide-awareness", 0, "chloe.evans@example.com", BookingStatus.CONFIRMED),
        _BookingSpec("carbon-monoxide-awareness", 1, "emma.hughes@example.co.uk", BookingStatus.PENDING),
    ],
    full_session=("unvented-hot-water-g3", 0),
    waiting=2,
    past_sessions=[
        _PastSessionSpec("acs-reassessment", days_ago=34, bookings=6),
        _PastSessionSpec("carbon-monoxide-awareness", days_ago=23, bookings=9, with_demo_student=True),
    ],
)

LEEDS = _CentreSpec(
    slug="leeds-heat-academy",
    name="Leeds Heat Academy",
    tagline="Low-carbon heating skills for Yorkshire installers",
    brand_colour="#0f766e",
    contact_email="hello@leedsheat.example",
    contact_phone="0113 496 0457",
    address="Unit 12, Cross Green Industrial Estate\nCross Green Approach\nLeeds LS9 0SG",
    bank_details=(
        "Bank: Yorkshire Bank\nAccount name: Leeds Heat Academy Ltd\nSort code: 65-43-21\n"
        "Account number: 12348765\nPlease quote your booking reference."
    ),
    location="Leeds — Cross Green training centre",
    reference_prefix="LHA",
    deposit_percent=25,
    seed=2016,
    staff=[
        ("admin@leedsheat.example", "Aisha Khan", StaffRole.OWNER),
        ("instructor@leedsheat.example", "Owen Fletcher", StaffRole.INSTRUCTOR),
    ],
    customers=[
        _CustomerSpec(
            "Jack",
            "Whitaker",
            "jack.whitaker@example.co.uk",
            "07700 900301",
            company_name="Aire Valley Heating Ltd",
            billing_email="accounts@airevalleyheating.example.co.uk",
            po_number="AVH-1042",
        ),
        _CustomerSpec("Megan", "Hirst", "megan.hirst@example.com", "07700 900312", has_account=True),
        _CustomerSpec("Imran", "Hussain", "imran.hussain@example.co.uk", "07700 900323"),
        _CustomerSpec("Ellie", "Sutcliffe", "ellie.sutcliffe@example.com", "07700 900334"),
        _CustomerSpec("Ryan", "Kershaw", "ryan.kershaw@example.co.uk", "07700 900345"),
        _CustomerSpec("Hannah", "Booth", "hannah.booth@example.com", "07700 900356"),
    ],
    courses=[
        _CourseSpec(
            slug="air-source-heat-pumps",
            title="Air Source Heat Pump Installation & Commissioning",
            category="Heat pumps",
            summary="Install and commission domestic air source heat pumps with confidence.",
            description=(
                "Four days covering refrigeration basics, heat loss, emitter and cylinder selection, "
                "hydraulic separation, controls and commissioning. Most of the time is spent on our "
                "working monobloc rigs."
            ),
            requirements="NVQ Level 2 plumbing and heating (or equivalent) and a current G3 unvented certificate.",
            duration_days=4,
            duration_hours=28,
            price=79500,
            capacity=8,
            validity_months=None,
            sessions=2,
            venue="Cross Green — Heat pump lab",
            instructor_notes="Bring safety boots; the lab is outdoors for part of each day.",
        ),
        _CourseSpec(
            slug="heat-pump-system-design",
            title="Heat Pump System Design (MCS MIS 3005-D)",
            category="Heat pumps",
            summary="Room-by-room heat loss and system design to the MCS design standard.",
            description=(
                "Two classroom days on heat loss calculations, flow temperatures, emitter sizing, "
                "noise assessment and seasonal performance estimates, working through real survey data."
            ),
            requirements="Experience of heating system installation. Bring a laptop if you have one.",
            duration_days=2,
            duration_hours=14,
            price=49500,
            capacity=10,
            validity_months=None,
            sessions=2,
            venue="Cross Green — Classroom A",
        ),
        _CourseSpec(
            slug="solar-thermal-hot-water",
            title="Solar Thermal Hot Water Systems",
            category="Solar",
            summary="Design, install and maintain domestic solar thermal hot water systems.",
            description=(
                "Covers flat-plate and evacuated-tube collectors, roof fixings, twin-coil cylinders, "
                "pump stations, controls and filling and commissioning a pressurised system."
            ),
            requirements="A current G3 unvented hot water certificate.",
            duration_days=2,
            duration_hours=14,
            price=39500,
            capacity=8,
            validity_months=None,
            sessions=2,
            venue="Cross Green — Roof rig",
        ),
        _CourseSpec(
            slug="f-gas-category-1",
            title="F-Gas Category I (Refrigerant Handling)",
            category="Refrigeration",
            summary="The F-Gas Category I qualification for work on refrigeration and heat pump circuits.",
            description=(
                "Four days of brazing, pressure and leak testing, recovery, evacuation and charging on "
                "training rigs, followed by the practical and theory assessments for Category I."
            ),
            requirements="Some experience of pipework and brazing. Bring safety boots and safety glasses.",
            duration_days=4,
            duration_hours=28,
            price=85000,
            capacity=6,
            validity_months=None,
            sessions=2,
            venue="Cross Green — Refrigeration workshop",
        ),
    ],
    bookings=[
        _BookingSpec("air-source-heat-pumps", 0, "megan.hirst@example.com", BookingStatus.CONFIRMED),
        _BookingSpec(
            "air-source-heat-pumps", 0, "jack.whitaker@example.co.uk", BookingStatus.CONFIRMED, PaymentOption.INVOICE
        ),
        _BookingSpec("heat-pump-system-design", 0, "imran.hussain@example.co.uk", BookingStatus.CONFIRMED),
        _BookingSpec(
            "f-gas-category-1", 1, "ellie.sutcliffe@example.com", BookingStatus.CONFIRMED, PaymentOption.DEPOSIT
        ),
        _BookingSpec("solar-thermal-hot-water", 0, "ryan.kershaw@example.co.uk", BookingStatus.CONFIRMED),
    ],
)

_CENTRES = (BRISTOL, LEEDS)


DEMO_LOGINS: list[DemoLogin] = [
    DemoLogin(BRISTOL.slug, "owner@bristolgas.example", "OWNER"),
    DemoLogin(BRISTOL.slug, "admin@bristolgas.example", "ADMIN"),
    DemoLogin(BRISTOL.slug, "staff@bristolgas.example", "STAFF"),
    DemoLogin(BRISTOL.slug, "instructor@bristolgas.example", "INSTRUCTOR"),
    DemoLogin(BRISTOL.slug, DEMO_STUDENT, "STUDENT"),
    DemoLogin(LEEDS.slug, "admin@leedsheat.example", "OWNER"),
]


# ---------------------------------------------------------------------------------------------------
# Writing a centre
# ---------------------------------------------------------------------------------------------------


def _ceil_percent(amount: int, percent: int) -> int:
    return -(-amount * percent // 100)


def _fits_week(start: date, days: int) -> bool:
    """Whether a course of `days` days starting on `start` runs Monday to Friday without a weekend."""
    return start.weekday() + min(days, 5) - 1 <= 4


_INSERT_LAYER: dict[type[Base], int] = {
    Tenant: 0,
    StaffUser: 1,
    Customer: 1,
    Course: 1,
    AuditEntry: 1,
    CourseSession: 2,
    Booking: 3,
    Payment: 4,
    WaitingListEntry: 4,
    Refund: 5,
}


class _CentreWriter:
    """Adds one centre and everything in it to the session."""

    def __init__(self, session: AsyncSession, spec: _CentreSpec, password_hash: str, today: date) -> None:
        self.session = session
        self.spec = spec
        self.password_hash = password_hash
        self.today = today
        self.now = datetime.now(UTC)
        self.rng = random.Random(spec.seed)
        self.zone = ZoneInfo("Europe/London")
        self.tenant = Tenant(
            id=new_id(),
            slug=spec.slug,
            name=spec.name,
            tagline=spec.tagline,
            brand_colour=spec.brand_colour,
            contact_email=spec.contact_email,
            contact_phone=spec.contact_phone,
            address=spec.address,
            currency="GBP",
            timezone="Europe/London",
            deposit_percent=spec.deposit_percent,
            hold_minutes=15,
            vat_rate_basis_points=2000,
            bank_details=spec.bank_details,
            created_at=self.now - timedelta(days=240),
        )
        self.instructor: StaffUser | None = None
        self.admin_name = ""
        self.customers: dict[str, Customer] = {}
        self.courses: dict[str, Course] = {}
        self.price_by_course_id: dict[str, int] = {}
        self.upcoming: dict[str, list[CourseSession]] = {}
        self.all_sessions: list[CourseSession] = []
        self.bookings: list[Booking] = []
        self.references: set[str] = set()
        self.live: set[tuple[str, str]] = set()  # (session id, customer id) with a live booking
        self.past: list[CourseSession] = []
        self.layers: defaultdict[int, list[Base]] = defaultdict(list)

    async def write(self) -> None:
        self._add(self.tenant)
        self._staff()
        self._customers()
        self._courses_and_sessions()
        for item in self.spec.bookings:
            self._planned_booking(item)
        if self.spec.full_session is not None:
            self._fill(*self.spec.full_session)
        for past in self.spec.past_sessions:
            self._past_session(past)
        self._count_places()
        self._audit(self.now - timedelta(days=240), "centre.opened", "tenant", self.tenant.id, name=self.tenant.name)
        # The models declare foreign keys without relationships, so one flush cannot tell that a
        # payment must follow its booking: insert parents first, one layer per flush.
        for layer in sorted(self.layers):
            self.session.add_all(self.layers[layer])
            await self.session.flush()
        await self._recent_emails()
        for item in self.past:
            await self._delivered(item)

    async def _recent_emails(self) -> None:
        """The confirmations of the latest bookings, as the product would have queued them: without a mail
        server they wait in the outbox, where the demo shows them."""
        recent = sorted(
            (b for b in self.bookings if b.status is BookingStatus.CONFIRMED and b.created_at <= self.now),
            key=lambda b: b.created_at,
        )[-DEMO_EMAILS:]
        for booking in recent:
            moment = booking.confirmed_at or booking.created_at
            ctx = TenantContext(tenant=self.tenant, actor="system", clock=lambda moment=moment: moment)
            await emails.booking_confirmed(self.session, ctx, booking)

    def _add(self, row: Base) -> None:
        self.layers[_INSERT_LAYER[type(row)]].append(row)

    # -- people ----------------------------------------------------------------------------------

    def _staff(self) -> None:
        for email, name, role in self.spec.staff:
            user = StaffUser(
                id=new_id(),
                tenant_id=self.tenant.id,
                email=email,
                name=name,
                role=role,
                password_hash=self.password_hash,
                created_at=self.now - timedelta(days=230),
            )
            self._add(user)
            if role is StaffRole.INSTRUCTOR and self.instructor is None:
                self.instructor = user
            if role in (StaffRole.ADMIN, StaffRole.OWNER) and not self.admin_name:
                self.admin_name = name

    def _customers(self) -> None:
        for spec in self.spec.customers:
            customer = Customer(
                id=new_id(),
                tenant_id=self.tenant.id,
                first_name=spec.first_name,
                last_name=spec.last_name,
                email=spec.email,
                phone=spec.phone,
                company_name=spec.company_name,
                billing_email=spec.billing_email,
                po_number=spec.po_number,
                password_hash=self.password_hash if spec.has_account else None,
                created_at=self.now - timedelta(days=self.rng.randint(70, 200)),
            )
            self._add(customer)
            self.customers[spec.email] = customer

    # -- catalogue -------------------------------------------------------------------------------

    def _courses_and_sessions(self) -> None:
        for spec in self.spec.courses:
            course = Course(
                id=new_id(),
                tenant_id=self.tenant.id,
                slug=spec.slug,
                title=spec.title,
                category=spec.category,
                summary=spec.summary,
                description=spec.description,
                requirements=spec.requirements,
                location=self.spec.location,
                duration_days=spec.duration_days,
                duration_hours=spec.duration_hours,
                price=spec.price,
                default_capacity=spec.capacity,
                certificate_validity_months=spec.validity_months,
                is_active=True,
                created_at=self.now - timedelta(days=220),
            )
            self._add(course)
            self.courses[spec.slug] = course
            self.price_by_course_id[course.id] = course.price
            self.upcoming[spec.slug] = [
                self._session(spec, course, start, staffed=number < 2)
                for number, start in enumerate(self._upcoming_starts(spec))
            ]

    def _upcoming_starts(self, spec: _CourseSpec) -> list[date]:
        """`spec.sessions` start dates spread over the next 90 days, each in its own slot, in order."""
        span = 85 // spec.sessions
        starts = []
        for number in range(spec.sessions):
            start = self.today + timedelta(days=3 + number * span + self.rng.randint(0, max(span - 8, 0)))
            while not _fits_week(start, spec.duration_days):
                start += timedelta(days=1)
            starts.append(start)
        return starts

    def _session(self, spec: _CourseSpec, course: Course, start: date, *, staffed: bool) -> CourseSession:
        start_time, end_time = _HALF_DAY if spec.half_day else _FULL_DAY
        instructor = self.instructor if staffed else None
        item = CourseSession(
            id=new_id(),
            tenant_id=self.tenant.id,
            course_id=course.id,
            start_date=start,
            end_date=start + timedelta(days=spec.duration_days - 1),
            start_time=start_time,
            end_time=end_time,
            starts_at=self._moment(start, start_time),
            available_spots=spec.capacity,
            booked_spots=0,
            is_active=True,
            venue=spec.venue,
            instructor_id=instructor.id if instructor else None,
            instructor_notes=spec.instructor_notes if instructor else "",
            created_at=self.now - timedelta(days=self.rng.randint(100, 200)),
        )
        self._add(item)
        self.all_sessions.append(item)
        return item

    def _moment(self, day: date, at: time) -> datetime:
        """A local wall-clock time at the centre, as a UTC moment (British Summer Time included)."""
        return datetime.combine(day, at, tzinfo=self.zone).astimezone(UTC)

    def _spec_of(self, slug: str) -> _CourseSpec:
        return next(c for c in self.spec.courses if c.slug == slug)

    # -- bookings --------------------------------------------------------------------------------

    def _reference(self) -> str:
        while True:
            reference = random_reference(self.spec.reference_prefix, self.rng.choice)
            if reference not in self.references:
                self.references.add(reference)
                return reference

    def _booking(
        self,
        item: CourseSession,
        customer: Customer,
        status: BookingStatus,
        option: PaymentOption,
        created_at: datetime,
    ) -> Booking:
        price = self.price_by_course_id[item.course_id]
        if status in LIVE_BOOKING_STATUSES:
            key = (item.id, customer.id)
            if key in self.live:
                raise ValueError(f"{customer.email} already holds a place on session {item.id}")
            self.live.add(key)
        invoiced = option is PaymentOption.INVOICE
        booking = Booking(
            id=new_id(),
            tenant_id=self.tenant.id,
            reference=self._reference(),
            session_id=item.id,
            customer_id=customer.id,
            status=status,
            payment_option=option,
            currency="GBP",
            total_amount=price,
            deposit_amount=(
                _ceil_percent(price, self.tenant.deposit_percent) if option is PaymentOption.DEPOSIT else 0
            ),
            amount_paid=0,
            balance_due=price if status in LIVE_BOOKING_STATUSES else 0,
            company_name=customer.company_name if invoiced else "",
            billing_email=(customer.billing_email or customer.email) if invoiced else "",
            po_number=customer.po_number if invoiced else "",
            created_at=created_at,
        )
        self._add(booking)
        self.bookings.append(booking)
        return booking

    def _payment(
        self,
        booking: Booking,
        kind: PaymentKind,
        status: PaymentStatus,
        amount: int,
        *,
        method: PaymentMethod = PaymentMethod.CARD,
        paid_at: datetime | None = None,
        failure_reason: str = "",
    ) -> Payment:
        payment = Payment(
            id=new_id(),
            tenant_id=self.tenant.id,
            booking_id=booking.id,
            kind=kind,
            status=status,
            payment_method=method,
            currency="GBP",
            amount=amount,
            amount_refunded=0,
            paid_at=paid_at,
            failure_reason=failure_reason,
            created_at=booking.created_at,
        )
        self._add(payment)
        return payment

    def _pay_in_full(self, booking: Booking, method: PaymentMethod, paid_at: datetime) -> Payment:
        booking.amount_paid = booking.total_amount
        booking.balance_due = 0
        booking.confirmed_at = booking.confirmed_at or paid_at
        return self._payment(
            booking, PaymentKind.FULL, PaymentStatus.PAID, booking.total_amount, method=method, paid_at=paid_at
        )

    def _planned_booking(self, spec: _BookingSpec) -> None:
        item = self.upcoming[spec.course][spec.session_no]
        customer = self.customers[spec.email]
        if spec.status is BookingStatus.CONFIRMED:
            self._confirmed(item, customer, spec.option, self._recently())
        elif spec.status is BookingStatus.PENDING:
            booking = self._booking(item, customer, spec.status, spec.option, self.now)
            booking.hold_expires_at = self.now + timedelta(minutes=self.tenant.hold_minutes)
            self._payment(booking, PaymentKind.FULL, PaymentStatus.PENDING, booking.total_amount)
        elif spec.status is BookingStatus.EXPIRED:
            created = self.now - timedelta(hours=3, minutes=self.rng.randint(0, 50))
            booking = self._booking(item, customer, spec.status, spec.option, created)
            booking.hold_expires_at = created + timedelta(minutes=self.tenant.hold_minutes)
            self._payment(
                booking,
                PaymentKind.FULL,
                PaymentStatus.FAILED,
                booking.total_amount,
                failure_reason="Checkout was not completed before the hold expired.",
            )
        elif spec.status is BookingStatus.CANCELLED:
            self._cancelled(item, customer)
        else:
            raise ValueError(f"no demo booking in status {spec.status}")

    def _recently(self) -> datetime:
        return self.now - timedelta(days=self.rng.randint(1, 21), minutes=self.rng.randint(0, 600))

    def _confirmed(
        self, item: CourseSession, customer: Customer, option: PaymentOption, created_at: datetime
    ) -> Booking:
        booking = self._booking(item, customer, BookingStatus.CONFIRMED, option, created_at)
        paid_at = created_at + timedelta(minutes=self.rng.randint(2, 9))
        if option is PaymentOption.FULL:
            self._pay_in_full(booking, PaymentMethod.CARD, paid_at)
        elif option is PaymentOption.DEPOSIT:
            booking.amount_paid = booking.deposit_amount
            booking.balance_due = booking.total_amount - booking.deposit_amount
            booking.confirmed_at = paid_at
            self._payment(booking, PaymentKind.DEPOSIT, PaymentStatus.PAID, booking.deposit_amount, paid_at=paid_at)
        else:
            # An invoiced booking holds its place at once; the balance is settled by bank transfer.
            booking.confirmed_at = created_at
        return booking

    def _cancelled(self, item: CourseSession, customer: Customer) -> None:
        created = self.now - timedelta(days=self.rng.randint(15, 25))
        booking = self._booking(item, customer, BookingStatus.CANCELLED, PaymentOption.FULL, created)
        paid_at = created + timedelta(minutes=4)
        payment = self._pay_in_full(booking, PaymentMethod.CARD, paid_at)
        cancelled_at = self.now - timedelta(days=self.rng.randint(2, 6), hours=3)
        reason = "Could not get the week off work; cancelled more than 14 days before the start, so refunded in full."
        booking.cancelled_at = cancelled_at
        booking.cancellation_reason = reason
        booking.amount_paid = 0
        booking.balance_due = 0
        payment.status = PaymentStatus.REFUNDED
        payment.amount_refunded = payment.amount
        refund = Refund(
            id=new_id(),
            tenant_id=self.tenant.id,
            payment_id=payment.id,
            amount=payment.amount,
            currency="GBP",
            reason=reason,
            created_by=self.admin_name,
            created_at=cancelled_at,
        )
        self._add(refund)
        self._audit(cancelled_at, "booking.cancelled", "booking", booking.id, reference=booking.reference)
        self._audit(
            cancelled_at, "refund.issued", "payment", payment.id, reference=booking.reference, amount=refund.amount
        )

    def _fill(self, course_slug: str, session_no: int) -> None:
        """Book a session to capacity and queue a few more students, so the waiting list has someone on it."""
        item = self.upcoming[course_slug][session_no]
        taken = {customer_id for session_id, customer_id in self.live if session_id == item.id}
        free = [c for c in self.customers.values() if c.id not in taken]
        self.rng.shuffle(free)
        places = item.available_spots - sum(1 for b in self.bookings if self._holds_place(b, item))
        if len(free) < places + self.spec.waiting:
            raise ValueError("not enough demo students to fill the session and its waiting list")
        for customer in free[:places]:
            option = PaymentOption.INVOICE if customer.company_name else PaymentOption.FULL
            self._confirmed(item, customer, option, self._recently())
        for offset, customer in enumerate(free[places : places + self.spec.waiting]):
            self._add(
                WaitingListEntry(
                    id=new_id(),
                    tenant_id=self.tenant.id,
                    session_id=item.id,
                    customer_id=customer.id,
                    status=WaitingListStatus.WAITING,
                    created_at=self.now - timedelta(hours=30 - offset * 6),
                )
            )

    def _past_session(self, spec: _PastSessionSpec) -> None:
        course_spec = self._spec_of(spec.course)
        start = self.today - timedelta(days=spec.days_ago)
        while not _fits_week(start, course_spec.duration_days):
            start -= timedelta(days=1)
        item = self._session(course_spec, self.courses[spec.course], start, staffed=True)
        self.past.append(item)
        students = list(self.customers.values())
        self.rng.shuffle(students)
        if spec.with_demo_student:
            students.sort(key=lambda c: c.email != DEMO_STUDENT)
        for customer in students[: min(spec.bookings, item.available_spots)]:
            created = item.starts_at - timedelta(days=self.rng.randint(5, 25), minutes=self.rng.randint(0, 600))
            if customer.company_name:
                booking = self._confirmed(item, customer, PaymentOption.INVOICE, created)
                self._pay_in_full(booking, PaymentMethod.BANK_TRANSFER, created + timedelta(days=3))
            else:
                self._confirmed(item, customer, PaymentOption.FULL, created)

    async def _delivered(self, item: CourseSession) -> None:
        """A past session as the product records one: the instructor keeps the register each day, then
        completes it, which issues the certificates (emailed) and asks for feedback; most answer."""
        staff = self.instructor
        role = StaffRole.INSTRUCTOR if staff is not None and item.instructor_id == staff.id else StaffRole.ADMIN
        bookings = [b for b in self.bookings if b.session_id == item.id and b.status is BookingStatus.CONFIRMED]
        by_id = {c.id: c for c in self.customers.values()}
        for day in attendance.session_days(item):
            for booking in bookings:
                roll = self.rng.random()
                status = AttendanceStatus.PRESENT
                if by_id[booking.customer_id].email != DEMO_STUDENT:
                    status = AttendanceStatus.ABSENT if roll < 0.07 else AttendanceStatus.LATE if roll < 0.2 else status
                marked = self._moment(day, item.start_time) + timedelta(minutes=self.rng.randint(-20, 25))
                ctx = self._context(role, marked)
                await attendance.record_attendance(self.session, ctx, booking.id, day, status)
        finished = self._moment(item.end_date, item.end_time) + timedelta(minutes=25)
        await completion.complete_session(self.session, self._context(role, finished), item.id)
        for booking in bookings:
            if self.rng.random() < 0.75:
                answered = finished + timedelta(hours=self.rng.randint(3, 60))
                rating, went_well, to_improve = self.rng.choice(_FEEDBACK)
                await feedback.give_feedback(
                    self.session,
                    self._context(None, answered),
                    booking.id,
                    feedback.feedback_token(booking.id),
                    rating=rating,
                    went_well=went_well,
                    to_improve=to_improve,
                )

    def _context(self, role: StaffRole | None, at: datetime) -> TenantContext:
        actor = "system"
        if role is StaffRole.INSTRUCTOR and self.instructor is not None:
            actor = self.instructor.name
        elif role is StaffRole.ADMIN:
            actor = self.admin_name
        user_id = self.instructor.id if role is StaffRole.INSTRUCTOR and self.instructor else None
        return TenantContext(tenant=self.tenant, actor=actor, role=role, user_id=user_id, clock=lambda: at)

    @staticmethod
    def _holds_place(booking: Booking, item: CourseSession) -> bool:
        return booking.session_id == item.id and booking.status in LIVE_BOOKING_STATUSES

    def _count_places(self) -> None:
        """Set each session's booked_spots from its live bookings: the count the booking engine keeps."""
        counts = Counter(b.session_id for b in self.bookings if b.status in LIVE_BOOKING_STATUSES)
        for item in self.all_sessions:
            item.booked_spots = counts[item.id]
            if item.booked_spots > item.available_spots:
                raise ValueError(f"demo session {item.id} would be overbooked")

    def _audit(self, at: datetime, action: str, entity_type: str, entity_id: str, **details: object) -> None:
        self._add(
            AuditEntry(
                id=new_id(),
                tenant_id=self.tenant.id,
                actor=ACTOR,
                action=action,
                entity_type=entity_type,
                entity_id=entity_id,
                details=details,
                created_at=at,
            )
        )


async def database_is_empty(session: AsyncSession) -> bool:
    """Whether no centre exists at all."""
    return await session.scalar(select(Tenant.id).limit(1)) is None


async def seed_demo(session: AsyncSession, *, today: date | None = None) -> bool:
    """Create the two demo centres if they are missing; True if anything was created. Idempotent."""
    slugs = [centre.slug for centre in _CENTRES]
    existing = set(await session.scalars(select(Tenant.slug).where(Tenant.slug.in_(slugs))))
    missing = [centre for centre in _CENTRES if centre.slug not in existing]
    if not missing:
        return False
    # argon2 is deliberately slow: hash once, off the event loop, and share it across every demo login.
    password_hash = await asyncio.to_thread(hash_password, DEMO_PASSWORD)
    for centre in missing:
        await _CentreWriter(session, centre, password_hash, today or date.today()).write()
    return True
