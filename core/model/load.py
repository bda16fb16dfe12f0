"""The one entry point from an uploaded file to a Model, and the reader of an uploaded input sequence.

The size is checked first, then the format is told from the bytes (core.model.sniff), then the one reader of
that format runs. Files that could only be opened by running their code (pickles, PyTorch checkpoints,
TorchScript) are refused with the way to convert them."""

from __future__ import annotations

import io

import numpy as np

from core.model.checks import Limits, ModelError, as_float64
from core.model.read_keras import read_keras
from core.model.read_onnx import read_onnx
from core.model.read_safetensors import read_safetensors
from core.model.sniff import NPY_MAGIC, refuse, sniff
from core.model.spec import Model


def load(data: bytes, filename: str, nonlinearity: str | None, limits: Limits) -> Model:
    """The Model an uploaded file holds. `nonlinearity` is the vanilla RNN's activation for formats that do not
    record it (safetensors, a bare Keras weights file); None: tanh."""
    if not data:
        raise ModelError("the file is empty", filename, "0 bytes", "a model file")
    if len(data) > limits.max_bytes:
        raise ModelError("file too large", filename, f"{len(data)} bytes", f"at most {limits.max_bytes}")
    try:
        return _read(data, filename, nonlinearity, limits)
    except ModelError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, OSError, RuntimeError, OverflowError) as e:
        # Every reader refuses what it recognises as damaged; this names what slipped past them.
        raise ModelError(f"unreadable file ({type(e).__name__}: {e})", filename) from e


def _read(data: bytes, filename: str, nonlinearity: str | None, limits: Limits) -> Model:
    kind = sniff(data, filename, limits)
    if kind == "safetensors":
        return read_safetensors(data, nonlinearity, limits)
    if kind in ("hdf5", "keras"):
        return read_keras(data, limits, nonlinearity)
    if kind == "onnx":
        return read_onnx(data, limits)
    raise refuse(kind, filename)


def read_sequence_npy(data: bytes, limits: Limits) -> np.ndarray:
    """An uploaded input sequence: a float .npy array of shape (T, m), as float64; the header is parsed without
    unpickling, and the data must be exactly as long as the header declares."""
    key = "input sequence (.npy)"
    if not data.startswith(NPY_MAGIC):
        raise ModelError("not an .npy file", key, repr(data[:6]), repr(NPY_MAGIC))
    if len(data) > limits.max_bytes:
        raise ModelError("file too large", key, f"{len(data)} bytes", f"at most {limits.max_bytes}")
    stream = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
        elif version in ((2, 0), (3, 0)):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream)
        else:
            raise ValueError(f"version {version}")
    except (ValueError, SyntaxError, EOFError, TypeError) as e:
        raise ModelError(f"unreadable .npy header ({e})", key) from e
    if dtype.hasobject or dtype.kind != "f":
        raise ModelError("only float arrays are read", key, str(dtype), "float16, float32 or float64")
    if len(shape) != 2:
        raise ModelError("an input sequence has two axes (time, inputs)", key, tuple(shape), "(T, m)")
    steps, width = shape
    if not 1 <= steps <= limits.max_steps:
        raise ModelError("sequence length out of range", key, steps, f"1 to {limits.max_steps}")
    if not width >= 1 or steps * width > limits.max_numbers:
        raise ModelError("sequence width out of range", key, width, f"1 to {limits.max_numbers // steps}")
    body = data[stream.tell() :]
    if len(body) != steps * width * dtype.itemsize:
        raise ModelError(
            "the data is not as long as the header declares",
            key,
            f"{len(body)} bytes",
            f"{steps * width * dtype.itemsize}",
        )
    values = np.frombuffer(body, dtype=dtype).reshape(shape, order="F" if fortran else "C")
    return as_float64(key, values, (steps, width))
