"""What the cliff view costs in an offline file (app/export/file.py), estimated from its checked queries before
anything is computed: the bytes and work units of the surfaces, stored once, and of each frame's runs."""

from __future__ import annotations

from app.contract import cost
from app.contract.cliff import CliffQuery, DescentQuery
from app.figures import grid
from app.figures.base import Queries
from app.figures.cliff_zoom import ZOOM_RESOLUTION

# Work units (app/figures/grid.py) per second of the API's cost model (app/contract/cost.py): MAX_WORK is about 15 s.
WORK_PER_SECOND = grid.MAX_WORK / 15


# What an offline file holds. The surfaces are the same in every frame (no slider changes the grid): stored once
# when their arrays are long enough to be shared (app/export/file.py), else in every frame. A frame adds the runs:
# each point as JSON numbers (three times: on both surfaces and in the zoom around the start) and float32 hover
# data, E and the step lengths, about 85 bytes a point once compressed (scripts/cliff_export.py); and the zoom's
# grid of E. Work: the surfaces are computed once (_surface), the runs in Python in every frame.
def _surfaces(q: CliffQuery) -> tuple[int, bool]:
    """The two heatmaps' bytes in a file, and whether it holds them once."""
    chars = q.resolution**2 * 4 * 4 // 3  # one float32 array as base64
    return int(2 * chars * 1.1) + 8_000, chars >= grid.SHARED_MIN


def shared_bytes(qs: Queries) -> int:
    q = qs["cliff"]
    assert isinstance(q, CliffQuery)
    size, once = _surfaces(q)
    return size if once else 0


def frame_bytes(qs: Queries) -> int:
    q, d = qs["cliff"], qs["descent"]
    assert isinstance(q, CliffQuery) and isinstance(d, DescentQuery)
    size, once = _surfaces(q)
    zoom = int((ZOOM_RESOLUTION + 2) * ZOOM_RESOLUTION * 4 * 4 / 3 * 1.1)  # the zoom's E and axes, float32 base64
    return 3 * (d.iterations + 1) * 85 + 6_000 + zoom + (0 if once else size)


def frame_work(qs: Queries) -> float:
    return cost.estimate("descent", qs["descent"].model_dump()) * WORK_PER_SECOND


def shared_work(qs: Queries) -> float:
    return cost.estimate("cliff", qs["cliff"].model_dump()) * WORK_PER_SECOND
