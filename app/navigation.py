"""The navigation of each role, from the entries that the jobs declare."""

from flask import Flask, g, url_for

from app.jobs import NavEntry, current_jobs, nav_entries
from app.models import Role


def nav_items_for(role: Role) -> list[NavEntry]:
    return [entry for entry in nav_entries() if role in entry.roles]


# Roles that carry tablets: their pages are kept on the device to open offline.
TABLET_ROLES = frozenset({Role.FLOOR_STAFF, Role.GUARD, Role.ENGINEERING})


def offline_pages_for(role: Role) -> list[str]:
    """The offline pack: every page of the role's navigation."""
    if role not in TABLET_ROLES:
        return []
    return [url_for(item.endpoint) for item in nav_items_for(role)]


def queue_names_for(role: Role) -> dict[str, dict]:
    """How the device's queue names each change this role can make (app.jobs.Mutation)."""
    return {
        mutation.name: {"label": str(mutation.label), "summary": mutation.summary}
        for job in current_jobs()
        for mutation in job.mutations
        if role in mutation.roles
    }


def _template_context() -> dict:
    user = g.get("user")
    return {
        "current_user": user,
        "current_property": g.get("property"),
        "nav_items": nav_items_for(user.role) if user else [],
        "offline_pages": offline_pages_for(user.role) if user else [],
        "queue_names": queue_names_for(user.role) if user else {},
    }


def init_app(app: Flask) -> None:
    app.context_processor(_template_context)
