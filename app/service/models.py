"""The store of uploaded models: one file per model in a directory, named by its content id.

Each file is a safetensors file (no pickles: `safetensors.numpy`) holding the canonical arrays of every cell
(`layers.<i>.<direction>.<Wh|Wx|bx|bh|peep>`), the carried input sequence `x` and `embedding` if any, and in its
`__metadata__` one JSON entry `bptt-model`: the layers' kinds, activations, GRU reset placement and
directions, the source format, vocabulary and notes (what rebuilds the Model exactly), and the ModelInfo the
API answers with, so that answering about a stored model reads only the file's header.

Files are written atomically (a temporary file in the same directory, fsync, os.replace), so several worker
processes may share the directory and a reader never sees half a file. The directory is capped in bytes; past
the cap the least recently used files go first. "Used" is the file's mtime, set on every put and get
(os.utime), so the order survives restarts and is shared by every process on the directory.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import struct
import tempfile
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError
from safetensors import SafetensorError
from safetensors.numpy import load as st_load
from safetensors.numpy import save as st_save

from app.contract.models import ModelInfo, model_info
from core.model.identity import canonical_id
from core.model.spec import DIRECTIONS, Cell, Layer, Model

SUFFIX = ".safetensors"
TEMP_PREFIX = ".partial-"
META_KEY = "bptt-model"
FORMAT = 1
STALE_TEMP_S = 3600.0  # a temporary file this old was left by a process that died while writing
_ID = re.compile(r"[0-9a-f]{64}")
MEMORY_BYTES = 256 * 2**20  # parsed models kept in memory per process (the newest is always kept)
_HEADER_MAX = 16 * 2**20  # the JSON header of a store file (the ModelInfo of the largest model is a few kB)


# What a damaged store file raises while it is read (JSON and struct errors are ValueErrors).
UNREADABLE = (ValueError, KeyError, TypeError, IndexError, ValidationError, SafetensorError)


class NotFound(KeyError):
    """No model with this id in the store: never uploaded here, or evicted since."""

    def __init__(self, model_id: str) -> None:
        super().__init__(model_id)
        self.model_id = model_id


class BadId(ValueError):
    """Not a content id: 64 lowercase hexadecimal characters."""


def valid_id(model_id: str) -> bool:
    return _ID.fullmatch(model_id) is not None


def encode(model: Model, info: ModelInfo) -> bytes:
    """The store file of a model and its ModelInfo."""
    arrays: dict[str, np.ndarray] = {}
    layers = []
    for i, layer in enumerate(model.layers):
        layers.append(
            {
                "kind": layer.kind,
                "activation": layer.activation,
                "reset_after": layer.reset_after,
                "directions": len(layer.cells),
            }
        )
        for d, cell in zip(layer.directions, layer.cells, strict=True):
            for name in ("Wh", "Wx", "bx", "bh", "peep"):
                value = getattr(cell, name)
                if value is not None:
                    arrays[f"layers.{i}.{d}.{name}"] = np.ascontiguousarray(value, dtype="<f8")
    for name in ("x", "embedding"):
        value = getattr(model, name)
        if value is not None:
            arrays[name] = np.ascontiguousarray(value, dtype="<f8")
    meta = {
        "format": FORMAT,
        "layers": layers,
        "source": model.source,
        "vocabulary": model.vocabulary,
        "notes": list(model.notes),
        "info": info.model_dump(mode="json"),
    }
    return bytes(st_save(arrays, metadata={META_KEY: json.dumps(meta, allow_nan=False)}))


def header(data: bytes) -> dict[str, Any]:
    """The `bptt-model` entry of a store file's header (its first bytes suffice)."""
    if len(data) < 8:
        raise ValueError("not a store file: shorter than its header length")
    (length,) = struct.unpack("<Q", data[:8])
    if length > _HEADER_MAX or len(data) < 8 + length:
        raise ValueError("not a store file: header length out of range")
    meta = json.loads(data[8 : 8 + length]).get("__metadata__") or {}
    entry = json.loads(meta[META_KEY])
    if entry.get("format") != FORMAT:
        raise ValueError(f"store file format {entry.get('format')!r}, this server reads {FORMAT}")
    return dict(entry)


def decode(data: bytes) -> Model:
    """The Model of a store file."""
    meta = header(data)
    arrays = st_load(data)
    layers = []
    for i, spec in enumerate(meta["layers"]):
        cells = []
        for d in DIRECTIONS[: spec["directions"]]:
            a = {k.rsplit(".", 1)[1]: v for k, v in arrays.items() if k.startswith(f"layers.{i}.{d}.")}
            cells.append(Cell(Wh=a["Wh"], Wx=a["Wx"], bx=a["bx"], bh=a["bh"], peep=a.get("peep")))
        layers.append(Layer(spec["kind"], tuple(cells), spec["activation"], spec["reset_after"]))
    return Model(
        layers=tuple(layers),
        source=meta["source"],
        x=arrays.get("x"),
        embedding=arrays.get("embedding"),
        vocabulary=meta["vocabulary"],
        notes=tuple(meta["notes"]),
    )


class Store:
    """Models by content id in `directory` (created on the first put), at most `max_bytes` of files."""

    def __init__(self, directory: Path, max_bytes: int, memory_bytes: int = MEMORY_BYTES) -> None:
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self._memory: OrderedDict[str, tuple[Model, int]] = OrderedDict()  # parsed models, most recently used last
        self._memory_bytes = memory_bytes
        self._lock = threading.Lock()

    def path(self, model_id: str) -> Path:
        """The file of a model id; BadId before anything touches the filesystem."""
        if not isinstance(model_id, str) or not valid_id(model_id):
            raise BadId(model_id)
        return self.directory / f"{model_id}{SUFFIX}"

    def __contains__(self, model_id: str) -> bool:
        return self.path(model_id).is_file()

    def put(self, model: Model) -> str:
        """Stores a model (its id computed here) and returns its id."""
        model_id = canonical_id(model)
        self.put_encoded(model_id, encode(model, model_info(model_id, model)))
        return model_id

    def put_encoded(self, model_id: str, data: bytes) -> bool:
        """Stores a store file under its id; False if a file was already there (it is kept: same numbers)."""
        target = self.path(model_id)
        if target.is_file():
            self._touch(target)
            return False
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=self.directory)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(temp, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
            raise
        self._sync_directory()
        self._evict(keep=target)
        return True

    def get(self, model_id: str) -> Model:
        """The model stored under an id; NotFound if it is not (or no longer) here."""
        path = self.path(model_id)
        with self._lock:
            held = self._memory.get(model_id)
            if held is not None:
                self._memory.move_to_end(model_id)
        if held is not None and self._touch(path):
            return held[0]
        data = self._read(path, model_id)
        try:
            model = decode(data)
        except UNREADABLE:
            self._discard(path)
            raise NotFound(model_id) from None
        with self._lock:
            self._memory[model_id] = (model, len(data))
            while sum(size for _, size in self._memory.values()) > self._memory_bytes and len(self._memory) > 1:
                self._memory.popitem(last=False)
        return model

    def info(self, model_id: str) -> ModelInfo:
        """What the API says about a stored model, read from the file's header alone."""
        path = self.path(model_id)
        try:
            with path.open("rb") as f:
                head = f.read(8)
                length = struct.unpack("<Q", head)[0] if len(head) == 8 else 0
                data = head + f.read(min(length, _HEADER_MAX))
        except FileNotFoundError:
            raise NotFound(model_id) from None
        self._touch(path)
        try:
            return ModelInfo.model_validate(header(data)["info"])
        except UNREADABLE:
            self._discard(path)
            raise NotFound(model_id) from None

    def _discard(self, path: Path) -> None:
        """Removes a file that is not a store file this server reads (damaged, or of another format version)."""
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        with self._lock:
            self._memory.pop(path.name.removesuffix(SUFFIX), None)

    def _read(self, path: Path, model_id: str) -> bytes:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            with self._lock:
                self._memory.pop(model_id, None)
            raise NotFound(model_id) from None
        self._touch(path)
        return data

    def _touch(self, path: Path) -> bool:
        """Marks a file as used now; False if it is gone."""
        try:
            os.utime(path)
            return True
        except FileNotFoundError:
            with self._lock:
                self._memory.pop(path.name.removesuffix(SUFFIX), None)
            return False

    def _sync_directory(self) -> None:
        """Makes the rename itself durable (POSIX: fsync of the directory)."""
        try:
            fd = os.open(self.directory, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)

    def files(self) -> list[tuple[float, int, Path]]:
        """(last used, bytes, path) of every stored model, least recently used first."""
        out = []
        for path in self.directory.glob(f"*{SUFFIX}"):
            if not valid_id(path.name.removesuffix(SUFFIX)):
                continue
            try:
                st = path.stat()
            except FileNotFoundError:  # evicted by another process meanwhile
                continue
            out.append((st.st_mtime, st.st_size, path))
        return sorted(out)

    def _evict(self, keep: Path) -> None:
        """Removes least recently used files until the store is within max_bytes (never `keep`, the file just
        written), and temporary files left by writers that died."""
        now = time.time()
        for temp in self.directory.glob(f"{TEMP_PREFIX}*"):
            with contextlib.suppress(FileNotFoundError):
                if now - temp.stat().st_mtime > STALE_TEMP_S:
                    temp.unlink()
        files = self.files()
        total = sum(size for _, size, _ in files)
        for _, size, path in files:
            if total <= self.max_bytes:
                break
            if path == keep:
                continue
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            with self._lock:
                self._memory.pop(path.name.removesuffix(SUFFIX), None)
            total -= size
