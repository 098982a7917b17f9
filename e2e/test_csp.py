"""The Content-Security-Policy holds in the browser: every page of every role, before and
after an htmx swap on it, the duty log on a tablet online and offline, and the office's
review, run without a single violation or script error."""

import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from app.extensions import db
from app.models import Property, Role, User
from e2e.support import (
    DESKTOP,
    ROLES,
    open_user_menu,
    png,
    sign_in,
    write_entry,
)

# Every violation is reported from the page itself, and every htmx swap is counted, so
# that a test can wait for its swap to be over.
REPORT_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', (event) => {
  const where = `${event.sourceFile}:${event.lineNumber} ${event.sample}`;
  const what = `${event.violatedDirective} ${event.blockedURI}`;
  window.kefuViolation(`${location.pathname} ${what} ${where}`);
});
window.kefuSwaps = 0;
document.addEventListener('htmx:afterSettle', () => { window.kefuSwaps += 1; });
"""
CSP_MESSAGE = re.compile(r"Content Security Policy|Refused to (execute|load|apply|evaluate)")
# A violation event is queued as a task: two frames on, every one of a swap has fired.
EVENTS_DELIVERED = """() => new Promise((resolve) =>
  requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(resolve))))"""


@pytest.fixture
def problems():
    """What went wrong in the pages of the contexts given to ``watch``."""
    found: list[str] = []

    def watch(context: BrowserContext) -> None:
        context.expose_binding("kefuViolation", lambda _source, text: found.append(text))
        context.add_init_script(REPORT_VIOLATIONS)
        context.on("page", lambda page: watch_page(page))
        for page in context.pages:
            watch_page(page)

    def console(message) -> None:
        if CSP_MESSAGE.search(message.text):
            found.append(f"console: {message.text}")

    def watch_page(page: Page) -> None:
        page.on("pageerror", lambda error: found.append(f"pageerror: {error}"))
        page.on("console", console)

    watch.found = found
    return watch


def delivered(page: Page) -> None:
    """Wait until what the page has done so far has reported its violations, if any."""
    page.wait_for_load_state("load")
    page.evaluate(EVENTS_DELIVERED)


def htmx_action(page: Page) -> str | None:
    """Do what a person would do on the page that htmx answers in place (follow a link,
    change a filter, open a form), wait until the swap has settled and return what was
    done; None when the page has nothing of the kind."""
    swaps = page.evaluate("window.kefuSwaps")
    main = page.locator("main")
    link = main.locator("a[hx-get]").filter(visible=True)
    choice = main.locator("form[hx-trigger~='change'] select").filter(visible=True)
    opener = main.locator("form[hx-get] button").filter(visible=True)
    if link.count():
        done = f"link {link.first.inner_text()}"
        link.first.click()
    elif choice.count():
        done = f"choice {choice.first.get_attribute('name')}"
        choice.first.select_option(index=1)
    elif opener.count():
        done = f"button {opener.first.inner_text()}"
        opener.first.click()
    else:
        return None
    page.wait_for_function("(swaps) => window.kefuSwaps > swaps", arg=swaps)
    return done


@pytest.mark.parametrize(("username", "viewport"), ROLES)
def test_every_page_of_every_role_runs_under_the_policy(new_page, problems, username, viewport):
    page = new_page(viewport)
    problems(page.context)
    sign_in(page, username)
    links = page.locator("nav.jobs a").evaluate_all("(links) => links.map((a) => a.href)")
    assert links
    swapped = []
    for link in links:
        page.goto(link)
        delivered(page)
        done = htmx_action(page)
        if done:
            swapped.append(done)
            delivered(page)
        if page.url != link:
            # htmx put its answer in the history: going back restores the page it kept.
            page.go_back()
            expect(page).to_have_url(link)
            delivered(page)
    open_user_menu(page)
    if page.locator("#sync-chip").count():
        page.locator("#sync-chip").click()
        expect(page.locator("#sync-queue")).to_be_visible()
    delivered(page)
    assert problems.found == [], f"after {swapped}"


def test_the_duty_log_on_a_tablet_runs_under_the_policy(tablet, problems):
    page = tablet("floor1")
    problems(page.context)
    page.goto("/duty/")
    write_entry(page, "策略检查：在线", photos=1)
    expect(page.locator("#duty-result")).to_contain_text("服务器已收到")

    page.context.set_offline(True)
    page.reload()
    page.get_by_label("情况记录").fill("策略检查：离线")
    page.get_by_label("照片").set_input_files(
        [{"name": "p.png", "mimeType": "image/png", "buffer": png(40, 30)}]
    )
    expect(page.locator(".photo-capture .thumbs img")).to_have_count(1)
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#sync-chip")).to_contain_text("1 条待同步")
    page.locator("#sync-chip").click()
    page.locator("#sync-queue [data-sync-now]").click()
    expect(page.locator("#sync-queue .queue-status")).to_have_text("当前离线，联网后自动同步。")
    page.locator("#sync-queue [data-close]").click()

    page.context.set_offline(False)
    expect(page.locator("#sync-chip")).to_contain_text("全部已同步", timeout=15_000)
    open_user_menu(page)
    page.get_by_role("link", name="项目概况").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("项目概况")
    assert problems.found == []


def test_the_office_review_runs_under_the_policy(new_page, live_server, problems):
    with live_server.app.app_context():
        demo = db.session.scalars(db.select(User).where(User.username == "office1")).one()
        office = User(username="csp-office", display_name="策略客服", role=Role.OFFICE)
        office.set_password("kefu-demo")
        office.properties = [*demo.properties, Property(code="CSP", name="策略大厦")]
        db.session.add(office)
        db.session.commit()
    page = new_page(DESKTOP)
    problems(page.context)
    sign_in(page, "csp-office")
    page.goto("/duty/review")
    page.get_by_label("类别").select_option(index=1)
    expect(page).to_have_url(re.compile(r"category="))
    page.goto("/sync/problems")
    expect(page.get_by_role("heading", level=1)).to_have_text("同步异常")
    # The property switch submits itself when the choice changes (header.js).
    open_user_menu(page).get_by_label("项目").select_option(label="策略大厦")
    expect(page.locator("header .where")).to_have_text("策略大厦")
    open_user_menu(page).get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Service centre")
    open_user_menu(page).get_by_role("button", name="中文").click()
    assert problems.found == []
