"""``flask --app app sync compact``: forget old deletions so the change log stays small."""

from datetime import timedelta

import click
from sqlalchemy import select

from app.extensions import db
from app.syncapi import bp, server_now
from sync.changes import purge_tombstones
from sync.tables import partition

DEFAULT_RETENTION_DAYS = 30


@bp.cli.command("compact")
@click.option(
    "--days",
    default=DEFAULT_RETENTION_DAYS,
    show_default=True,
    help="Keep deletions this long; a device offline for longer refetches everything.",
)
def compact(days: int) -> None:
    """Purge deletions older than --days from every property's change log."""
    older_than = server_now() - timedelta(days=days)
    for partition_id in db.session.scalars(select(partition.c.id)).all():
        purged = purge_tombstones(db.session, partition_id, older_than)
        db.session.commit()
        click.echo(f"property {partition_id}: {purged} old deletions purged")
