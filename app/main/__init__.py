"""Each role's home, the health check, the service worker and the web manifest."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.access import ALL_ROLES
from app.jobs import HomeFigure, HomeSection, Job, NavEntry
from app.navigation import TABLET_ROLES

bp = Blueprint("main", __name__)

PART = Job(
    "main",
    bp,
    nav=[NavEntry("main.home", _l("Home"), 0, ALL_ROLES)],
    # Every job's drafts (app.jobs.Draft), each line linking to its page.
    home=[
        HomeSection(
            _l("On this tablet"),
            TABLET_ROLES,
            90,
            [HomeFigure("main.drafts", _l("Drafts not submitted"), "", device="drafts")],
        )
    ],
)

from app.main import routes  # noqa: E402,F401
