"""Device commands contributed to ``tracseq`` through the ``tracseq.cli`` entry point.

Registration must stay cheap: command modules import OpenCV, pyserial and pymodbus
inside their handlers, so ``tracseq find`` never loads them.
"""

from __future__ import annotations

from tracseq_desktop.cli.context import CommandRegistry


def register(registry: CommandRegistry) -> None:
    from hardware.freezer import commands as freezer_commands
    from hardware.vision import commands as vision_commands

    freezer_commands.register(registry)
    vision_commands.register(registry)
