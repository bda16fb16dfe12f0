"""The reader's child process: it answers with the model's id and store file, or the reader's refusal; a child
killed mid-read (as a native library's crash would end it) is a refusal naming the exit code, and one past its
time limit is stopped."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import save

from app.service.model_reader import Read, TimedOut, read
from app.service.models import decode
from core.model.checks import Limits, ModelError
from core.model.identity import canonical_id
from core.model.load import load

MODELS = Path(__file__).resolve().parents[2] / "fixtures" / "models"


def large_lstm(n: int = 512) -> bytes:
    rng = np.random.default_rng(0)
    arrays = {
        "weight_ih_l0": rng.standard_normal((4 * n, n)).astype(np.float32),
        "weight_hh_l0": (rng.standard_normal((4 * n, n)) / np.sqrt(n)).astype(np.float32),
        "bias_ih_l0": np.zeros(4 * n, np.float32),
        "bias_hh_l0": np.zeros(4 * n, np.float32),
    }
    return bytes(save(arrays, metadata={"kind": "lstm"}))


def test_a_model_comes_back_as_its_store_file():
    data = (MODELS / "torch_gru_2.onnx").read_bytes()
    r = read(data, "m.onnx", None, Limits(), 60)
    assert isinstance(r, Read)
    model = load(data, "m.onnx", None, Limits())
    assert r.model_id == canonical_id(model) == canonical_id(decode(r.data))
    assert multiprocessing.active_children() == []  # the child is gone


def test_a_refusal_comes_back_with_its_parts():
    with pytest.raises(ModelError) as info:
        read(b"\x80\x04junk", "m.pt", None, Limits(), 60)
    e = info.value
    assert "pickle" in str(e) and e.key == "m.pt" and e.found == "pickle"


def test_a_child_killed_mid_read_is_a_refusal():
    data = large_lstm()
    outcome: list[object] = []
    thread = threading.Thread(target=lambda: outcome.append(_try(data)))
    thread.start()
    deadline = time.monotonic() + 60
    while not (children := multiprocessing.active_children()):
        assert time.monotonic() < deadline and thread.is_alive()
        time.sleep(0.005)
    pid = children[0].pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    thread.join(60)
    (e,) = outcome
    assert isinstance(e, ModelError), e
    assert "stopped on this file without an answer" in str(e) and "exit code -9" in str(e)


def test_past_the_time_limit_the_child_is_stopped():
    t0 = time.monotonic()
    with pytest.raises(TimedOut):
        read(large_lstm(), "m.safetensors", None, Limits(), 0.05)
    assert time.monotonic() - t0 < 10
    assert multiprocessing.active_children() == []


def _try(data: bytes) -> object:
    try:
        return read(data, "m.safetensors", None, Limits(), 120)
    except Exception as e:
        return e
