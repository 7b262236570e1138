"""``tracseq-sim``: serve simulated freezer controllers on pseudo-terminals or TCP sockets.

Prints one line per port, then ``READY``::

    PORT bus-a modbus-dixell /tmp/tracseq-sim-x/bus-a /dev/pts/7 ULT-1@1,FRZ-2@2
    PORT ln2-1 ascii-ln2 socket://127.0.0.1:5021 - LN2-1@1

(name, protocol, URL to open, underlying device, units as id@address). The URL of
a pseudo-terminal is a symlink that follows the terminal across unplug/replug.
Runs until interrupted or until the scenario's ``duration_s`` has passed.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from hardware.freezer.devicemaps import RESOURCES
from hardware.freezer.sim.scenario import load_scenario
from hardware.freezer.sim.simulator import Simulator
from tracseq_desktop.i18n import _

DEFAULT_SCENARIO = RESOURCES / "scenarios" / "demo.json"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tracseq-sim", description=_("Simulated freezer controllers."))
    parser.add_argument("scenario", nargs="?", default=str(DEFAULT_SCENARIO), help=_("scenario file (JSON or TOML)"))
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--pty", action="store_true", help=_("serve on pseudo-terminals (the default)"))
    where.add_argument("--tcp", type=int, metavar="PORT", help=_("serve on TCP from PORT upwards (0: any free port)"))
    parser.add_argument("--time-scale", type=float, help=_("simulated seconds per real second"))
    parser.add_argument("--seed", type=int, help=_("random seed (overrides the scenario's)"))
    parser.add_argument("--truth", type=Path, help=_("write the ground truth (JSON lines) to this file"))
    parser.add_argument("--links-json", type=Path, help=_("write the device links (JSON) to this file"))
    parser.add_argument("--run-dir", type=Path, help=_("directory for the port symlinks (default: a temporary one)"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        scenario = load_scenario(args.scenario)
    except (OSError, ValueError, KeyError) as exc:
        print(_("tracseq-sim: cannot load {path}: {reason}").format(path=args.scenario, reason=exc), file=sys.stderr)
        return 2
    if args.run_dir is not None:
        args.run_dir.mkdir(parents=True, exist_ok=True)
    sim = Simulator(
        scenario,
        transport="tcp" if args.tcp is not None else "pty",
        tcp_port=args.tcp or 0,
        truth_path=args.truth,
        time_scale=args.time_scale,
        seed=args.seed,
        run_dir=args.run_dir,
    )
    done = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_args: done.set())
    sim.start()
    try:
        for spec in scenario.ports:
            endpoint = sim.ports[spec.name].endpoint
            units = ",".join(f"{u.unit_id}@{u.address}" for u in spec.units)
            print(f"PORT {spec.name} {spec.protocol} {endpoint.url} {endpoint.device} {units}")
        if args.links_json is not None:
            links = [
                {
                    "unit_id": link.unit_id,
                    "port": link.port,
                    "protocol": link.protocol.value,
                    "address": link.address,
                    "baud": link.baud,
                }
                for link in sim.links()
            ]
            args.links_json.write_text(json.dumps(links, indent=2) + "\n", encoding="utf-8")
        print("READY", flush=True)
        while not done.wait(0.2):
            if sim.finished.is_set():
                break
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
