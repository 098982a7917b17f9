"""Kefu: the offline-first app of a property's customer-service department."""

import os
from importlib import import_module
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app import (
    access,
    admin,
    assets,
    attachments,
    auth,
    compression,
    desk,
    errors,
    forms,
    handover,
    i18n,
    main,
    navigation,
    security,
    syncapi,
)
from app.config import from_environment
from app.demo import demo_command
from app.extensions import csrf, db, htmx, limiter, migrate
from sync.registry import Registry

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = Path(__file__).resolve().parent / "migrations"

#: What every job shares: signing in, the home page, accounts and devices, sync.
SHELL = [
    auth.PART,
    main.PART,
    admin.PART,
    syncapi.PART,
    attachments.PART,
    desk.PART,
    handover.PART,
]
#: The jobs: each package declares its ``JOB`` (app/jobs.py); a new job is one line here.
JOBS = ["app.places", "app.duty", "app.repairs", "app.patrols", "app.gate", "app.rooms"]


def create_app(config: dict | None = None) -> Flask:
    """Build the app; ``config`` overrides what the environment says (tests use it)."""
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        # Another release's built files can be served from elsewhere (KEFU_STATIC_DIR).
        static_folder=(config or {}).get("KEFU_STATIC_DIR")
        or os.environ.get("KEFU_STATIC_DIR")
        or str(PROJECT_ROOT / "static"),
        static_url_path="/static",
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    app.config.from_mapping(from_environment(app.instance_path))
    if config:
        app.config.from_mapping(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config["KEFU_BEHIND_PROXY"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    htmx.init_app(app)
    i18n.init_app(app)
    assets.init_app(app)
    compression.init_app(app)
    security.init_app(app)
    access.init_app(app)
    errors.init_app(app)
    navigation.init_app(app)
    forms.init_app(app)

    registry = Registry()
    for part in (*SHELL, *(import_module(name).JOB for name in JOBS)):
        part.init_app(app, registry)
    syncapi.init_app(app, registry)
    app.cli.add_command(demo_command)
    return app
