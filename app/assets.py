"""Links to the built, content-hashed static files listed in ``static/dist/manifest.json``."""

import json
from pathlib import Path

from flask import Flask, current_app, url_for

ONE_YEAR = 365 * 24 * 3600


class AssetManifest:
    """Maps a logical asset name (``htmx.js``) to its hashed file (``htmx.3f9a….js``)."""

    def __init__(self, static_folder: str):
        self.path = Path(static_folder) / "dist" / "manifest.json"
        self._entries: dict[str, str] | None = None

    def entries(self) -> dict[str, str]:
        if self._entries is None:
            if not self.path.exists():
                raise RuntimeError(f"{self.path} is missing: build the assets first (make assets)")
            self._entries = json.loads(self.path.read_text())
        return self._entries

    def url(self, name: str) -> str:
        return url_for("static", filename="dist/" + self.entries()[name])


def asset_url(name: str) -> str:
    """The URL of a built asset by its logical name, in the current app."""
    return current_app.extensions["asset_manifest"].url(name)


def init_app(app: Flask) -> None:
    app.extensions["asset_manifest"] = AssetManifest(app.static_folder)
    app.jinja_env.globals["asset_url"] = asset_url

    default_max_age = app.get_send_file_max_age

    def max_age(filename: str | None) -> int | None:
        # Hashed names change with their content, so a year of caching is safe.
        if filename and filename.startswith("dist/") and filename != "dist/manifest.json":
            return ONE_YEAR
        return default_max_age(filename)

    app.get_send_file_max_age = max_age
