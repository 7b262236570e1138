"""`make run`: start TracSeq Desktop on the demo database, on the real display or a virtual one.

On a machine without a display (a server, a container) it starts Xvfb so the
window still opens, and says so; take a screenshot with
`tracseq-desktop --db PATH --screenshot FILE.png` to see it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def _virtual_display() -> subprocess.Popen[bytes] | None:
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        print("No display and no Xvfb: install xvfb or run on a desktop.", file=sys.stderr)
        sys.exit(1)
    for number in range(99, 120):
        if not Path(f"/tmp/.X11-unix/X{number}").exists():
            break
    proc = subprocess.Popen([xvfb, f":{number}", "-screen", "0", "1600x1000x24", "-nolisten", "tcp"])
    os.environ["DISPLAY"] = f":{number}"
    for _ in range(50):
        if Path(f"/tmp/.X11-unix/X{number}").exists():
            break
        time.sleep(0.1)
    print(f"No display found: TracSeq Desktop runs on the virtual display :{number} (Xvfb).", file=sys.stderr)
    return proc


def main() -> int:
    args = sys.argv[1:]
    xvfb = _virtual_display()
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
    try:
        return subprocess.call([str(BIN / "tracseq-desktop"), *args])
    except KeyboardInterrupt:
        return 130
    finally:
        if xvfb is not None:
            xvfb.terminate()


if __name__ == "__main__":
    sys.exit(main())
