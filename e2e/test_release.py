"""A new release reaches a tablet at its next online start, and loses nothing on the way."""

import json
import os
import subprocess
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import select

from app.demo import create_demo
from app.duty.models import DutyEntry
from app.extensions import db
from e2e.support import PACK_CACHED, TABLET_PORTRAIT, WORKER_READY, LiveServer, sign_in, write_entry
from tests.support import make_test_app, migrate_database

PROJECT = Path(__file__).resolve().parent.parent
WORKER_BUILD = """async () => {
  const names = await caches.keys();
  return names.filter((name) => name.startsWith('kefu-pages-')).map((name) => name.slice(11));
}"""


def build_release(folder: Path, label: str) -> None:
    environment = {**os.environ, "KEFU_ASSET_DIR": str(folder / "dist"), "KEFU_RELEASE": label}
    subprocess.run(
        ["node", "scripts/build-assets.mjs"],
        cwd=PROJECT,
        env=environment,
        check=True,
        capture_output=True,
    )


def test_a_release_deployed_while_offline_takes_over_without_losing_waiting_changes(
    browser, tmp_path
):
    database_url = f"sqlite:///{tmp_path / 'kefu.sqlite3'}"
    migrate_database(database_url)
    first, second = tmp_path / "release-1", tmp_path / "release-2"
    build_release(first, "1")
    build_release(second, "2")
    old_app = make_test_app(database_url, TESTING=False, KEFU_STATIC_DIR=str(first))
    with old_app.app_context():
        create_demo()
    server = LiveServer(old_app)
    context = browser.new_context(viewport=TABLET_PORTRAIT, base_url=server.url)
    try:
        page = context.new_page()
        sign_in(page, "floor1")
        page.evaluate(WORKER_READY)
        page.evaluate(PACK_CACHED, ["/", "/places", "/duty/"])
        (old_build,) = page.evaluate(WORKER_BUILD)
        page.goto("/duty/")
        expect(page.locator("#sync-chip")).to_contain_text("全部已同步")

        context.set_offline(True)
        for number in range(3):
            write_entry(page, f"升级前{number}")
            expect(page.locator("#sync-chip")).to_contain_text(f"{number + 1} 条待同步")
        server.stop()
        server = LiveServer(
            make_test_app(database_url, TESTING=False, KEFU_STATIC_DIR=str(second)),
            port=server.port,
        )

        context.set_offline(False)
        page.reload()
        page.wait_for_function(
            """async (old) => {
              const names = (await caches.keys()).filter((n) => n.startsWith('kefu-pages-'));
              return names.length === 1 && !names[0].endsWith(old);
            }""",
            arg=old_build,
        )
        page.reload()
        expect(page.locator("#sync-chip")).to_contain_text("全部已同步", timeout=15_000)
        with server.app.app_context():
            texts = db.session.scalars(
                select(DutyEntry.text).where(DutyEntry.text.startswith("升级前"))
            ).all()
        assert sorted(texts) == ["升级前0", "升级前1", "升级前2"]
        new_app_js = page.evaluate(
            "[...document.scripts].map((s) => s.src).find((src) => src.includes('/app.'))"
        )
        assert new_app_js.endswith((second / "dist" / _hashed(second, "app.js")).name)
    finally:
        context.close()
        server.stop()


def _hashed(release: Path, name: str) -> str:
    return json.loads((release / "dist" / "manifest.json").read_text())[name]
