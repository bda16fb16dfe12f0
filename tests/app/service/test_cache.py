"""The response cache: hits, eviction by bytes, oversize bodies not kept."""

from app.service.cache import BodyCache


def test_hits_misses_and_eviction_by_bytes() -> None:
    cache = BodyCache(max_bytes=10, max_entry_bytes=8)
    calls: list[str] = []

    def make(key: str, size: int) -> bytes:
        def compute() -> bytes:
            calls.append(key)
            return b"x" * size

        return cache.get_or_compute(key, compute)

    assert make("a", 4) == b"xxxx" and make("a", 4) == b"xxxx"
    assert calls == ["a"] and cache.hits == 1 and cache.misses == 1
    make("b", 4)
    make("a", 4)  # a is now the most recent
    make("c", 4)  # 12 bytes > 10: the least recent (b) goes
    assert len(cache) == 2 and cache.size == 8
    make("b", 4)
    assert calls == ["a", "b", "c", "b"]
    make("big", 9)  # over max_entry_bytes: returned, not kept
    make("big", 9)
    assert calls.count("big") == 2
