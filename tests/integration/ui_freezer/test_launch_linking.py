"""`make run`'s set-up without the window: the simulator as a child process and the linking of demo units."""

from __future__ import annotations

import importlib.util
import sqlite3
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tracseq_desktop.services.actor import Actor
from tracseq_desktop.services.demo import build_demo
from tracseq_desktop.services.facade import open_services
from tracseq_desktop.services.monitoring import monitoring_for

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def launch() -> ModuleType:
    spec = importlib.util.spec_from_file_location("tracseq_launch", ROOT / "tools" / "launch.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def demo_db(tmp_path: Path) -> Path:
    path = tmp_path / "demo.db"
    services = open_services(path, actor=Actor("tester", "test-ws"))
    build_demo(services, samples=300)
    services.close()
    return path


def audit_count(db: Path, entity_type: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM audit_entry WHERE entity_type = ?", (entity_type,)).fetchone()[0])


def test_simulator_starts_links_demo_units_once_and_stops(launch: ModuleType, demo_db: Path, tmp_path: Path) -> None:
    run_dir = tmp_path / "sim"
    links_json = run_dir / "links.json"
    sim = launch.start_simulator(launch.SCENARIO, run_dir, links_json)
    try:
        assert sim.proc.poll() is None
        assert [line.split()[1] for line in sim.ports] == ["bus-a", "ln2-a"]
        assert (run_dir / "bus-a").is_symlink() and (run_dir / "ln2-a").is_symlink()
        links, time_scale = launch.simulated_links(links_json, launch.SCENARIO)
        assert time_scale == 60.0 and {link.kind for link in links} == {"-80", "-20", "+4", "ln2"}
        linked = launch.link_simulated_units(demo_db, links, time_scale=time_scale)
        assert len(linked) == 5 and all(item.new for item in linked)
        by_sim = {item.sim_unit: item.unit for item in linked}

        services = open_services(demo_db, actor=Actor("tester", "test-ws"))
        try:
            monitoring = monitoring_for(services)
            views = {v.unit: v for v in monitoring.links()}
            assert set(views) == set(by_sim.values())
            classes = {"ULT-01": "-80C", "ULT-02": "-80C", "FRZ-03": "-20C", "FRG-04": "+4C", "LN2-01": "LN2"}
            for sim_unit, unit in by_sim.items():
                view = views[unit]
                assert view.simulated and view.temperature_class == classes[sim_unit]
                assert view.port == str(run_dir / ("ln2-a" if sim_unit == "LN2-01" else "bus-a"))
                assert view.poll_interval_s == launch.POLL_INTERVAL_S
                assert view.settings.delay_s == 300.0 / 60 and view.settings.door_delay_s == 120.0 / 60
            assert views[by_sim["ULT-02"]].address == 2 and views[by_sim["LN2-01"]].protocol == "ascii-ln2"
        finally:
            services.close()
        links_before, limits_before = audit_count(demo_db, "unit_link"), audit_count(demo_db, "alarm_settings")
        assert links_before == 5

        # A second `make run`: the same symlinks, nothing new linked or audited.
        again = launch.link_simulated_units(demo_db, links, time_scale=time_scale)
        assert [(i.unit, i.sim_unit, i.new) for i in again] == [(i.unit, i.sim_unit, False) for i in linked]
        assert audit_count(demo_db, "unit_link") == links_before
        assert audit_count(demo_db, "alarm_settings") == limits_before
    finally:
        sim.stop()
    assert sim.proc.poll() is not None and not sim.reader.is_alive()


def test_simulator_that_cannot_start_is_reported(launch: ModuleType, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(RuntimeError, match="did not start"):
        launch.start_simulator(broken, tmp_path / "sim", tmp_path / "sim" / "links.json")
