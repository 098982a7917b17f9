"""Lighthouse 12 on the pages the issue names: floor staff's duty log on a phone-sized
tablet (mobile) and the office's review (desktop), the patrol list and a round (mobile),
each signed in, three runs each.

    .venv/bin/python bench/lighthouse.py [--runs 3] [--out test-results/lighthouse] [--only patrol]

Lighthouse comes from npm through npx, run from a temporary folder so that it never
enters the project's packages; Chromium is Debian's (KEFU_CHROMIUM names another). The
reports (HTML and JSON) land in the output folder, which git ignores; the scores printed
are the median of the runs for performance and the lowest run for the other categories.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from app.extensions import db  # noqa: E402
from app.models import Area, Property, areas_at  # noqa: E402
from app.patrols.demo import add_checklists  # noqa: E402
from e2e.support import chromium_path, serve_demo  # noqa: E402
from tests.support import AuthActions  # noqa: E402

LIGHTHOUSE = "lighthouse@12.8.2"
CATEGORIES = ["performance", "accessibility", "best-practices"]
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-quic "
    '--host-resolver-rules="MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"'
)
PAGES = [
    ("duty-mobile", "floor1", "/duty/", []),
    ("review-desktop", "office1", "/duty/review", ["--preset=desktop"]),
    # The guard's gate check, on the gate tablet.
    ("gate-mobile", "guard1", "/gate/", []),
]

# The round of an office floor (eleven items), opened by its link on a fresh tablet: it
# shows once the page's first sync has brought the area.
PATROL_AREA = "12层办公区"


def patrol_pages(app) -> list[tuple[str, str, str, list[str]]]:
    """The patrol list and one round, on the demo's checklists and schedules."""
    with app.app_context():
        prop = db.session.scalar(db.select(Property).where(Property.code == "DEMO"))
        add_checklists(prop)
        db.session.commit()
        area_id = db.session.scalar(areas_at(prop.id, Area.id).where(Area.name == PATROL_AREA))
    return [
        ("patrols-mobile", "floor1", "/patrols/", []),
        ("patrol-round-mobile", "floor1", f"/patrols/#area-{area_id}", []),
    ]


def session_cookie(app, username: str) -> str:
    """A signed-in session of ``username`` on a device of its own, as a browser holds it."""
    client = app.test_client()
    AuthActions(client).login(username, device_id=uuid.uuid4())
    return client.get_cookie("session").value


def run(url: str, cookie: str, flags: list[str], report: Path, workdir: str) -> dict:
    subprocess.run(
        [
            "npx",
            "--yes",
            LIGHTHOUSE,
            url,
            "--quiet",
            f"--only-categories={','.join(CATEGORIES)}",
            f"--chrome-flags={CHROME_FLAGS}",
            f"--extra-headers={json.dumps({'Cookie': f'session={cookie}'})}",
            "--output=json",
            "--output=html",
            f"--output-path={report}",
            *flags,
        ],
        cwd=workdir,
        env={**os.environ, "CHROME_PATH": chromium_path() or ""},
        check=True,
    )
    result = json.loads(report.with_suffix(".report.json").read_text())
    scores = {name: round(result["categories"][name]["score"] * 100) for name in CATEGORIES}
    failing = [
        audit["id"]
        for audit in result["audits"].values()
        if audit.get("score") is not None
        and audit["score"] < 1
        and audit["scoreDisplayMode"] in ("binary", "numeric")
    ]
    return {
        "scores": scores,
        "cls": result["audits"]["cumulative-layout-shift"]["numericValue"],
        "failing": failing,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=PROJECT / "test-results" / "lighthouse")
    parser.add_argument("--only", default="", help="only the pages whose name holds this")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as workdir:
        database_url = f"sqlite:///{Path(workdir) / 'kefu.sqlite3'}"
        server = serve_demo(database_url)
        try:
            summary = {}
            pages = [*PAGES, *patrol_pages(server.app)]
            for name, username, path, flags in (p for p in pages if args.only in p[0]):
                runs = [
                    run(
                        server.url + path,
                        session_cookie(server.app, username),
                        flags,
                        args.out / f"{name}-{number}",
                        workdir,
                    )
                    for number in range(1, args.runs + 1)
                ]
                summary[name] = {
                    "performance (median)": statistics.median(
                        r["scores"]["performance"] for r in runs
                    ),
                    **{c: min(r["scores"][c] for r in runs) for c in CATEGORIES[1:]},
                    "runs": runs,
                }
                print(name, json.dumps(summary[name], ensure_ascii=False))
            (args.out / "summary.json").write_text(
                json.dumps(summary, indent=2, ensure_ascii=False)
            )
        finally:
            server.stop()


if __name__ == "__main__":
    main()
