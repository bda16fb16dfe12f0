"""Hostile variants of real model files: archives rewritten, HDF5 files given links to other files, virtual and
external datasets, declared sizes the file does not hold."""

from __future__ import annotations

import io
import json
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import h5py  # type: ignore[import-untyped]
import numpy as np

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "models" / "read"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def rezip(data: bytes, replace: dict[str, bytes | None], level: int = zipfile.ZIP_STORED) -> bytes:
    """An archive with some members replaced (None: removed) or added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", level) as dst:
        for name in src.namelist():
            if name not in replace:
                dst.writestr(name, src.read(name))
        for name, body in replace.items():
            if body is not None:
                dst.writestr(name, body)
    return out.getvalue()


def edit_config(data: bytes, change: Callable[[dict[str, Any]], None]) -> bytes:
    """A .keras archive whose config.json went through `change`."""
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        config = json.loads(src.read("config.json"))
    change(config)
    return rezip(data, {"config.json": json.dumps(config).encode()})


def layer_config(config: dict[str, Any], class_name: str) -> dict[str, Any]:
    """The config of the first layer of a class."""
    return next(layer for layer in config["config"]["layers"] if layer["class_name"] == class_name)


def edit_h5(data: bytes, change: Callable[[h5py.File], None]) -> bytes:
    """An HDF5 file (bytes) after `change` ran on it, opened in memory."""
    buffer = io.BytesIO(data)
    with h5py.File(buffer, "r+") as f:
        change(f)
    return buffer.getvalue()


def edit_weights_in_keras(data: bytes, change: Callable[[h5py.File], None]) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        weights = src.read("model.weights.h5")
    return rezip(data, {"model.weights.h5": edit_h5(weights, change)})


def replace_dataset(path: str, values: np.ndarray) -> Callable[[h5py.File], None]:
    def change(f: h5py.File) -> None:
        del f[path]
        f.create_dataset(path, data=values)

    return change


def external_link(f: h5py.File) -> None:
    f["layers/lstm/cell/vars/3"] = h5py.ExternalLink("/etc/other.h5", "/weights")


def soft_link(f: h5py.File) -> None:
    f["layers/lstm_2"] = h5py.SoftLink("/layers/lstm")


def virtual_dataset(f: h5py.File) -> None:
    layout = h5py.VirtualLayout(shape=(4,), dtype="f4")
    layout[:] = h5py.VirtualSource("/etc/other.h5", "x", shape=(4,))
    f.create_virtual_dataset("layers/lstm/cell/vars/3", layout)


def external_dataset(f: h5py.File) -> None:
    f.create_dataset("layers/lstm/cell/vars/3", shape=(4,), dtype="f4", external=[("/etc/raw.bin", 0, 16)])


def ten_gigabytes(f: h5py.File) -> None:
    f.create_dataset("layers/lstm/cell/vars/3", shape=(50_000, 50_000), dtype="f4")


def unwritten(f: h5py.File) -> None:
    f.create_dataset("layers/lstm/cell/vars/3", shape=(1000, 1000), dtype="f8")


def unwritten_compressed(f: h5py.File) -> None:
    f.create_dataset("layers/lstm/cell/vars/3", shape=(1000, 1000), dtype="f8", chunks=(100, 100), compression="gzip")


def bomb(config_bytes: int) -> bytes:
    """A .keras archive whose config.json inflates from a few kilobytes to `config_bytes` (spaces)."""
    data = fixture("keras_embed_gru.keras")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        dst.writestr("config.json", src.read("config.json") + b" " * config_bytes)
        dst.writestr("model.weights.h5", src.read("model.weights.h5"))
    return out.getvalue()


def declared_size(data: bytes, member: str, size: int) -> bytes:
    """An archive whose central directory declares `size` uncompressed bytes for one member."""
    out = bytearray(data)
    at = out.find(b"PK\x01\x02" + b"", 0)
    while at >= 0:
        name_length = struct.unpack_from("<H", out, at + 28)[0]
        name = bytes(out[at + 46 : at + 46 + name_length]).decode()
        if name == member:
            struct.pack_into("<I", out, at + 24, size)
            return bytes(out)
        at = out.find(b"PK\x01\x02", at + 4)
    raise KeyError(member)
