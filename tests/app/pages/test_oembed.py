"""oEmbed: a pasted link to a view becomes its /embed iframe; pages advertise the endpoint."""

from urllib.parse import parse_qsl, urlsplit

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize(
    ("link", "view"),
    [
        ("/", "recurrent"),
        ("/scalar?weight=2&steps=30", "scalar"),
        ("/embed?view=cliff&lr=2", "cliff"),
        ("/train", "train"),
    ],
)
def test_a_link_to_a_view_becomes_its_embed_iframe(client: TestClient, link: str, view: str) -> None:
    d = client.get("/oembed", params={"url": f"http://testserver{link}"}).json()
    assert d["version"] == "1.0" and d["type"] == "rich" and d["provider_name"] == "BPTT Explorer"
    src = d["html"].split('src="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    parts = urlsplit(src)
    query = dict(parse_qsl(parts.query))
    assert parts.path == "/embed" and query.pop("view") == view
    expected = dict(parse_qsl(urlsplit(link).query))
    expected.pop("view", None)
    assert query == expected
    assert client.get(src).status_code == 200  # the iframe's page exists
    assert (d["width"], d["height"]) == (900, 700)


def test_the_consumers_maximum_size_is_kept(client: TestClient) -> None:
    d = client.get("/oembed", params={"url": "/scalar", "maxwidth": 480, "maxheight": 320}).json()
    assert (d["width"], d["height"]) == (480, 320) and 'width="480" height="320"' in d["html"]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"url": "http://elsewhere.example/scalar"}, 404),
        ({"url": "/docs"}, 404),
        ({"url": "/scalar", "format": "xml"}, 501),
        ({"url": "/scalar", "maxwidth": 5}, 422),
    ],
)
def test_links_it_cannot_embed_are_refused(client: TestClient, params: dict[str, str | int], status: int) -> None:
    assert client.get("/oembed", params=params).status_code == status


def test_every_view_advertises_the_endpoint(client: TestClient) -> None:
    for path in ("/", "/scalar", "/feedforward", "/cliff", "/train", "/stories"):
        html = client.get(path).text
        assert 'type="application/json+oembed"' in html and "/oembed?url=" in html
