"""What kind of file an upload is, told from its bytes (the name's extension only where bytes cannot tell).

Formats: "safetensors", "hdf5" (a Keras .weights.h5), "keras" (a .keras zip), "torch" (a PyTorch .pt/.pth zip),
"torchscript", "npz", "npz-pickle" (an .npz holding object arrays, which are pickles), "zip" (any other zip),
"pickle", "npy", "onnx", or "unknown"."""

from __future__ import annotations

import io
import struct
import zipfile

import numpy as np
import onnx

from core.model.archive import zip_members, zip_read
from core.model.checks import Limits, ModelError

HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
ZIP_MAGIC = b"PK\x03\x04"
NPY_MAGIC = b"\x93NUMPY"
PICKLE_NAMES = (".pkl", ".pickle", ".pt", ".pth", ".bin", ".ckpt", ".joblib")


def sniff(data: bytes, filename: str, limits: Limits) -> str:
    """The format of `data` (see the module docstring)."""
    if is_safetensors(data):
        return "safetensors"
    if data.startswith(HDF5_MAGIC):
        return "hdf5"
    if data.startswith(ZIP_MAGIC):
        return _zip_kind(data, limits)
    if data.startswith(NPY_MAGIC):
        return "npy"
    if len(data) >= 2 and data[0] == 0x80 and 2 <= data[1] <= 5:
        return "pickle"
    if _is_onnx(data):
        return "onnx"
    name = filename.lower()
    if name.endswith(PICKLE_NAMES):
        return "pickle"
    if name.endswith(".onnx"):
        return "onnx"  # a damaged ONNX file: its reader says what is wrong
    return "unknown"


def is_safetensors(data: bytes) -> bool:
    """An 8-byte little-endian header length of at most 100 MiB, then a JSON object (a file cut short is still
    told as safetensors, for its reader to refuse precisely)."""
    if len(data) < 10:
        return False
    (length,) = struct.unpack("<Q", data[:8])
    return 2 <= length <= 100 * 2**20 and data[8:9] == b"{"


def _zip_kind(data: bytes, limits: Limits) -> str:
    members = zip_members(data, limits)
    names = list(members)
    if "config.json" in names and ("model.weights.h5" in names or "metadata.json" in names):
        return "keras"  # the Keras reader names a missing member
    if any(n == "constants.pkl" or n.endswith("/constants.pkl") or "/code/" in f"/{n}" for n in names):
        return "torchscript"
    if any(n == "data.pkl" or n.endswith("/data.pkl") or n.startswith("archive/") for n in names):
        return "torch"
    if names and all(n.endswith(".npy") for n in names):
        for info in members.values():
            header = zip_read(data, info, info.file_size) if info.file_size <= 4096 else _head(data, info)
            if _npy_is_object(header):
                return "npz-pickle"
        return "npz"
    if any(n.endswith(".pkl") for n in names):
        return "torch"
    return "zip"


def _head(data: bytes, info: zipfile.ZipInfo) -> bytes:
    """The first 4 KiB of a zip member (an .npy header fits)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(info) as member:
            return member.read(4096)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError) as e:
        raise ModelError(f"unreadable archive member ({e})", f"member {info.filename!r}") from e


def _npy_is_object(head: bytes) -> bool:
    """Whether an .npy header declares an object dtype (its data would be a pickle); an unreadable header
    counts as one, since it cannot be shown not to be."""
    try:
        stream = io.BytesIO(head)
        version = np.lib.format.read_magic(stream)
        reader = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        _, _, dtype = reader(stream)
    except (ValueError, SyntaxError, EOFError, TypeError):
        return True
    return bool(dtype.hasobject)


def _is_onnx(data: bytes) -> bool:
    """Whether the bytes parse as an ONNX ModelProto with a version and a graph."""
    try:
        model = onnx.load_model_from_string(data)
    except Exception:  # protobuf reports a malformed message in several ways
        return False
    return model.ir_version > 0 and len(model.graph.node) > 0


def refuse(kind: str, filename: str) -> ModelError:
    """The refusal for a file that would need running its code (a pickle) or holds no model."""
    convert = (
        'convert it where it was trained: safetensors.torch.save_file(model.state_dict(), "model.safetensors"), '
        'or export it to ONNX, or save a Keras model with model.save("model.keras")'
    )
    if kind in ("pickle", "torch", "torchscript", "npz-pickle"):
        what = {
            "pickle": "a Python pickle",
            "torch": "a PyTorch checkpoint (a zip of pickles)",
            "torchscript": "a TorchScript program",
            "npz-pickle": "an .npz holding object arrays (pickles)",
        }[kind]
        return ModelError(
            f"{what} is never opened: no code from a file is run; {convert}",
            filename,
            kind,
            "safetensors, ONNX or Keras",
        )
    if kind == "npz":
        return ModelError(
            f"an .npz holds arrays without a model's structure; {convert}", filename, kind, "safetensors, ONNX or Keras"
        )
    return ModelError(
        "not a model file this explorer reads",
        filename,
        {
            "zip": "a zip that is neither .keras nor an .npz",
            "npy": "an .npy array (an input sequence, not a model)",
        }.get(kind, "unrecognised bytes"),
        "safetensors, ONNX (.onnx), Keras (.keras or .weights.h5)",
    )
