"""The shape of a job: one declaration in the job's package, wired in by the app factory.

A job (a log, patrols, meeting rooms, the gate…) is a folder of its own: its
blueprint, models, templates and device code. What the rest of the app needs to know
about it is one :class:`Job` in its ``__init__.py``, listed once in ``app.JOBS``.
Nothing registers itself when imported; every app the factory makes gets its own
registry, navigation and labels from this list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask, current_app
from flask_babel import LazyString
from marshmallow import Schema
from sqlalchemy import Select

from app.models import Property, Role
from sync.registry import Actor, RecordKind, Registry


@dataclass(frozen=True)
class NavEntry:
    """A page offered in the navigation of some roles; ``position`` orders it (home is 0)."""

    endpoint: str
    label: LazyString
    position: int
    roles: frozenset[Role]


@dataclass(frozen=True)
class Mutation:
    """A change devices may send, and how a person names it in the device's queue.

    ``summary`` names the argument that tells one such change from another in the queue
    (the text of a log entry, say). ``from_form`` is False for a change the device's own
    code makes (a hand-over), which no person fills in and no form checks.
    """

    name: str
    schema: type[Schema]
    roles: frozenset[Role]
    apply: Callable
    label: LazyString
    summary: str | None = None
    from_form: bool = True


@dataclass(frozen=True)
class Column:
    """A column of the office's list of a job's records, and of its CSV export.

    ``value(record)`` may give text, a number, a time (shown in the property's zone) or a
    labelled enum; a ``photos`` column gives photo ids, shown as thumbnails.
    """

    label: LazyString
    value: Callable[[Any], Any]
    photos: bool = False


@dataclass(frozen=True)
class Filter:
    """A choice that narrows the office's list.

    ``choices(property_id)`` gives (value, label) pairs; ``apply(query, value)`` narrows
    the query to a chosen value, which is one of the choices.
    """

    name: str
    label: LazyString
    choices: Callable[[int], Sequence[tuple[str, str]]]
    apply: Callable[[Select, str], Select]

    @classmethod
    def of_enum(cls, name: str, label: LazyString, column: Any, enum_type: type) -> Filter:
        """A filter on ``column``, which holds a member of ``enum_type``: one choice each."""
        return cls(
            name,
            label,
            lambda property_id: list(enum_type.labels().items()),
            lambda query, value: query.where(column == enum_type(value)),
        )

    @classmethod
    def of_id(
        cls,
        name: str,
        label: LazyString,
        column: Any,
        choices: Callable[[int], Sequence[tuple[str, str]]],
    ) -> Filter:
        """A filter on ``column``, which holds the id of one of ``choices(property_id)``."""
        return cls(name, label, choices, lambda query, value: query.where(column == int(value)))


@dataclass(frozen=True)
class DeskListing:
    """What the office desk may list of a job: which records, their columns, filters,
    each record's own page and the columns of the CSV export."""

    name: str
    title: LazyString
    roles: frozenset[Role]
    query: Callable[[int], Select]  # the property's records, newest first
    columns: Sequence[Column]
    filters: Sequence[Filter]
    record_endpoint: str  # called with ``record_id``
    csv_columns: Sequence[Column]


@dataclass(frozen=True)
class HomeFigure:
    """One figure of a role's home page: a count, what it counts, and the list it links to
    (``args`` its filter, ``anchor`` the part of the page).

    A desk figure is counted by the server as the page is rendered (``count(property_id)``);
    the page's cached copy shows it offline. A tablet's is worked out on the device from
    what it holds, so that it shows offline too: ``device`` names the function that does
    (``defineFigure`` in static/src/jobs/<job>-home.js), ``labels`` are the texts it needs
    (a ``LabelledEnum`` gives its members' labels) and ``params`` anything else it needs of
    the server.
    """

    name: str
    label: LazyString
    endpoint: str
    args: Mapping[str, str] = field(default_factory=dict)
    anchor: str = ""
    count: Callable[[int], int] | None = None
    device: str = ""
    labels: Mapping[str, LazyString] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)
    # Only these of the section's roles see it; all of them when empty.
    roles: frozenset[Role] = frozenset()


@dataclass(frozen=True)
class HomeSection:
    """What a job adds to the home page of ``roles``: today's work, as figures."""

    title: LazyString
    roles: frozenset[Role]
    position: int
    figures: Sequence[HomeFigure]


@dataclass(frozen=True)
class Draft:
    """Drafts a job's page keeps on the device (IndexedDB ``drafts``), under keys that
    begin with ``key`` (one draft per form, or per record)."""

    key: str
    label: LazyString
    endpoint: str


@dataclass(frozen=True)
class Job:
    """Everything the app needs to know of one job."""

    name: str
    blueprint: Blueprint | None = None
    nav: Sequence[NavEntry] = ()
    kinds: Sequence[RecordKind] = ()
    mutations: Sequence[Mutation] = ()
    scope_rules: Sequence[Callable[[Actor], Iterable[str]]] = ()
    # Labels of the reasons this job's handlers refuse a change for, keyed by reason code.
    reason_labels: Mapping[str, LazyString] = field(default_factory=dict)
    # Which roles may see the photos that records of each kind refer to.
    photo_readers: Mapping[str, frozenset[Role]] = field(default_factory=dict)
    demo: Callable[[Property], None] | None = None
    desk: Sequence[DeskListing] = ()
    # What it adds to the home pages of some roles, and the drafts its pages keep.
    home: Sequence[HomeSection] = ()
    drafts: Sequence[Draft] = ()

    def init_app(self, app: Flask, registry: Registry) -> None:
        """Register the job's blueprint with ``app`` and its sync parts with ``registry``."""
        if self.blueprint is not None:
            app.register_blueprint(self.blueprint)
        for kind in self.kinds:
            registry.kind(kind)
        for mutation in self.mutations:
            registry.mutation(
                mutation.name, mutation.schema, roles={role.value for role in mutation.roles}
            )(mutation.apply)
        for rule in self.scope_rules:
            registry.scope_rule(rule)
        jobs_of(app).append(self)


def jobs_of(app: Flask) -> list[Job]:
    return app.extensions.setdefault("kefu_jobs", [])


def current_jobs() -> list[Job]:
    return jobs_of(current_app)


def nav_entries() -> list[NavEntry]:
    return sorted((entry for job in current_jobs() for entry in job.nav), key=lambda e: e.position)


def reason_labels() -> dict[str, LazyString]:
    return {code: label for job in current_jobs() for code, label in job.reason_labels.items()}


def mutation(name: str) -> Mutation | None:
    return next((m for job in current_jobs() for m in job.mutations if m.name == name), None)


def desk_listing(name: str) -> DeskListing | None:
    return next((d for job in current_jobs() for d in job.desk if d.name == name), None)


def photo_readers(kind: str) -> frozenset[Role]:
    return frozenset(
        role for job in current_jobs() for role in job.photo_readers.get(kind, frozenset())
    )


def home_sections(role: Role) -> list[HomeSection]:
    """The sections of ``role``'s home, each with only the figures ``role`` sees."""
    sections = []
    for job in current_jobs():
        for section in job.home:
            if role not in section.roles:
                continue
            shown = [f for f in section.figures if not f.roles or role in f.roles]
            if shown:
                sections.append(HomeSection(section.title, section.roles, section.position, shown))
    return sorted(sections, key=lambda section: section.position)


def drafts() -> list[Draft]:
    return [draft for job in current_jobs() for draft in job.drafts]
