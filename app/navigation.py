"""The navigation of each role: every job's blueprint adds its own entries here."""

from dataclasses import dataclass

from flask import Flask, g, url_for
from flask_babel import LazyString

from app.models import Role


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: LazyString
    roles: frozenset[Role]
    position: int


_ITEMS: list[NavItem] = []


def add_nav_item(endpoint: str, label: LazyString, position: int, *roles: Role) -> None:
    """Offer ``endpoint`` to ``roles``; ``position`` orders the entries (home is 0)."""
    if any(item.endpoint == endpoint for item in _ITEMS):
        return  # Blueprints are imported once per process, apps are made many times.
    _ITEMS.append(NavItem(endpoint, label, frozenset(roles), position))
    _ITEMS.sort(key=lambda item: item.position)


def nav_items_for(role: Role) -> list[NavItem]:
    return [item for item in _ITEMS if role in item.roles]


# Roles that carry tablets: their pages are kept on the device to open offline.
TABLET_ROLES = frozenset({Role.FLOOR_STAFF, Role.GUARD})


def offline_pages_for(role: Role) -> list[str]:
    """The offline pack: every page of the role's navigation."""
    if role not in TABLET_ROLES:
        return []
    return [url_for(item.endpoint) for item in nav_items_for(role)]


def _template_context() -> dict:
    user = g.get("user")
    return {
        "current_user": user,
        "current_property": g.get("property"),
        "nav_items": nav_items_for(user.role) if user else [],
        "offline_pages": offline_pages_for(user.role) if user else [],
    }


def init_app(app: Flask) -> None:
    app.context_processor(_template_context)
