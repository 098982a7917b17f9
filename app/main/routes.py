"""Home pages and the property overview."""

import json
from collections.abc import Mapping
from dataclasses import dataclass

from flask import (
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_babel import LazyString, force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.access import ALL_ROLES, public, roles_allowed
from app.assets import asset_url
from app.compression import send_built
from app.extensions import db
from app.forms import validate_form
from app.i18n import DEFAULT_LOCALE
from app.jobs import HomeFigure, drafts, home_sections
from app.main import bp
from app.main.schemas import PropertyChoiceSchema
from app.models import LabelledEnum, Role
from app.navigation import nav_items_for
from app.rendering import render_page

THEME_COLOUR = "#0b5d4b"

HOME_TITLES = {
    Role.FLOOR_STAFF: _l("Floor desk"),
    Role.GUARD: _l("Gate post"),
    Role.OFFICE: _l("Service centre"),
    Role.SUPERVISOR: _l("Supervisor's desk"),
    Role.ENGINEERING: _l("Engineering desk"),
    Role.ADMIN: _l("Administration"),
}


def _plain(value):
    """Labels as the page hands them to the device's code, in the page's language: lazy
    texts made text, an enum's labels by value."""
    if isinstance(value, type) and issubclass(value, LabelledEnum):
        return value.labels()
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    return str(value) if isinstance(value, LazyString) else value


@dataclass(frozen=True)
class ShownFigure:
    """A figure as the home page shows it: the server's count, or what the device needs
    to work it out."""

    label: str
    href: str
    count: int | None
    device: str
    labels: dict
    params: dict


def _shown(figure: HomeFigure) -> ShownFigure:
    href = ""
    if figure.endpoint:
        href = url_for(figure.endpoint, **figure.args, _anchor=figure.anchor or None)
    count = figure.count(g.property.id) if figure.count and g.property else None
    return ShownFigure(
        str(figure.label), href, count, figure.device, _plain(figure.labels), _plain(figure.params)
    )


@bp.route("/")
@roles_allowed(*ALL_ROLES)
def home():
    """What is due today for the user's role, each figure linking to its list; a role
    with nothing to count gets its pages as tiles."""
    role = g.user.role
    sections = [
        (str(section.title), [_shown(figure) for figure in section.figures])
        for section in home_sections(role)
    ]
    reachable = {item.endpoint for item in nav_items_for(role)}
    kept = [
        {"key": draft.key, "label": str(draft.label), "href": url_for(draft.endpoint)}
        for draft in drafts()
        if draft.endpoint in reachable
    ]
    tiles = [] if sections else [i for i in nav_items_for(role) if i.endpoint != "main.home"]
    return render_page(
        "main/home.html",
        "content",
        title=HOME_TITLES[role],
        sections=sections,
        drafts=kept,
        tiles=tiles,
    )


@bp.route("/healthz")
@public
def healthz():
    """For a load balancer or a tablet asking whether the server is reachable."""
    return jsonify(status="ok")


@bp.route("/property", methods=["POST"])
@roles_allowed(*ALL_ROLES)
def switch_property():
    """Work at another of one's properties; the device follows, and so will its data."""
    data, errors = validate_form(PropertyChoiceSchema())
    chosen = None
    if not errors:
        chosen = next((p for p in g.user.properties if p.id == data["property_id"]), None)
    if chosen is None:
        return render_page(
            "errors/error.html",
            "content",
            status=422,
            code=422,
            message=_("Choose one of your properties."),
        )
    session["property_id"] = chosen.id
    if g.device is not None:
        g.device.property = chosen
        db.session.commit()
    return redirect(url_for("main.home"))


@bp.route("/sw.js")
@public
def service_worker():
    """The service worker, from the root so that it controls every page; never cached,
    so a new release is found on the next online start."""
    response = send_built(current_app.static_folder, "dist/sw.js", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.route("/manifest.webmanifest")
@public
def web_manifest():
    """What a tablet needs to install Kefu on its home screen."""
    icons = [
        {"src": asset_url(f"icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png"}
        for size in (192, 512)
    ]
    icons.append({"src": asset_url("icon.svg"), "sizes": "any", "type": "image/svg+xml"})
    icons.append(
        {
            "src": asset_url("icon-maskable-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        }
    )
    # One manifest for every device, in the language it declares.
    with force_locale(DEFAULT_LOCALE):
        description = _(
            "The customer-service department's app: floor patrols, meeting rooms, "
            "the gate's passes and the office's review, online or offline."
        )
    body = {
        # Stable across releases and start pages, so an installed app stays one app.
        "id": "/",
        "name": "客服 Kefu",
        "description": description,
        "short_name": "客服",
        "lang": "zh-CN",
        # "/" is each role's own home, so one start page serves every role.
        "start_url": url_for("main.home"),
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": "#ffffff",
        "icons": icons,
    }
    response = current_app.response_class(
        json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json"
    )
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/offline")
@public
def offline():
    """What a tablet shows for a page it never kept, with the network gone: the worker
    keeps this page from its install on, before anyone has signed in."""
    return render_template("main/offline.html")
