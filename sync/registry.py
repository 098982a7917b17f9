"""What the engine knows about the jobs: their mutations, record kinds and scope rules.

Each job's module registers here; the engine itself knows no job.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from marshmallow import Schema


@dataclass(frozen=True)
class Actor:
    """Who sends a request, as the server knows it from the device token, never the body."""

    device_id: Any
    user_id: int
    role: str
    property_id: int


@dataclass(frozen=True)
class MutationHandler:
    """A named, versioned change a device may send (``note.create@1``)."""

    name: str
    # One instance per handler: making a schema costs more than loading with it.
    schema: Schema
    roles: frozenset[str]
    apply: Callable


@dataclass(frozen=True)
class RecordKind:
    """A kind of record that devices hold copies of.

    ``scopes`` says which scope tags a record belongs to (e.g. ``{"rooms"}`` or
    ``{"user:7"}``); ``serialize`` turns it into the JSON a device stores; ``partition``
    names its property; ``expires`` is when it leaves its scopes by time, if ever.
    For a kind whose records devices make (``insert_device_record``), these four read
    column values only: in a batch, such a record reaches them as a plain object of its
    columns before it is written, without relationships.
    """

    name: str
    model: type
    serialize: Callable[[Any], dict]
    scopes: Callable[[Any], Iterable[str]]
    partition: Callable[[Any], int]
    expires: Callable[[Any], datetime | None] = lambda record: None


@dataclass
class Registry:
    mutations: dict[str, MutationHandler] = field(default_factory=dict)
    kinds: dict[str, RecordKind] = field(default_factory=dict)
    scope_rules: list[Callable[[Actor], Iterable[str]]] = field(default_factory=list)
    kinds_by_model: dict[type, RecordKind] = field(default_factory=dict)
    # ``holder(session, actor, user_id)``: the Actor that user ``user_id`` is on the
    # actor's device, if they may act there (a hand-over the server knows); else None.
    # Without one, a mutation acts only as the device's own user.
    holder: Callable[[Any, Actor, int], Actor | None] | None = None

    def mutation(self, name: str, schema: type[Schema], roles: Iterable[str]):
        """Register the decorated function as the handler of mutation ``name``."""
        if "@" not in name:
            raise ValueError("mutation names carry a version: 'kind.verb@1'")

        def register(apply: Callable) -> Callable:
            if name in self.mutations:
                raise ValueError(f"mutation {name} is registered twice")
            self.mutations[name] = MutationHandler(name, schema(), frozenset(roles), apply)
            return apply

        return register

    def kind(self, kind: RecordKind) -> RecordKind:
        if kind.name in self.kinds:
            raise ValueError(f"record kind {kind.name} is registered twice")
        self.kinds[kind.name] = kind
        self.kinds_by_model[kind.model] = kind
        return kind

    def scope_rule(self, rule: Callable[[Actor], Iterable[str]]) -> Callable:
        """Register ``rule(actor) -> scope tags`` that the actor's device may hold."""
        self.scope_rules.append(rule)
        return rule

    def scopes_for(self, actor: Actor) -> set[str]:
        return {tag for rule in self.scope_rules for tag in rule(actor)}

    def kind_of_model(self, model: type) -> RecordKind | None:
        return self.kinds_by_model.get(model)
