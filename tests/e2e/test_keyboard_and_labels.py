"""The requirement "It works on a phone (375 px) and a desktop; it can be used with the keyboard; every input
has a label", checked in Chromium on the public site, the booking wizard, the pay page and the sign-in pages.

- A student books and pays with the keyboard alone, from a course page to the booking reference, and the main
  buttons show where the focus is.
- Every visible input, select, textarea, combobox, checkbox and radio has a label (a non-empty accessible name
  as Chromium's own accessibility tree computes it, what a screen reader announces), at 1280 px and 375 px.
- At 375 px no page scrolls sideways.
- Going round each page with Tab stops only on named controls, and whatever looks clickable is reachable
  (the password fields' Show password toggle among them).
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from PIL import Image, ImageChops
from playwright.async_api import Browser, CDPSession, Locator, Page, expect

from tests.e2e.conftest import screenshot_path

pytestmark = pytest.mark.e2e

SLUG = "bristol-gas-training"
PHONE, DESKTOP = 375, 1280
FIELDS = "input, select, textarea, [role=combobox], [role=checkbox], [role=radio]"
MAX_TABS = 40  # more than any page here needs to go round once, header and footer included
FOCUS_DELTA = 24  # a pixel "changes" when one of its channels moves by at least this much (of 255)


@dataclass(frozen=True)
class Pick:
    """A course with two or more open dates: the student enters the wizard from one and books the other."""

    course_id: str
    entry_session_id: str
    session_id: str


def _pick_course(base: str) -> Pick:
    """A course whose later date has room for this module's bookings, entered from another of its dates."""
    api = f"{base}/api/tenant/{SLUG}"
    for course in httpx.get(f"{api}/courses", timeout=10).json()["items"]:
        sessions = [
            item
            for item in httpx.get(f"{api}/courses/{course['id']}/sessions", timeout=10).json()["items"]
            if item["isActive"] and not item["isCompleted"]
        ]
        roomy = [item for item in sessions[1:] if item["remainingSpots"] >= 4]
        if roomy:
            return Pick(course["id"], sessions[0]["id"], roomy[0]["id"])
    raise AssertionError("the demo data has no course with a second date that has four places free")


async def _focused(page: Page) -> str:
    """What has the focus, for a failure message: tag, role and name or text."""
    return await page.evaluate(
        """() => {
            const e = document.activeElement;
            if (!e || e === document.body) return 'nothing (the page body)';
            const name = e.getAttribute('aria-label') || (e.innerText || e.value || '').trim().slice(0, 60);
            const role = e.getAttribute('role');
            return `<${e.tagName.toLowerCase()}${role ? ` role=${role}` : ''}> "${name.replace(/\\s+/g, ' ')}"`;
        }"""
    )


async def _has_focus(target: Locator) -> bool:
    return await target.evaluate("e => e === document.activeElement")


async def tab_to(page: Page, target: Locator, what: str, *, backwards: bool = False) -> None:
    """Press Tab (Shift+Tab with `backwards`) until `target` has the focus, as a keyboard user would.

    Counts no tabs in advance, so the test survives a change of layout; fails naming `what` and where the
    focus was left when `MAX_TABS` presses do not reach it."""
    await expect(target, f"{what} is not on the page").to_be_visible()
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(MAX_TABS):
        if await _has_focus(target):
            return
        await page.keyboard.press(key)
    if not await _has_focus(target):
        raise AssertionError(
            f"{what} cannot be reached with the keyboard: {MAX_TABS} presses of {key} on {page.url} "
            f"never focused it (focus ended on {await _focused(page)})"
        )


async def _look(page: Page, target: Locator) -> Image.Image:
    """The target and a 4 px margin around it (where a focus ring would be drawn), transitions finished."""
    box = await target.bounding_box()
    assert box is not None, "the target has no box on screen"
    pad = 4
    clip = {
        "x": box["x"] - pad,
        "y": box["y"] - pad,
        "width": box["width"] + 2 * pad,
        "height": box["height"] + 2 * pad,
    }
    shot = await page.screenshot(clip=clip, animations="disabled", caret="hide")
    return Image.open(io.BytesIO(shot)).convert("RGB")


async def tab_to_and_see_focus(page: Page, target: Locator, what: str) -> None:
    """`tab_to`, and the focus shows: the target looks different focused than before it had the focus.

    Compared pixel by pixel, since a Quasar button shows its focus with an overlay rather than an outline or
    box-shadow: at least as many pixels as a 1 px ring around the target must change by `FOCUS_DELTA`."""
    await expect(target, f"{what} is not on the page").to_be_visible()
    await target.scroll_into_view_if_needed()
    assert not await _has_focus(target), f"{what} had the focus already"
    before = await _look(page, target)
    await tab_to(page, target, what)
    after = await _look(page, target)
    width, height = min(before.width, after.width), min(before.height, after.height)
    box = (0, 0, width, height)
    difference = ImageChops.difference(before.crop(box), after.crop(box))
    strongest = ImageChops.lighter(ImageChops.lighter(*difference.split()[:2]), difference.split()[2])
    changed = strongest.point(lambda value: 255 if value >= FOCUS_DELTA else 0).histogram()[255]
    ring = 2 * (width + height)
    assert changed >= ring, (
        f"focus is not visible on {what} ({page.url}): only {changed} pixels change when it takes the focus, "
        f"fewer than a 1 px ring around it ({ring})"
    )


async def test_book_and_pay_with_the_keyboard_alone(live_server: str, browser: Browser) -> None:
    """From a course page to the booking reference with Tab, Shift+Tab, Enter, Space and typing: no mouse."""
    pick = _pick_course(live_server)
    page = await browser.new_page(viewport={"width": DESKTOP, "height": 900})
    await page.goto(f"{live_server}/{SLUG}/courses/{pick.course_id}")

    # The course page: the Book button of the first date opens the wizard.
    entry = page.locator(".q-card", has=page.locator(f'[data-session-places="{pick.entry_session_id}"]'))
    await tab_to_and_see_focus(page, entry.get_by_role("button", name="Book"), "the course page's first Book button")
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"**/{SLUG}/courses/{pick.course_id}/book?session={pick.entry_session_id}")

    # Step 1: choose the other date. The radios come in the order of the dates listed under them.
    listed = page.locator("[data-session-places]")
    await expect(listed.first).to_be_visible()
    order = await listed.evaluate_all("labels => labels.map(label => label.dataset.sessionPlaces)")
    dates = page.get_by_role("radio")
    await expect(dates).to_have_count(len(order))
    wanted = dates.nth(order.index(pick.session_id))
    await expect(dates.nth(order.index(pick.entry_session_id))).to_have_attribute("aria-checked", "true")
    await tab_to(page, wanted, "the radio of the date to book")
    await page.keyboard.press("Space")
    await expect(wanted).to_have_attribute("aria-checked", "true")
    await tab_to_and_see_focus(page, page.get_by_role("button", name="Next"), "Next on the date step")
    await page.keyboard.press("Enter")

    # Step 2: details, as a guest.
    email = f"keys-{uuid.uuid4().hex[:8]}@example.com"
    for label, text in (("First name", "Kim"), ("Last name", "Keys"), ("Email", email)):
        await tab_to(page, page.get_by_label(label, exact=True), f"the {label} input")
        await page.keyboard.type(text)
    await tab_to(page, page.get_by_label("Special requests (optional)"), "the Special requests input")
    await page.keyboard.type("Step-free access, please")
    await tab_to_and_see_focus(page, page.get_by_role("button", name="Next"), "Next on the details step")
    await page.keyboard.press("Enter")

    # Step 3: payment. Choosing works both ways: the deposit, then back to paying in full.
    in_full = page.get_by_role("radio", name="Pay in full")
    deposit = page.get_by_role("radio", name="deposit")
    await expect(in_full).to_be_visible()
    if await deposit.count():
        await tab_to(page, deposit, "the deposit radio")
        await page.keyboard.press("Space")
        await expect(deposit).to_have_attribute("aria-checked", "true")
        await tab_to(page, in_full, "the Pay in full radio", backwards=True)
    else:
        await tab_to(page, in_full, "the Pay in full radio")
    await page.keyboard.press("Space")
    await expect(in_full).to_have_attribute("aria-checked", "true")
    await tab_to_and_see_focus(page, page.get_by_role("button", name="Next"), "Next on the payment step")
    await page.keyboard.press("Enter")

    # Step 4: review, and book.
    await expect(page.get_by_text(f"For: Kim Keys ({email})")).to_be_visible()
    await expect(page.get_by_text(re.compile(r"^Pay in full: .+ to pay now$"))).to_be_visible()
    accept = page.get_by_role("checkbox", name="I accept the terms")
    await tab_to_and_see_focus(page, accept, "the terms' checkbox")
    await page.keyboard.press("Space")
    await expect(accept).to_have_attribute("aria-checked", "true")
    await tab_to_and_see_focus(page, page.get_by_role("button", name="Book now"), "Book now")
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"**/{SLUG}/pay/*")

    # The pay page, in test mode.
    reference = page.url.rsplit("/", 1)[-1].split("?")[0]  # the pay link: the reference, then its token
    await tab_to_and_see_focus(page, page.get_by_role("button", name=re.compile(r"^Pay .+ \(test\)$")), "Pay (test)")
    await page.keyboard.press("Enter")
    await expect(page.get_by_text("your place is confirmed and paid")).to_be_visible()
    await expect(page.get_by_text("Your booking reference", exact=True)).to_be_visible()
    await expect(page.get_by_text(reference, exact=True)).to_be_visible()
    await page.screenshot(path=screenshot_path("keyboard-booking-confirmed-1280"), full_page=True)


# --- the checks made on every page -------------------------------------------------------------------------

_MARK_FIELDS = """(selector) => {
    document.querySelectorAll('[data-label-probe]').forEach(e => e.removeAttribute('data-label-probe'));
    const found = [];
    for (const element of document.querySelectorAll(selector)) {
        const box = element.getBoundingClientRect();
        if (!element.checkVisibility({visibilityProperty: true}) || box.width === 0 || box.height === 0) continue;
        const number = String(found.length);
        element.setAttribute('data-label-probe', number);
        const attributes = ['type', 'role', 'id', 'name', 'placeholder']
            .filter(name => element.getAttribute(name))
            .map(name => `${name}=${element.getAttribute(name)}`);
        const near = (element.closest('label, .q-field, .q-checkbox, .q-radio') || element.parentElement);
        found.push({
            number,
            described: `<${element.tagName.toLowerCase()} ${attributes.join(' ')}>`,
            near: (near.innerText || '').trim().replace(/\\s+/g, ' ').slice(0, 60),
        });
    }
    return found;
}"""


async def _accessibility(cdp: CDPSession, expression: str) -> dict[str, Any]:
    """Chromium's accessibility node of the element `expression` evaluates to: role, name and its sources."""
    handle = await cdp.send("Runtime.evaluate", {"expression": expression})
    tree = await cdp.send(
        "Accessibility.getPartialAXTree", {"objectId": handle["result"]["objectId"], "fetchRelatives": False}
    )
    return tree["nodes"][0]


def _name_and_source(node: dict[str, Any]) -> tuple[str, str]:
    """The accessible name and where it came from (aria-label, a <label>, contents, placeholder, ...)."""
    name = node.get("name", {})
    used = next((s for s in name.get("sources", []) if "value" in s and not s.get("superseded")), {})
    return str(name.get("value", "")).strip(), str(used.get("type", ""))


async def unlabelled(page: Page, cdp: CDPSession, where: str) -> list[str]:
    """Each visible form field of the page without a label, named with the page and the field.

    The name is Chromium's own (Accessibility.getPartialAXTree), what a screen reader announces: from
    aria-labelledby, aria-label, <label for>, a wrapping <label>, a radio's or checkbox's text. A placeholder
    alone is no label: it is gone once something is typed."""
    fields: list[dict[str, Any]] = await page.evaluate(_MARK_FIELDS, FIELDS)
    problems = []
    for field in fields:
        node = await _accessibility(cdp, f"document.querySelector('[data-label-probe=\"{field['number']}\"]')")
        name, source = _name_and_source(node)
        what = f"{where}: {field['described']} near {field['near']!r}"
        if node.get("ignored"):
            problems.append(f"{what} is hidden from assistive technology")
        elif not name:
            problems.append(f"{what} has no accessible name")
        elif source == "placeholder":
            problems.append(f"{what} is named only by its placeholder {name!r}")
    return problems


async def sideways_scroll(page: Page, where: str) -> list[str]:
    """At a phone's width, the page must not be wider than the window; names what sticks out if it is."""
    wide = await page.evaluate(
        """() => {
            const width = window.innerWidth;
            if (document.documentElement.scrollWidth <= width + 1) return null;
            const out = [...document.body.querySelectorAll('*')]
                .filter(e => e.getBoundingClientRect().right > width + 1 && e.children.length === 0)
                .slice(0, 3)
                .map(e => `<${e.tagName.toLowerCase()} class="${e.getAttribute('class')}"> "${e.innerText || ''}"`);
            return `${document.documentElement.scrollWidth} px wide in a ${width} px window; sticking out: ${out}`;
        }"""
    )
    return [] if wide is None else [f"{where} scrolls sideways at {PHONE} px: {wide}"]


CONTROL_ROLES = {
    "button",
    "checkbox",
    "combobox",
    "Date",
    "link",
    "menuitem",
    "radio",
    "searchbox",
    "spinbutton",
    "switch",
    "tab",
    "textbox",
}

_NEXT_STOP = """() => {
    const element = document.activeElement;
    if (!element || element === document.body || element === document.documentElement) return {stop: null};
    if (element.hasAttribute('data-tab-stop')) return {stop: element.getAttribute('data-tab-stop'), seen: true};
    const stop = String(document.querySelectorAll('[data-tab-stop]').length);
    element.setAttribute('data-tab-stop', stop);
    const text = (element.innerText || '').trim().replace(/\\s+/g, ' ').slice(0, 60);
    const tag = `<${element.tagName.toLowerCase()} class="${element.getAttribute('class')}">`;
    return {stop, seen: false, described: `${tag} "${text}"`};
}"""


async def dead_tab_stops(page: Page, cdp: CDPSession, where: str) -> list[str]:
    """Tab once round the whole page: every stop must be a control (link, button, field, ...) with a name.

    A stop that is not one (a focusable <div>, say) is a key press that leads nowhere and that a screen reader
    announces as nothing in particular."""
    await page.evaluate(
        "() => document.querySelectorAll('[data-tab-stop]').forEach(e => e.removeAttribute('data-tab-stop'))"
    )
    problems = []
    last = None
    for _ in range(3 * MAX_TABS):
        await page.keyboard.press("Tab")
        found = await page.evaluate(_NEXT_STOP)
        stop = found["stop"]
        if stop is None:
            continue
        if found["seen"]:
            # Round once when the first stop comes back; a date input keeps the focus for its day, month and year.
            if stop == "0" and last != "0":
                return problems
            last = stop
            continue
        last = stop
        node = await _accessibility(cdp, "document.activeElement")
        role = str(node.get("role", {}).get("value", ""))
        name, _source = _name_and_source(node)
        if role not in CONTROL_ROLES:
            problems.append(f"{where}: tab stop {found['described']} is a {role!r}, not a link, button or field")
        elif not name:
            problems.append(f"{where}: tab stop {found['described']} ({role}) has no accessible name")
    problems.append(f"{where}: Tab never came round to the first stop again in {3 * MAX_TABS} presses")
    return problems


async def clickable_but_unreachable(page: Page, where: str) -> list[str]:
    """What looks clickable (it sets `cursor: pointer`) must be reachable with Tab: focusable itself, inside
    something focusable, or wrapping something focusable (as a field's <label> does)."""
    found: list[str] = await page.evaluate(
        """() => {
            const focusable = 'a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])';
            const out = [];
            for (const element of document.body.querySelectorAll('*')) {
                if (getComputedStyle(element).cursor !== 'pointer') continue;
                const parent = element.parentElement;
                if (parent && getComputedStyle(parent).cursor === 'pointer') continue;  // inherited
                const box = element.getBoundingClientRect();
                if (!box.width || !box.height || !element.checkVisibility({visibilityProperty: true})) continue;
                if (element.closest(focusable) || element.querySelector(focusable)) continue;
                out.push(element.outerHTML.slice(0, 160));
            }
            return out;
        }"""
    )
    return [f"{where}: {html} is clickable but cannot be reached with the keyboard" for html in found]


# --- every page of the public site, the wizard step by step, and the sign-in pages ---------------------------

Check = Callable[[str], Awaitable[list[str]]]


async def walk(page: Page, base: str, pick: Pick, check: Check) -> list[str]:
    """Visit each page under test, and each wizard step, calling `check(where)` once it shows; answers what the
    checks found. Books a place and pays for it in test mode on the way (with the mouse: this is not the
    keyboard test)."""
    problems: list[str] = []

    async def here(where: str, ready: Locator) -> None:
        await expect(ready, f"{where} did not show {ready}").to_be_visible()
        problems.extend(await check(where))

    async def visit(where: str, path: str, ready: Locator) -> None:
        await page.goto(f"{base}{path}")
        await here(where, ready)

    await visit("the centre's home page", f"/{SLUG}", page.get_by_text("Upcoming sessions"))
    await visit("the catalogue", f"/{SLUG}/courses", page.get_by_label("Search courses"))
    await visit("a course page", f"/{SLUG}/courses/{pick.course_id}", page.get_by_text("Dates", exact=True))

    wizard = f"/{SLUG}/courses/{pick.course_id}/book?session={pick.session_id}"
    await visit("wizard step 1 (date)", wizard, page.get_by_role("radio").first)
    await page.get_by_role("button", name="Next").click()
    await here("wizard step 2 (details)", page.get_by_label("First name"))
    await page.get_by_label("First name").fill("Lena")
    await page.get_by_label("Last name").fill("Label")
    await page.get_by_label("Email", exact=True).fill(f"labels-{uuid.uuid4().hex[:8]}@example.com")
    await page.get_by_role("checkbox", name="Booking for a company").click()
    await here("wizard step 2 (details, for a company)", page.get_by_label("Company name"))
    await page.get_by_label("Company name").fill("Label & Co")
    await page.get_by_role("button", name="Next").click()
    await here("wizard step 3 (payment)", page.get_by_role("radio", name="Pay in full"))
    await page.get_by_role("radio", name="Pay in full").click()
    await page.get_by_role("button", name="Next").click()
    await here("wizard step 4 (review)", page.get_by_role("button", name="Book now"))
    await page.get_by_role("checkbox", name="I accept the terms").click()
    await page.get_by_role("button", name="Book now").click()
    await page.wait_for_url(f"**/{SLUG}/pay/*")
    await here("the pay page", page.get_by_role("button", name="(test)").first)
    await page.get_by_role("button", name="(test)").first.click()
    await here("the confirmation", page.get_by_text("your place is confirmed and paid"))

    await visit("the terms", f"/{SLUG}/terms", page.get_by_text("Terms and conditions", exact=True))
    await visit("the privacy notice", f"/{SLUG}/privacy", page.get_by_text("Privacy notice", exact=True))
    await visit("the student sign-in page", f"/{SLUG}/login", page.get_by_label("Password"))
    await visit("the sign-up page", f"/{SLUG}/signup", page.get_by_label("Repeat password"))
    await visit("the staff sign-in page", f"/{SLUG}/admin/login", page.get_by_label("Password"))
    return problems


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
async def test_every_input_has_a_label_and_phones_never_scroll_sideways(
    live_server: str, browser: Browser, width: int
) -> None:
    """Home, catalogue, course page, each wizard step, the pay page (before and after paying) and the three
    sign-in pages: every visible field has a label; at 375 px none of them scrolls sideways."""
    page = await browser.new_page(viewport={"width": width, "height": 800})
    cdp = await page.context.new_cdp_session(page)

    async def check(where: str) -> list[str]:
        found = await unlabelled(page, cdp, where)
        return found + (await sideways_scroll(page, where) if width == PHONE else [])

    problems = await walk(page, live_server, _pick_course(live_server), check)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", ["login", "signup", "admin/login"])
async def test_show_password_works_with_the_keyboard(live_server: str, browser: Browser, path: str) -> None:
    """The password field's Show password toggle is a button Tab reaches, and Enter turns it on and off."""
    page = await browser.new_page(viewport={"width": DESKTOP, "height": 800})
    await page.goto(f"{live_server}/{SLUG}/{path}")
    password = page.get_by_label("Password", exact=True)
    toggle = page.get_by_role("button", name="Show password")
    await tab_to(page, password, "the Password input")
    await page.keyboard.type("secret-words")
    await tab_to(page, toggle, "the Show password button")
    await page.keyboard.press("Enter")
    await expect(password).to_have_attribute("type", "text")
    await expect(toggle).to_have_attribute("aria-pressed", "true")
    await page.keyboard.press("Enter")
    await expect(password).to_have_attribute("type", "password")
    await expect(password).to_have_value("secret-words")


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
async def test_every_tab_stop_is_a_control_and_everything_clickable_is_reachable(
    live_server: str, browser: Browser, width: int
) -> None:
    """The same pages, gone round with Tab: no stop that is not a named control, nothing clickable left out.

    KNOWN DEFECT (pages/shop/home.py, centre home): each category chip is a clickable q-chip (tabindex=0) inside
    its <a>, so every category takes two Tab presses and the second stop, a bare <div>, does nothing on Enter
    or Space. This test fails on it ("the centre's home page: tab stop <div class="q-chip ...">") until the
    chip drops `clickable`."""
    page = await browser.new_page(viewport={"width": width, "height": 800})
    cdp = await page.context.new_cdp_session(page)

    async def check(where: str) -> list[str]:
        return await dead_tab_stops(page, cdp, where) + await clickable_but_unreachable(page, where)

    problems = await walk(page, live_server, _pick_course(live_server), check)
    # KNOWN DEFECT, pages/shop/home.py (centre home, category chips): fails until the chip drops `clickable`.
    assert not problems, "\n".join(problems)
