"""/embed: a view with minimal chrome for an iframe; its flags are checked and named when wrong."""

import re

import pytest
from fastapi.testclient import TestClient

from app.pages.embed import PANELS


@pytest.mark.parametrize("view", ["recurrent", "scalar", "feedforward", "cliff", "train"])
def test_every_view_embeds(client: TestClient, view: str) -> None:
    r = client.get(f"/embed?view={view}&controls=none&text=0&lang=zh")
    assert r.status_code == 200
    assert '<body class="embed no-text" data-controls="none" data-plots="all">' in r.text
    assert "js/embed.js" in r.text and 'id="page-config"' in r.text and '<html lang="zh-Hans">' in r.text


def test_the_views_own_pages_are_not_embedded(client: TestClient) -> None:
    html = client.get("/scalar").text
    assert "js/embed.js" not in html and 'class="embed' not in html


def test_defaults_show_every_control_and_the_text(client: TestClient) -> None:
    assert '<body class="embed" data-controls="all" data-plots="all">' in client.get("/embed").text


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("view=nope", "view must be one of: recurrent, scalar"),
        ("controls=a;b", "controls must be"),
        ("text=2", "text must be"),
    ],
)
def test_bad_flags_are_named(client: TestClient, query: str, named: str) -> None:
    r = client.get(f"/embed?{query}")
    assert r.status_code == 404 and named in r.json()["detail"]


@pytest.mark.parametrize(("lang", "title"), [("en", "This view cannot be embedded"), ("zh", "此视图无法嵌入")])
def test_a_browser_gets_a_page_naming_the_views_and_at_most_40_characters_of_the_value(
    client: TestClient, lang: str, title: str
) -> None:
    r = client.get(f"/embed?view={'x' * 5000}&lang={lang}", headers={"Accept": "text/html,*/*;q=0.8"})
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert f"<h1>{title}</h1>" in r.text
    assert "x" * 40 + "…" in r.text and "x" * 41 not in r.text
    for view in ("recurrent", "scalar", "feedforward", "cliff", "train"):
        assert f'href="/embed?view={view}' in r.text


@pytest.mark.parametrize("view", list(PANELS))
def test_the_plot_names_are_the_pages_panels(client: TestClient, view: str) -> None:
    """PANELS lists each view's panels (their plot-<name> ids) in page order, with the models they are drawn for."""
    html = client.get(f"/embed?view={view}").text
    found = re.findall(
        r'<article class="panel"(?: id="[^"]+")?(?: data-models="([^"]*)")?>\s*<div class="plot[^"]*" id="plot-(\w+)"',
        html,
    )
    assert [(name, tuple(models.split()) if models else ()) for models, name in found] == list(PANELS[view].items())


@pytest.mark.parametrize(
    ("query", "plots"),
    [
        ("view=recurrent&plots=decay", "decay"),
        ("view=recurrent&plots=plot-decay,pairs", "plot-decay,pairs"),
        ("view=recurrent&model=lstm&plots=cell", "cell"),
        ("view=recurrent&model=compare&plots=carry", "carry"),
        ("view=recurrent&plots=decay,cell", "decay,cell"),  # the cell panel shows once the model is switched
        ("view=cliff&plots=grad", "grad"),
    ],
)
def test_plots_are_handed_to_the_page(client: TestClient, query: str, plots: str) -> None:
    r = client.get(f"/embed?{query}")
    assert r.status_code == 200 and f'data-plots="{plots}"' in r.text


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("view=scalar&plots=decay", "plots must be all or a comma-separated list of: factors, activation, compound"),
        ("view=scalar&plots=", "plots must be all or a comma-separated list of"),
        ("view=train&plots=loss,,far", "plots must be all or a comma-separated list of: loss, grad, heat, far"),
        (
            "view=recurrent&plots=cell",
            "plots 'cell' are drawn for model lstm or compare only (the link's model is rnn)",
        ),
        ("view=recurrent&model=gru&plots=nearfar,spectrum", "drawn for model rnn or compare only"),
    ],
)
def test_bad_plots_are_named_with_the_allowed_values(client: TestClient, query: str, named: str) -> None:
    r = client.get(f"/embed?{query}")
    assert r.status_code == 404 and named in r.json()["detail"]
    page = client.get(f"/embed?{query}", headers={"Accept": "text/html"})
    assert page.status_code == 404 and "This view cannot be embedded" in page.text


def test_a_long_plots_value_is_quoted_to_40_characters(client: TestClient) -> None:
    detail = client.get(f"/embed?view=scalar&plots={'p' * 500}").json()["detail"]
    assert "p" * 40 + "…" in detail and "p" * 41 not in detail


def test_a_browser_gets_links_to_the_plots_that_exist(client: TestClient) -> None:
    r = client.get("/embed?view=scalar&plots=decay&lang=zh&weight=2", headers={"Accept": "text/html"})
    assert r.status_code == 404 and "此视图可显示的图：" in r.text
    for name in ("factors", "activation", "compound"):
        assert f'/embed?view=scalar&amp;lang=zh&amp;weight=2&amp;plots={name}"' in r.text
    assert "?view=recurrent" not in r.text  # the view was right: its plots are listed, not the views


def test_the_links_offer_only_plots_the_links_model_draws(client: TestClient) -> None:
    html = client.get("/embed?view=recurrent&model=gru&plots=cell", headers={"Accept": "text/html"}).text
    offered = re.findall(r"plots=(\w+)\">", html)
    assert offered == ["decay", "pairs", "units", "carry"]
