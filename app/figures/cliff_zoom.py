"""The cliff view's wall (the half-lines where ||grad E|| is largest) and its zoom around the start: the runs
again in a window that holds the clipped runs, right of E's map, so that their steps of at most lr·v, a few
pixels on a map of the whole window, and the effect of lr and v on them are seen."""

from __future__ import annotations

import numpy as np

from app.contract.cliff import DescentQuery
from app.figures import style as s
from app.figures.base import FigureDict
from app.figures.style import tr
from core import cliff as k

WALL = "#b2182b"  # the app's "exploding" red
# E lies in [0, 0.49]: one fixed grey ramp (the map and the zoom).
E_MAX = 0.49
GREYS = [[0, "#ffffff"], [1, "#6b6b6b"]]
ZOOM_RESOLUTION = 41  # E's grid in the zoom, per axis
AXIS = {"showgrid": False, "zeroline": False}
# E's map and the zoom around the start side by side (fractions of the plot's width): the clipped runs' steps of
# at most lr·v are a few pixels on a map of the whole window, the zoom shows them at a scale of their own.
MAP = (0.0, 0.56)
ZOOM = (0.68, 1.0)  # its b axis in the gap
ZOOM_PAD = 1.15  # the zoom's half-width over half the clipped runs' extent


def wall_traces(wall: list[dict[str, np.ndarray]], lang: str) -> list[FigureDict]:
    """The wall's half-lines inside the window, dotted, with ||grad E|| on it in the hover."""
    where = tr(lang, "on the wall: w %{x:.3g}, b %{y:.3g}")
    hover = f"{where}<br>‖∇E‖ {s.POWER.format('customdata')}<extra></extra>"
    return [
        {
            "type": "scatter",
            "mode": "lines",
            "name": tr(lang, "wall"),
            "x": np.asarray(br["w"], dtype=np.float32),
            "y": np.asarray(br["b"], dtype=np.float32),
            "showlegend": False,
            "line": {"color": WALL, "width": 2, "dash": "dot"},
            "customdata": np.asarray(br["log10_norm"], dtype=np.float32),
            "hovertemplate": hover,
        }
        for br in wall
    ]


def zoom_window(q: DescentQuery, runs: dict[k.Method, k.Run]) -> tuple[list[float], list[float]]:
    """A square (w, b) window holding the start and every point of the clipped runs (the plain run's leap would
    hide them), ZOOM_PAD around their extent and never narrower than one clipped step lr·v."""
    ws = np.array([q.w0, *(w for m, r in runs.items() if m != "none" for w in r.w)], dtype=np.float64)
    bs = np.array([q.b0, *(b for m, r in runs.items() if m != "none" for b in r.b)], dtype=np.float64)
    kept = np.isfinite(ws) & np.isfinite(bs) & (np.abs(ws) <= k.BOX) & (np.abs(bs) <= k.BOX)
    ws, bs = ws[kept], bs[kept]
    cw, cb = (ws.min() + ws.max()) / 2, (bs.min() + bs.max()) / 2
    half = max(ZOOM_PAD * max(np.ptp(ws), np.ptp(bs)) / 2, q.lr * q.threshold, 1e-9 * (1 + abs(cw) + abs(cb)))
    return [float(cw - half), float(cw + half)], [float(cb - half), float(cb + half)]


def zoomed(q: DescentQuery, runs: dict[k.Method, k.Run], traces: list[FigureDict], lang: str) -> FigureDict:
    """The runs over E's map (their legend on top) and, right of it, the same runs and the wall in a window around
    the start (zoom_window), framed on the map by a rectangle: the figure of the runs the page lays over E's map."""
    ws, bs = zoom_window(q, runs)
    sub = {"xaxis": "x2", "yaxis": "y2", "showlegend": False}
    # The map's runs again (`meta` names the map's own); the hover gives w and b (E and ||grad E|| are on the map's).
    zoom = [
        {key: v for key, v in t.items() if key not in ("meta", "customdata")}
        | sub
        | {"hovertemplate": f"{t['name']}<br>w %{{x:.6g}}, b %{{y:.6g}}<extra></extra>"}
        for t in traces
    ]
    wall = [t | sub for t in wall_traces(k.wall((ws[0], ws[1]), (bs[0], bs[1]), q.steps), lang)]
    half, cw, cb = (ws[1] - ws[0]) / 2, (ws[0] + ws[1]) / 2, (bs[0] + bs[1]) / 2
    grid = k.surface(k.CliffConfig(cw, half, cb, half, ZOOM_RESOLUTION, q.steps))
    heat = {
        "type": "heatmap",
        "x": np.asarray(grid.w, dtype=np.float32),
        "y": np.asarray(grid.b, dtype=np.float32),
        "z": np.asarray(grid.loss, dtype=np.float32),
        "zmin": 0,
        "zmax": E_MAX,
        "colorscale": GREYS,
        "showscale": False,  # the map's colour bar
        "hovertemplate": "w %{x:.4f}, b %{y:.4f}<br>E %{z:.4f}<extra></extra>",
    } | sub
    frame = {"color": "#000", "width": 1.5}
    # The window marked on the map: a closed line rather than a layout shape, so that a new state moves it with
    # the runs (a shape's move redraws the whole figure).
    marked = {
        "type": "scatter",
        "mode": "lines",
        "x": [ws[0], ws[1], ws[1], ws[0], ws[0]],
        "y": [bs[0], bs[0], bs[1], bs[1], bs[0]],
        "line": frame,
        "name": tr(lang, "around the start"),
        "hoverinfo": "skip",
        "showlegend": False,
    }
    return {
        "data": [*traces, marked, heat, *wall, *zoom],
        "layout": {
            "legend": s.TOP_LEGEND,
            "xaxis2": {"domain": list(ZOOM), "anchor": "y2", "range": ws, "title": {"text": "w"}, **AXIS},
            "yaxis2": {"anchor": "x2", "range": bs, "automargin": True} | AXIS,
            "shapes": [
                {"type": "rect", "xref": "x2 domain", "yref": "y2 domain", "x0": 0, "x1": 1, "y0": 0, "y1": 1}
                | {"line": frame},
            ],
            "annotations": [
                {"xref": "x2 domain", "yref": "y2 domain", "x": 0.5, "y": 1, "xanchor": "center", "yanchor": "bottom"}
                | {"text": tr(lang, "around the start"), "showarrow": False},
            ],
        },
    }
