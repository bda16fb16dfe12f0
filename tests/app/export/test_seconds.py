"""One bound in seconds for every view's file: the API's cost model of each computation a file makes, plus what
a view estimates itself, at most MAX_SECONDS; what the frames share is counted once."""

from __future__ import annotations

import pytest

from app.contract import cost
from app.contract.cliff import CliffQuery, DescentQuery
from app.export.plan import ExportError, plan, seconds_of
from app.figures import views
from app.figures.cliff_zoom import ZOOM_RESOLUTION
from app.figures.grid import MAX_SECONDS
from app.figures.train_view import seconds as run_seconds
from app.pages.stories import STORIES


@pytest.mark.parametrize("story", [s.id for s in STORIES])
def test_every_story_s_file_is_within_the_bound(story: str) -> None:
    try:
        p = plan(story)
    except ExportError:  # a story whose view does not export
        return
    assert 0 < seconds_of(p) <= MAX_SECONDS


def test_the_cliff_counts_its_surfaces_once_and_its_runs_and_zoom_in_every_frame() -> None:
    p = plan("c7")
    qs = views.queries("cliff", p.params)
    q, d = qs["cliff"], qs["descent"]
    assert isinstance(q, CliffQuery) and isinstance(d, DescentQuery)
    surfaces = cost.estimate("cliff", q.model_dump())
    frame = cost.estimate("descent", d.model_dump()) + cost.estimate(
        "cliff", {"resolution": ZOOM_RESOLUTION, "steps": d.steps}
    )
    assert len(p.values[0]) == 40 and surfaces > frame > 0
    assert seconds_of(p) == pytest.approx(surfaces + 40 * frame)


def test_a_recurrent_file_is_its_frames_cost_models() -> None:
    p = plan("/?model=compare&steps=100", sliders="steps", points=5)
    expected = sum(
        cost.estimate(e, q.model_dump())
        for v in p.values[0]
        for e, q in views.queries("compare", p.params | {"steps": str(int(v))}).items()
    )
    assert set(views.queries("compare", p.params)) == {"rnn", "lstm", "gru"}
    assert seconds_of(p) == pytest.approx(expected)


def test_a_training_file_is_its_runs_estimates() -> None:
    p = plan("c11")
    runs = [run_seconds(views.queries("train", p.params | {"forget_bias": str(v)})) for v in p.values[0]]
    assert seconds_of(p) == pytest.approx(sum(runs)) and sum(runs) <= MAX_SECONDS


def test_over_the_bound_the_refusal_names_points_and_what_fits() -> None:
    with pytest.raises(ExportError) as err:
        plan("/?model=rnn&hidden=256&steps=1000", points=31)
    d = err.value.detail[0]
    assert d["field"] == "points" and "too much work for one export" in d["message"]
    fit = int(d["allowed"].partition("..")[2])
    assert 2 <= fit < 31 and seconds_of(plan("/?model=rnn&hidden=256&steps=1000", points=fit)) <= MAX_SECONDS
