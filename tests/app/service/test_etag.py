"""ETag, Cache-Control and 304 on the JSON API; pages, errors and other routes untouched."""

from fastapi.testclient import TestClient

from app.service.etag import etag_of


def test_answers_carry_a_strong_etag_of_their_body_and_revalidate_to_304(client: TestClient) -> None:
    plain = {"Accept-Encoding": "identity"}  # the plain body (gzip's own tag: below)
    r = client.get("/api/v1/rnn?steps=12&seed=5", headers=plain)
    tag = r.headers["etag"]
    assert tag == etag_of(r.content) and not tag.startswith("W/")
    assert r.headers["cache-control"] == "public, max-age=3600"
    again = client.get("/api/v1/rnn?steps=12&seed=5", headers={**plain, "If-None-Match": tag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
    # Another query is another body, another tag; a stale tag gets the full answer.
    other = client.get("/api/v1/rnn?steps=13&seed=5", headers={**plain, "If-None-Match": tag})
    assert other.status_code == 200 and other.headers["etag"] != tag
    listed = client.get("/api/v1/rnn?steps=12&seed=5", headers={**plain, "If-None-Match": f'"x", W/{tag}'})
    assert listed.status_code == 304


def test_the_same_query_always_gives_the_same_tag(client: TestClient) -> None:
    url = "/api/v1/scalar?weight=2&steps=30"
    assert client.get(url).headers["etag"] == client.get(url).headers["etag"]


def test_the_gzip_body_has_its_own_strong_tag_and_revalidates_to_it(client: TestClient) -> None:
    url = "/api/v1/rnn?steps=200"
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.headers["etag"] == etag_of(plain.content)
    r = client.get(url, headers={"Accept-Encoding": "gzip"})
    gz_tag = r.headers["etag"]
    assert r.headers["content-encoding"] == "gzip" and gz_tag == etag_of(r.content)[:-1] + '-gzip"'
    assert r.content == plain.content  # the same JSON underneath
    again = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": gz_tag})
    assert again.status_code == 304 and again.headers["etag"] == gz_tag
    # Each tag revalidates its own representation; the plain tag still matches a plain request.
    assert (
        client.get(url, headers={"Accept-Encoding": "identity", "If-None-Match": plain.headers["etag"]}).status_code
        == 304
    )


def test_errors_and_pages_are_not_tagged(client: TestClient) -> None:
    bad = client.get("/api/v1/rnn?steps=0")
    assert bad.status_code == 422 and "etag" not in bad.headers
    assert "etag" not in client.get("/").headers


def test_an_answer_with_its_own_cache_policy_is_left_alone(client: TestClient) -> None:
    r = client.get("/api/v1/train/status")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store" and "etag" not in r.headers
