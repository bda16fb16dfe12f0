"""The model store: a stored model is the model (every array, its input sequence, embedding and notes), ids are
checked before the filesystem is touched, files survive a new Store on the same directory, the least recently
used go first past the byte cap, and writers in parallel leave whole files only."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from app.contract.models import model_info
from app.service.models import SUFFIX, TEMP_PREFIX, BadId, NotFound, Store, decode, encode, header
from core.model.checks import Limits
from core.model.identity import canonical_id, serialize
from core.model.load import load
from core.model.spec import Cell, Layer, Model
from core.model.stack import summary

MODELS = Path(__file__).resolve().parents[2] / "fixtures" / "models"


def loaded(name: str) -> Model:
    path = MODELS / name if (MODELS / name).exists() else MODELS / "read" / name
    return load(path.read_bytes(), name, None, Limits())


def peephole_model() -> Model:
    rng = np.random.default_rng(3)
    n, m = 3, 2
    cell = Cell(
        Wh=rng.standard_normal((4, n, n)),
        Wx=rng.standard_normal((4, n, m)),
        bx=rng.standard_normal((4, n)),
        bh=rng.standard_normal((4, n)),
        peep=rng.standard_normal((3, n)),
    )
    return Model(layers=(Layer("lstm", (cell,)),), source="onnx", notes=("peepholes",))


def assert_same(a: Model, b: Model) -> None:
    assert serialize(a) == serialize(b)
    assert (a.source, a.vocabulary, a.notes) == (b.source, b.vocabulary, b.notes)
    for name in ("x", "embedding"):
        va, vb = getattr(a, name), getattr(b, name)
        assert (va is None) == (vb is None)
        if va is not None:
            np.testing.assert_array_equal(va, vb)
    for la, lb in zip(a.layers, b.layers, strict=True):
        assert (la.kind, la.activation, la.reset_after) == (lb.kind, lb.activation, lb.reset_after)
        for ca, cb in zip(la.cells, lb.cells, strict=True):
            for field in ("Wh", "Wx", "bx", "bh"):
                np.testing.assert_array_equal(getattr(ca, field), getattr(cb, field))
    assert summary(a) == summary(b)


@pytest.mark.parametrize(
    "name",
    [
        "torch_lstm_bi_2.safetensors",
        "torch_gru_2.onnx",
        "torch_rnn_relu_2.safetensors",
        "keras_gru_before.keras",
        "keras_embed_gru.keras",
        "keras_bi_lstm_gru.weights.h5",
    ],
)
def test_a_stored_model_is_the_model(tmp_path, name):
    model = loaded(name)
    store = Store(tmp_path / "models", 2**30)
    model_id = store.put(model)
    assert model_id == canonical_id(model)
    assert (tmp_path / "models" / f"{model_id}{SUFFIX}").is_file()
    assert_same(store.get(model_id), model)
    assert store.info(model_id) == model_info(model_id, model)
    # a new store on the same directory (a restart, or another worker) reads the file itself
    again = Store(tmp_path / "models", 2**30)
    assert_same(again.get(model_id), model)


def test_peepholes_and_a_carried_sequence_round_trip():
    model = peephole_model()
    back = decode(encode(model, model_info(canonical_id(model), model)))
    assert back.layers[0].cells[0].peep is not None
    np.testing.assert_array_equal(back.layers[0].cells[0].peep, model.layers[0].cells[0].peep)
    assert_same(back, model)
    carried = loaded("torch_lstm.safetensors")
    assert carried.x is not None
    assert_same(decode(encode(carried, model_info(canonical_id(carried), carried))), carried)


def test_the_file_is_plain_safetensors_with_a_json_header(tmp_path):
    from safetensors.numpy import load_file

    model = loaded("torch_gru_2.safetensors")
    store = Store(tmp_path, 2**30)
    path = store.path(store.put(model))
    arrays = load_file(str(path))
    assert set(arrays) >= {"layers.0.forward.Wh", "layers.1.forward.bh", "x"}
    assert all(a.dtype == np.float64 for a in arrays.values())
    meta = header(path.read_bytes())
    assert [layer["kind"] for layer in meta["layers"]] == ["gru", "gru"]
    assert meta["info"]["id"] == path.name.removesuffix(SUFFIX)


@pytest.mark.parametrize(
    "bad",
    ["../../etc/passwd", "..", "/etc/passwd", "A" * 64, "a" * 63, "a" * 65, "g" * 64, "a" * 63 + "\0", "", "%2e%2e"],
)
def test_ids_are_checked_before_the_filesystem(tmp_path, bad):
    store = Store(tmp_path / "never", 2**30)
    for call in (store.get, store.info, store.path):
        with pytest.raises(BadId):
            call(bad)
    assert not (tmp_path / "never").exists()


def test_unknown_id_and_a_file_removed_by_another_process(tmp_path):
    store = Store(tmp_path, 2**30)
    with pytest.raises(NotFound):
        store.get("0" * 64)
    with pytest.raises(NotFound):
        store.info("0" * 64)
    model_id = store.put(loaded("torch_gru.safetensors"))
    store.get(model_id)  # now also held in memory
    os.unlink(store.path(model_id))  # another worker evicted it
    with pytest.raises(NotFound):
        store.get(model_id)
    with pytest.raises(NotFound):
        store.info(model_id)


def test_the_least_recently_used_go_first(tmp_path):
    models = [loaded(n) for n in ("torch_rnn_tanh.safetensors", "torch_gru.safetensors", "torch_lstm.safetensors")]
    sizes = [len(encode(m, model_info(canonical_id(m), m))) for m in models]
    store = Store(tmp_path, sizes[0] + sizes[1] + sizes[2] - 1)  # any two fit, not three
    a = store.put(models[0])
    time.sleep(0.02)
    b = store.put(models[1])
    time.sleep(0.02)
    store.get(a)  # a is now used more recently than b
    time.sleep(0.02)
    c = store.put(models[2])
    assert a in store and c in store and b not in store
    with pytest.raises(NotFound):
        store.get(b)
    # the order is the files' own, so a store opened later on the directory keeps it
    later = Store(tmp_path, sizes[0] + sizes[2] - 1)
    time.sleep(0.02)
    later.info(a)
    time.sleep(0.02)
    again = later.put(models[1])
    assert again == b and a in later and b in later and c not in later


def test_a_model_larger_than_the_cap_is_kept_alone(tmp_path):
    store = Store(tmp_path, 10)
    first = store.put(loaded("torch_gru.safetensors"))
    second = store.put(loaded("torch_lstm.safetensors"))
    assert first not in store and second in store


def test_writers_in_parallel_leave_whole_files_only(tmp_path):
    models = [loaded(n) for n in ("torch_rnn_tanh.safetensors", "torch_gru_2.safetensors", "torch_lstm_bi_2.onnx")]
    expected = {canonical_id(m) for m in models}
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def writer(k: int) -> None:
        store = Store(tmp_path, 2**30)  # a store per thread, as a worker process would have
        try:
            start.wait()
            for i in range(15):
                model = models[(k + i) % len(models)] if k % 2 else models[0]  # the same and different models
                model_id = store.put(model)
                assert_same(Store(tmp_path, 2**30).get(model_id), model)
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(f"{i}{SUFFIX}" for i in expected)  # no temporary file left
    for model in models:
        assert_same(decode(Store(tmp_path, 2**30).path(canonical_id(model)).read_bytes()), model)


def test_temporary_files_of_a_writer_that_died_are_cleared(tmp_path):
    stale = tmp_path / f"{TEMP_PREFIX}dead"
    stale.write_bytes(b"half a model")
    old = time.time() - 7200
    os.utime(stale, (old, old))
    fresh = tmp_path / f"{TEMP_PREFIX}writing"
    fresh.write_bytes(b"being written")
    Store(tmp_path, 2**30).put(loaded("torch_gru.safetensors"))
    assert not stale.exists() and fresh.exists()


@pytest.mark.parametrize("damage", [b"", b"junk", b"\xff" * 8 + b"{}", b"\x02\0\0\0\0\0\0\0{}"])
def test_a_damaged_file_is_not_found_and_removed(tmp_path, damage):
    store = Store(tmp_path, 2**30)
    model_id = store.put(loaded("torch_gru.safetensors"))
    good = store.path(model_id).read_bytes()
    for call in (store.info, store.get):
        store.path(model_id).write_bytes(damage)
        fresh = Store(tmp_path, 2**30)  # nothing held in memory
        with pytest.raises(NotFound):
            (fresh.info if call == store.info else fresh.get)(model_id)
        assert not store.path(model_id).exists()
    cut = good[: len(good) // 2]  # a file cut short: its header reads, its arrays do not
    store.path(model_id).write_bytes(cut)
    with pytest.raises(NotFound):
        Store(tmp_path, 2**30).get(model_id)


def test_parsed_models_held_in_memory_are_bounded_in_bytes(tmp_path):
    models = [loaded(n) for n in ("torch_rnn_tanh.safetensors", "torch_gru.safetensors", "torch_lstm.safetensors")]
    store = Store(tmp_path, 2**30, memory_bytes=1)  # room for the newest only
    ids = [store.put(m) for m in models]
    held = [store.get(i) for i in ids]
    assert store.get(ids[2]) is held[2]  # the newest is held
    assert store.get(ids[0]) is not held[0]  # older ones were let go and are read from their files again
    roomy = Store(tmp_path, 2**30)
    first = roomy.get(ids[0])
    assert roomy.get(ids[1]) is not None and roomy.get(ids[0]) is first
