"""Opening a zip archive and an HDF5 file held in memory without trusting what they declare.

A zip member is read only after its declared size and compression ratio are checked, and never past its
declared size. An HDF5 file is walked link by link: external links, soft links, virtual datasets, datasets
stored in other files, non-float datasets and datasets declaring more than the file can hold are refused
before any of their numbers are read."""

from __future__ import annotations

import io
import zipfile

import h5py  # type: ignore[import-untyped]
import numpy as np

from core.model.checks import Limits, ModelError

MAX_MEMBERS = 64
MAX_RATIO = 100  # uncompressed / compressed size beyond which a member larger than 1 MiB is a zip bomb
SAFE_FILTERS = {1: "deflate", 2: "shuffle", 3: "fletcher32", 32000: "lzf"}
# What h5py raises on a damaged file (a failure inside HDF5 can surface as SystemError).
H5_ERRORS = (OSError, ValueError, RuntimeError, KeyError, TypeError, SystemError, OverflowError)


def zip_members(data: bytes, limits: Limits) -> dict[str, zipfile.ZipInfo]:
    """The members of a zip archive by name, after checking their count, names and declared sizes."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
        raise ModelError(f"not a readable zip archive ({e})", "file") from e
    if len(infos) > MAX_MEMBERS:
        raise ModelError("too many files in the archive", "file", len(infos), f"at most {MAX_MEMBERS}")
    out: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        name = info.filename
        if name.startswith(("/", "\\")) or ".." in name.split("/") or "\x00" in name:
            raise ModelError("unsafe name in the archive", f"member {name!r}", name, "a relative path")
        if info.file_size > limits.max_bytes:
            raise ModelError(
                "archive member too large when inflated",
                f"member {name!r}",
                f"{info.file_size} bytes",
                f"at most {limits.max_bytes}",
            )
        if info.file_size > 2**20 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ModelError(
                "archive member compressed beyond any real model (a zip bomb)",
                f"member {name!r}",
                f"{info.file_size} bytes from {info.compress_size}",
                f"a ratio of at most {MAX_RATIO}",
            )
        out[name] = info
    if sum(i.file_size for i in infos) > limits.max_bytes:
        total = sum(i.file_size for i in infos)
        raise ModelError("archive too large when inflated", "file", f"{total} bytes", f"at most {limits.max_bytes}")
    return out


def zip_read(data: bytes, info: zipfile.ZipInfo, cap: int) -> bytes:
    """One member's bytes, never more than `cap` nor than it declares (a member inflating past its declared
    size is refused by zipfile's own check)."""
    if info.file_size > cap:
        raise ModelError(
            "archive member too large", f"member {info.filename!r}", f"{info.file_size} bytes", f"at most {cap}"
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(info) as member:
            out = member.read(cap + 1)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError) as e:
        raise ModelError(f"unreadable archive member ({e})", f"member {info.filename!r}") from e
    if len(out) > cap:
        raise ModelError(
            "archive member too large", f"member {info.filename!r}", f"more than {cap} bytes", f"at most {cap}"
        )
    return out


def hdf5_datasets(data: bytes, limits: Limits) -> dict[str, np.ndarray]:
    """Every dataset of an HDF5 file by path, read after the checks of the module docstring."""
    try:
        f = h5py.File(io.BytesIO(data), "r")
    except H5_ERRORS as e:
        raise ModelError(f"not a readable HDF5 file ({e})", "file") from e
    with f:
        links: list[tuple[str, object]] = []
        try:
            f.visititems_links(lambda name, link: links.append((name, link)) if len(links) <= 100_000 else True)
        except H5_ERRORS as e:
            raise ModelError(f"unreadable HDF5 structure ({e})", "file") from e
        if len(links) > 100_000:
            raise ModelError("too many objects in the HDF5 file", "file", "more than 100000", "a model's weights")
        found: dict[str, h5py.Dataset] = {}
        for name, link in links:
            if isinstance(link, h5py.ExternalLink):
                raise ModelError(
                    "a link to another file is not followed",
                    name,
                    f"external link to {link.filename!r}",
                    "data in this file",
                )
            if isinstance(link, h5py.SoftLink):
                raise ModelError(
                    "a soft link is not followed", name, f"soft link to {link.path!r}", "a plain group or dataset"
                )
            if not isinstance(link, h5py.HardLink):
                raise ModelError("an unknown kind of link", name, type(link).__name__, "a plain group or dataset")
            try:
                obj = f[name]
            except H5_ERRORS as e:
                raise ModelError(f"unreadable HDF5 object ({e})", name) from e
            if isinstance(obj, h5py.Dataset):
                try:
                    _check_dataset(name, obj, limits)
                except ModelError:
                    raise
                except H5_ERRORS as e:
                    raise ModelError(f"unreadable dataset ({e})", name) from e
                found[name] = obj
        numbers = sum(int(np.prod(d.shape, dtype=object)) for d in found.values())
        if numbers > limits.max_numbers:
            raise ModelError("model too large", "file", f"{numbers} numbers", f"at most {limits.max_numbers}")
        out: dict[str, np.ndarray] = {}
        for name, d in found.items():
            try:
                out[name] = np.asarray(d[()])
            except H5_ERRORS as e:
                raise ModelError(f"unreadable dataset ({e})", name) from e
        return out


def _check_dataset(name: str, d: h5py.Dataset, limits: Limits) -> None:
    """Refuse a dataset that is virtual, stored elsewhere, not a float array, or declares more than it holds."""
    if d.is_virtual:
        raise ModelError(
            "a virtual dataset (made of other files' data) is not read", name, "virtual", "a plain dataset"
        )
    if d.external:
        raise ModelError(
            "a dataset stored in another file is not read",
            name,
            f"external storage {d.external[0][0]!r}",
            "data in this file",
        )
    if d.dtype.kind != "f" or d.dtype.itemsize not in (2, 4, 8):
        raise ModelError("only float arrays are read", name, str(d.dtype), "float16, float32 or float64")
    if d.shape is None:
        raise ModelError("a dataset without a shape", name, "an empty dataspace", "an array")
    count = int(np.prod(d.shape, dtype=object))
    if count > limits.max_numbers:
        raise ModelError(
            "dataset too large", name, f"{count} numbers (shape {d.shape})", f"at most {limits.max_numbers}"
        )
    plist = d.id.get_create_plist()
    filters = [plist.get_filter(i)[0] for i in range(plist.get_nfilters())]
    unknown = [f for f in filters if f not in SAFE_FILTERS]
    if unknown:
        raise ModelError("unknown HDF5 filter", name, unknown, ", ".join(SAFE_FILTERS.values()))
    declared = count * d.dtype.itemsize
    stored = d.id.get_storage_size()
    if not filters and stored < declared:
        raise ModelError(
            "dataset declares more numbers than the file stores", name, f"{stored} bytes stored", f"{declared} bytes"
        )
    if filters and stored == 0 and declared:
        raise ModelError("dataset holds no data", name, "0 bytes stored", f"{declared} bytes")
