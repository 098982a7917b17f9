"""The gate tablet with 5,000 live passes: how long its pull takes (photos included), and
how long a check takes from a typed number or a scan to the answer on screen.

    .venv/bin/python bench/gate_bench.py [--passes 5000] [--checks 100]

SQLite in a temporary folder; the real app served by werkzeug in a thread; Debian's
Chromium (or Playwright's). Prints figures, asserts nothing about time.
"""

import argparse
import base64
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright  # noqa: E402
from sqlalchemy import select  # noqa: E402

from app.extensions import db  # noqa: E402
from app.gate.demo import DEMO_PHOTO, demo_id_number  # noqa: E402
from app.gate.issue import issue_pass  # noqa: E402
from app.gate.models import Permit  # noqa: E402
from app.gate.sync import pass_qr  # noqa: E402
from app.models import Property  # noqa: E402
from e2e.support import (  # noqa: E402
    LOOPBACK_ONLY,
    TABLET_PORTRAIT,
    WORKER_READY,
    chromium_path,
    serve_demo,
    sign_in,
)

# A worker's face is not a flat colour: a thumbnail of noise is as large as a real one.
NOISY_THUMBNAIL = """() => {
  const canvas = document.createElement('canvas');
  canvas.width = 120; canvas.height = 150;
  const context = canvas.getContext('2d');
  const pixels = context.createImageData(120, 150);
  for (let i = 0; i < pixels.data.length; i += 4) {
    const shade = 90 + ((i * 7919) % 97) + Math.floor(Math.random() * 40);
    pixels.data[i] = shade; pixels.data[i + 1] = shade - 10; pixels.data[i + 2] = shade - 20;
    pixels.data[i + 3] = 255;
  }
  context.putImageData(pixels, 0, 0);
  return canvas.toDataURL('image/jpeg', 0.7);
}"""
# A check until its answer is on screen (the next frame): a number typed into the field
# and submitted, or a code as the scanner announces it once decoded.
CHECK_ON_SCREEN = """async ([how, value]) => {
  const state = document.getElementById('answer-state');
  state.textContent = '';
  const started = performance.now();
  if (how === 'typed') {
    const form = document.getElementById('check-form');
    form.elements.number.value = String(value);
    form.requestSubmit();
  } else {
    const detail = { text: value };
    const scanner = document.getElementById('gate-scanner');
    scanner.dispatchEvent(new CustomEvent('qr-scanned', { bubbles: true, detail }));
  }
  while (!state.textContent) await new Promise((done) => setTimeout(done, 0));
  await new Promise((done) => requestAnimationFrame(done));
  const inner = Number(document.body.dataset.lastCheckMs);
  return [performance.now() - started, inner, state.textContent];
}"""


def summary(name: str, values: list[float]) -> str:
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
    return (
        f"{name}: median {statistics.median(values):.1f} ms, p95 {p95:.1f} ms, "
        f"max {values[-1]:.1f} ms over {len(values)}"
    )


def add_passes(app, count: int, thumbnail: str) -> list[tuple[int, str]]:
    rng = random.Random(5000)
    today = datetime.now(UTC).date()
    with app.app_context():
        prop = db.session.scalar(select(Property).where(Property.code == "DEMO"))
        started = time.perf_counter()
        made = []
        for unit_index in range(count // 50 + 1):
            permit = Permit(
                property_id=prop.id,
                unit=f"{unit_index + 1:02d}01室",
                owner="业主",
                company="装修公司",
                foreman="师傅",
                foreman_phone="13800000000",
                starts_on=today - timedelta(days=5),
                ends_on=today + timedelta(days=60),
                hours=[["00:00", "00:00"]],
                days=list(range(7)),
            )
            db.session.add(permit)
            db.session.flush()
            for _ in range(min(50, count - len(made))):
                worker_pass = issue_pass(
                    permit,
                    (DEMO_PHOTO, "image/jpeg", thumbnail),
                    number=len(made) + 1,
                    name=f"工人{len(made) + 1}",
                    id_number=demo_id_number(rng),
                    phone="13900000000",
                    trade="木工",
                    valid_from=permit.starts_on,
                    valid_until=permit.ends_on,
                )
                made.append(worker_pass)
        db.session.commit()
        print(f"issued {len(made)} passes with photos in {time.perf_counter() - started:.1f} s")
        return [(p.number, pass_qr(p)) for p in made]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=5000)
    parser.add_argument("--checks", type=int, default=100)
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="gate-bench-"))
    url = f"sqlite:///{folder / 'kefu.sqlite3'}"
    server = serve_demo(url)
    app = server.app
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(),
            args=LOOPBACK_ONLY,
        )
        context = browser.new_context(viewport=TABLET_PORTRAIT, base_url=server.url)
        page = context.new_page()
        page.goto("/auth/login")
        thumbnail = page.evaluate(NOISY_THUMBNAIL)
        print(f"thumbnail: {len(base64.b64decode(thumbnail.split(',')[1]))} bytes as JPEG")
        passes = add_passes(app, options.passes, thumbnail)

        page.context.set_default_timeout(300_000)
        pulled = {}

        def timed_pull(route):
            started = time.perf_counter()
            response = route.fetch()
            body = response.body()
            pulled.setdefault("seconds", time.perf_counter() - started)
            pulled.setdefault("bytes", len(body))
            route.fulfill(response=response)

        page.route("**/sync/pull", timed_pull)
        started = time.perf_counter()
        sign_in(page, "guard1")
        page.evaluate(WORKER_READY)
        page.goto("/gate/")
        page.wait_for_function(
            "() => document.getElementById('list-age').textContent.includes('名单更新于')"
        )
        loaded = time.perf_counter() - started
        print(
            f"pull of {options.passes} passes with photos: server reply "
            f"{pulled['seconds']:.2f} s, {pulled['bytes'] / 1e6:.1f} MB; sign-in to the list "
            f"on the tablet (IndexedDB written, page loaded) {loaded:.2f} s"
        )
        page.wait_for_function("() => document.body.dataset.offlinePages !== undefined")
        page.context.set_offline(True)
        rng = random.Random(1)
        sample = [rng.choice(passes) for _ in range(options.checks)]
        # The first check loads the list into memory.
        page.evaluate(CHECK_ON_SCREEN, ["typed", sample[0][0]])
        typed = [page.evaluate(CHECK_ON_SCREEN, ["typed", number]) for number, _qr in sample]
        scanned = [page.evaluate(CHECK_ON_SCREEN, ["scanned", qr]) for _number, qr in sample]
        states = {state for _total, _inner, state in typed + scanned}
        print(f"answers shown: {sorted(states)}")
        print(summary("typed number → answer on screen", [t for t, _i, _s in typed]))
        print(summary("  of which the check itself", [i for _t, i, _s in typed]))
        print(summary("scan announced → answer on screen", [t for t, _i, _s in scanned]))
        print(summary("  of which the check itself", [i for _t, i, _s in scanned]))
        browser.close()
    server.stop()


if __name__ == "__main__":
    main()
