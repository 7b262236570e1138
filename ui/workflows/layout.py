"""Auto-layout: steps in columns by their depth from the start, branches stacked in each column."""

from __future__ import annotations

from collections import defaultdict

from tracseq_desktop.workflows.model import Workflow

COLUMN = 230.0
ROW = 120.0


def auto_layout(workflow: Workflow) -> dict[str, tuple[float, float]]:
    """Positions for every step: the longest path from a root over ordinary (not retry) edges picks the column."""
    depth = {s.id: 0 for s in workflow.steps}
    forward = [e for e in workflow.edges if not e.is_retry and e.source in depth and e.target in depth]
    for _round in range(len(depth)):  # longest paths; a loop of ordinary edges stops after n rounds
        changed = False
        for edge in forward:
            if depth[edge.target] < depth[edge.source] + 1:
                depth[edge.target] = depth[edge.source] + 1
                changed = True
        if not changed:
            break
    columns: dict[int, list[str]] = defaultdict(list)
    order = {s.id: (s.y, i) for i, s in enumerate(workflow.steps)}
    for step in workflow.steps:
        columns[depth[step.id]].append(step.id)
    positions: dict[str, tuple[float, float]] = {}
    for column, ids in columns.items():
        ids.sort(key=lambda i: order[i])
        top = -(len(ids) - 1) * ROW / 2
        for row, step_id in enumerate(ids):
            positions[step_id] = (column * COLUMN, top + row * ROW)
    return positions
