"""An operation the user saw succeed survives a kill -9 the moment after."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tracseq_desktop.services.facade import Services, open_services

WRITER = """
import sys, time
from tracseq_desktop.services.facade import open_services
from tracseq_desktop.services.drafts import SampleDraft
services = open_services(sys.argv[1])
for i in range(int(sys.argv[2])):
    services.samples.register(SampleDraft(f"KILL-{i:03d}", "plasma", volume="1ml", box="BOX-B"))
    print(f"ok KILL-{i:03d}", flush=True)
time.sleep(60)
"""


def test_every_acknowledged_store_survives_sigkill(services: Services, db_path: Path, tmp_path: Path) -> None:
    services.close()
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    proc = subprocess.Popen(
        [sys.executable, str(script), str(db_path), "20"], stdout=subprocess.PIPE, text=True, env=dict(os.environ)
    )
    assert proc.stdout is not None
    acknowledged = []
    for line in proc.stdout:
        acknowledged.append(line.split()[1])
        if len(acknowledged) == 20:
            break
    os.kill(proc.pid, signal.SIGKILL)  # the instant after the last acknowledgement
    proc.wait(timeout=10)
    proc.stdout.close()
    reopened = open_services(db_path)
    try:
        stored = {s.barcode for s in reopened.queries.box("BOX-B").samples}
        assert set(acknowledged) <= stored
        assert len(stored) == 20
        assert reopened.queries.verify_audit().ok
    finally:
        reopened.close()
