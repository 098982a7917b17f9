"""Security headers, caching and compression, read from the app's real responses."""

import gzip
import json
import re
from pathlib import Path

import pytest

from app.security import CONTENT_SECURITY_POLICY
from tests.support import a_photo_in_the_duty_log, make_test_app

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = PROJECT_ROOT / "templates"
DIST = PROJECT_ROOT / "static" / "dist"
ONE_YEAR = 365 * 24 * 3600


def built(name: str) -> str:
    return json.loads((DIST / "manifest.json").read_text())[name]


def directives(policy: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


def responses(client, auth):
    """One of each kind: pages signed out and in, JSON, built files, the worker, the manifest."""
    yield "sign-in page", client.get("/auth/login")
    yield "offline page", client.get("/offline")
    yield "worker", client.get("/sw.js")
    yield "manifest", client.get("/manifest.webmanifest")
    yield "script", client.get(f"/static/dist/{built('app.js')}")
    yield "icon", client.get(f"/static/dist/{built('icon-192.png')}")
    yield "device JSON", client.post("/sync/pull", json={})
    auth.login("floor1")
    yield "home", client.get("/")
    yield "duty log", client.get("/duty/")
    yield "health JSON", client.get("/healthz")


def test_every_response_carries_the_security_headers(client, auth):
    for name, response in responses(client, auth):
        headers = response.headers
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, name
        assert headers["X-Content-Type-Options"] == "nosniff", name
        assert headers["Referrer-Policy"] == "same-origin", name
        assert "Strict-Transport-Security" not in headers, name


def test_the_policy_runs_only_our_own_scripts_and_styles_and_is_never_framed():
    policy = directives(CONTENT_SECURITY_POLICY)
    assert policy["script-src"] == policy["style-src"] == policy["default-src"] == "'self'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    # Photos taken on the device are shown before they are uploaded.
    assert "blob:" in policy["img-src"]


def test_pages_and_json_are_never_kept_by_an_http_cache_but_built_files_are(client, auth):
    kept = {name: response.headers["Cache-Control"] for name, response in responses(client, auth)}
    for name in ("sign-in page", "offline page", "device JSON", "home", "duty log", "health JSON"):
        assert kept[name] == "no-store", name
    assert kept["script"] == kept["icon"] == f"public, max-age={ONE_YEAR}"
    assert kept["worker"] == kept["manifest"] == "no-cache"


def test_a_photo_keeps_its_own_stricter_policy(app, client, auth):
    photo_id = a_photo_in_the_duty_log(app)
    auth.login("office1")
    response = client.get(f"/attachments/{photo_id}")
    assert response.headers["Content-Security-Policy"].endswith("sandbox")
    assert "private" in response.headers["Cache-Control"]


def test_hsts_is_sent_over_tls_and_behind_the_trusted_proxy_only(app, client):
    assert (
        "max-age="
        in client.get("/auth/login", base_url="https://kefu.example").headers[
            "Strict-Transport-Security"
        ]
    )
    forwarded = {"X-Forwarded-Proto": "https"}
    assert "Strict-Transport-Security" not in client.get("/auth/login", headers=forwarded).headers
    proxied = make_test_app(app.config["SQLALCHEMY_DATABASE_URI"], KEFU_BEHIND_PROXY=True)
    response = proxied.test_client().get("/auth/login", headers=forwarded)
    assert "max-age=" in response.headers["Strict-Transport-Security"]


INLINE_CODE = re.compile(
    r"<script(?![^>]*\bsrc=)|\son[a-z]+\s*=|\shx-on|\sstyle\s*=|javascript:", re.IGNORECASE
)


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: p.name)
def test_no_template_holds_inline_script_or_style(template):
    # The CSP would refuse them in the browser; here they fail by name.
    assert INLINE_CODE.findall(template.read_text()) == []


def without_csrf_token(page: bytes) -> bytes:
    return re.sub(rb'(X-CSRFToken": "|name="csrf_token" value=")[^"]+', rb"\1", page)


def test_pages_are_gzipped_for_a_browser_that_takes_it(client, auth):
    auth.login("floor1")
    plain = client.get("/duty/")
    assert "Content-Encoding" not in plain.headers
    packed = client.get("/duty/", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    # The CSRF token carries the second it was signed in, so two requests may differ there.
    assert without_csrf_token(gzip.decompress(packed.data)) == without_csrf_token(plain.data)
    assert len(packed.data) < len(plain.data) / 2


@pytest.mark.parametrize(
    ("name", "mimetype"), [("app.js", "text/javascript"), ("app.css", "text/css")]
)
def test_built_text_files_are_sent_as_compressed_at_build_time(client, name, mimetype):
    url = f"/static/dist/{built(name)}"
    original = (DIST / built(name)).read_bytes()
    brotli = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert brotli.headers["Content-Encoding"] == "br"
    assert brotli.mimetype == mimetype
    assert brotli.data == (DIST / f"{built(name)}.br").read_bytes()
    assert "Accept-Encoding" in brotli.headers["Vary"]
    assert brotli.cache_control.max_age == ONE_YEAR
    gzipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert gzipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(gzipped.data) == original
    plain = client.get(url)
    assert "Content-Encoding" not in plain.headers and plain.data == original


def test_images_go_out_as_they_are(client):
    response = client.get(
        f"/static/dist/{built('icon-192.png')}", headers={"Accept-Encoding": "br, gzip"}
    )
    assert "Content-Encoding" not in response.headers and response.mimetype == "image/png"


def test_the_manifest_names_the_app_once_with_a_maskable_icon(client):
    manifest = client.get("/manifest.webmanifest").get_json(force=True)
    assert manifest["id"] == "/"
    assert manifest["description"].startswith("物业客服部")
    (maskable,) = [icon for icon in manifest["icons"] if icon.get("purpose") == "maskable"]
    assert maskable["sizes"] == "512x512"
    assert client.get(maskable["src"]).mimetype == "image/png"


def test_the_offline_page_is_public_and_shows_no_one(client, auth):
    signed_out = client.get("/offline")
    assert signed_out.status_code == 200
    auth.login("floor1")
    page = client.get("/offline").get_data(as_text=True)
    assert "没有网络" in page
    assert "王楼层" not in page and "csrf" not in page.lower() and "<script" not in page
