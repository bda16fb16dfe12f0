"""What the cliff view costs in an offline file (app/export/file.py), estimated from its checked queries before
anything is computed: the bytes of the surfaces, stored once, and of each frame's runs."""

from __future__ import annotations

from app.contract import cost
from app.contract.cliff import CliffQuery, DescentQuery
from app.figures import grid
from app.figures.base import Queries
from app.figures.cliff_zoom import ZOOM_RESOLUTION


# What an offline file holds. The surfaces are the same in every frame (no slider changes the grid): stored once
# when their arrays are long enough to be shared (app/export/file.py), else in every frame. A frame adds the runs:
# each point as JSON numbers (three times: on both surfaces and in the zoom around the start) and float32 hover
# data, E and the step lengths, 85 to 95 bytes a point once compressed (scripts/cliff_export.py; counted as 100); and the zoom's
# grid of E. Seconds: the surfaces are computed once (cached_surface), the runs and the zoom in every frame.
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
    return 3 * (d.iterations + 1) * 100 + 6_000 + zoom + (0 if once else size)


def zoom_seconds(qs: Queries) -> float:
    """Each frame's own surface beyond its runs: E on the zoom's grid around the start (the cost model of
    GET /api/v1/cliff at that resolution)."""
    d = qs["descent"]
    assert isinstance(d, DescentQuery)
    return cost.estimate("cliff", {"resolution": ZOOM_RESOLUTION, "steps": d.steps})
