"""Read a PyTorch checkpoint (`.pth`) into numpy arrays, without torch.

Two formats exist. The legacy one (torch < 1.6, e.g. torchvision's 2018 MobileNetV2) is a run
of pickles: a magic number, the protocol, system info, the state dict whose tensors refer to
storages by key, the list of storage keys, then each storage's raw bytes (an int64 element
count, then the data). The newer one is a zip whose `*/data.pkl` refers to `*/data/<key>`
entries. In both, tensors are rebuilt by `torch._utils._rebuild_tensor_v2(storage, offset,
size, stride, ...)`: a small `pickle.Unpickler` stands in for it and for the storage classes.
Only plain state dicts of tensors are supported: anything else is refused by name.
"""
import collections
import io
import pickle
import struct
import zipfile
from pathlib import Path
from typing import Dict

import numpy as np

from facevid.errors import DataError

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
DTYPES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
          "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16,
          "CharStorage": np.int8, "ByteStorage": np.uint8, "BoolStorage": np.bool_}


class _Storage:
    """A flat array filled when its bytes are read (legacy files read them after the pickle)."""

    def __init__(self, dtype):
        self.dtype = np.dtype(dtype)
        self.array = None


class _Tensor:
    def __init__(self, storage: _Storage, offset: int, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)

    def numpy(self) -> np.ndarray:
        flat = self.storage.array
        item = flat.itemsize
        view = np.lib.stride_tricks.as_strided(flat[self.offset:], self.size,
                                               [s * item for s in self.stride])
        return np.array(view)       # a copy: the storage may be shared


def _rebuild_tensor(storage, offset, size, stride, *unused):
    return _Tensor(storage, offset, size, stride)


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, storages: Dict[str, _Storage], read_storage=None):
        super().__init__(file)
        self.storages, self.read_storage = storages, read_storage

    def find_class(self, module, name):
        if module == "torch._utils" and name in ("_rebuild_tensor_v2", "_rebuild_tensor"):
            return _rebuild_tensor
        if module == "torch" and name in DTYPES:
            return DTYPES[name]
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        raise pickle.UnpicklingError(f"{module}.{name} is not part of a plain state dict")

    def persistent_load(self, saved_id):
        if saved_id[0] != "storage":
            raise pickle.UnpicklingError(f"unsupported persistent id {saved_id[0]!r}")
        dtype, key = saved_id[1], str(saved_id[2])
        if key not in self.storages:
            self.storages[key] = _Storage(dtype)
            if self.read_storage:
                self.storages[key].array = self.read_storage(key, self.storages[key].dtype)
        return self.storages[key]


def _materialise(obj) -> Dict[str, np.ndarray]:
    if isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict):
        raise pickle.UnpicklingError("the file holds no state dict")
    return {str(k): v.numpy() for k, v in obj.items() if isinstance(v, _Tensor)}


def _read_legacy(f) -> Dict[str, np.ndarray]:
    if pickle.load(f) != LEGACY_MAGIC:
        raise pickle.UnpicklingError("not a PyTorch file (wrong magic number)")
    pickle.load(f)          # protocol version
    pickle.load(f)          # system info
    storages: Dict[str, _Storage] = {}
    obj = _Unpickler(f, storages).load()
    for key in pickle.load(f):
        storage = storages[str(key)]
        (count,) = struct.unpack("<q", f.read(8))
        data = f.read(count * storage.dtype.itemsize)
        storage.array = np.frombuffer(data, storage.dtype, count)
    return _materialise(obj)


def _read_zip(path: Path) -> Dict[str, np.ndarray]:
    with zipfile.ZipFile(path) as archive:
        pkl = next(n for n in archive.namelist() if n.endswith("data.pkl"))
        prefix = pkl[: -len("data.pkl")]

        def read_storage(key: str, dtype: np.dtype) -> np.ndarray:
            return np.frombuffer(archive.read(f"{prefix}data/{key}"), dtype)
        obj = _Unpickler(io.BytesIO(archive.read(pkl)), {}, read_storage).load()
    return _materialise(obj)


def read_torch_state_dict(path: Path) -> Dict[str, np.ndarray]:
    """name -> numpy array for every tensor of a `.pth` state dict."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    try:
        if zipfile.is_zipfile(path):
            return _read_zip(path)
        with open(path, "rb") as f:
            return _read_legacy(f)
    except (pickle.UnpicklingError, EOFError, struct.error, KeyError, StopIteration, ValueError) as exc:
        raise DataError(f"{path}: not a readable PyTorch state dict ({exc})") from None
