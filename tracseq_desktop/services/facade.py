"""The services on one database, wired together: what the UI, the CLI and scripts use."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tracseq_desktop.services.actor import Actor, Clock, utc_now
from tracseq_desktop.services.locations import LocationService
from tracseq_desktop.services.operation import OperationRunner
from tracseq_desktop.services.queries import QueryService
from tracseq_desktop.services.samples import SampleService
from tracseq_desktop.store.database import Database, open_database


@dataclass
class Services:
    db: Database
    actor: Actor
    runner: OperationRunner
    locations: LocationService
    samples: SampleService
    queries: QueryService

    def close(self) -> None:
        self.db.close()


def services_for(db: Database, actor: Actor | None = None, clock: Clock = utc_now) -> Services:
    runner = OperationRunner(db, actor or Actor.from_environment(), clock)
    return Services(
        db=db,
        actor=runner.actor,
        runner=runner,
        locations=LocationService(runner),
        samples=SampleService(runner),
        queries=QueryService(db),
    )


def open_services(
    path: Path | str | None = None, *, create: bool = True, actor: Actor | None = None, clock: Clock = utc_now
) -> Services:
    """Open the database at ``path`` (default: ``TRACSEQ_DB`` or the user data directory)."""
    return services_for(open_database(path, create=create), actor, clock)
