"""Reads PyTorch `.pt` checkpoints and tiktoken pickles WITHOUT torch or tiktoken, and
without ever executing code from the file.

A `.pt` file (torch.save, zip format) is a zip archive holding `<archive>/data.pkl` (the
pickled state dict) and one raw little-endian storage per tensor in `<archive>/data/<key>`.
The pickle only needs a handful of callables to rebuild tensors; `RestrictedUnpickler`
allows exactly those (mapped to our own numpy-based functions) and refuses anything else
with a message naming what the file tried to call.
"""
import io
import pickle
import zipfile

import numpy as np


class CheckpointError(Exception):
    """A file we refuse to read, with a message for the user."""


# storage class name -> (numpy dtype of one element as stored, element bytes)
_STORAGES = {
    "FloatStorage": ("<f4", 4),
    "BFloat16Storage": ("<u2", 2),  # bf16 bits; converted to float32 on rebuild
    "HalfStorage": ("<f2", 2),
    "DoubleStorage": ("<f8", 8),
    "LongStorage": ("<i8", 8),
    "IntStorage": ("<i4", 4),
}


class _StorageType:
    def __init__(self, name):
        self.name = name


class _Storage:
    """One tensor storage: its raw elements as a flat numpy array."""

    def __init__(self, kind, array):
        self.kind = kind
        self.array = array


def _rebuild_tensor(storage, offset, size, stride, *unused):
    if not isinstance(storage, _Storage):
        raise CheckpointError("tensor rebuild without a storage")
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride) or offset < 0 or any(s < 0 for s in size + stride):
        raise CheckpointError(f"bad tensor geometry size={size} stride={stride} offset={offset}")
    n = storage.array.shape[0]
    if any(s == 0 for s in size):
        last = offset
    else:
        last = offset + sum((sz - 1) * st for sz, st in zip(size, stride))
        if last >= n:
            raise CheckpointError(
                f"tensor of size {size} (offset {offset}) reaches element {last} of a "
                f"{n}-element storage")
    flat = storage.array
    item = flat.itemsize
    view = np.lib.stride_tricks.as_strided(flat[offset:], shape=size,
                                           strides=tuple(s * item for s in stride),
                                           writeable=False)
    a = np.array(view)  # contiguous copy
    if storage.kind == "BFloat16Storage":
        a = (a.astype(np.uint32) << 16).view(np.float32)
    return a.astype(np.float32) if a.dtype != np.float32 and a.dtype.kind == "f" else a


def _rebuild_parameter(data, requires_grad, backward_hooks, *unused):
    return data


def _ordered_dict(*args):
    return dict(*args)


class _TiktokenEncodingState:
    """Stand-in for tiktoken.core.Encoding: keeps the pickled state dict, runs nothing."""

    def __setstate__(self, state):
        if not isinstance(state, dict):
            raise CheckpointError("tiktoken pickle: unexpected Encoding state")
        self.state = state


_ALLOWED = {
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("collections", "OrderedDict"): _ordered_dict,
}
for _name in _STORAGES:
    _ALLOWED[("torch", _name)] = _StorageType(_name)

_ALLOWED_TOKENIZER = {("tiktoken.core", "Encoding"): _TiktokenEncodingState}


class RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, data, allowed, storage_loader=None):
        super().__init__(io.BytesIO(data))
        self.allowed = allowed
        self.storage_loader = storage_loader

    def find_class(self, module, name):
        target = self.allowed.get((module, name))
        if target is None:
            raise CheckpointError(
                f"refusing to unpickle '{module}.{name}': only tensor-rebuild callables are "
                f"allowed (this file may try to run code)")
        return target

    def persistent_load(self, pid):
        if self.storage_loader is None:
            raise CheckpointError("unexpected persistent id in a plain pickle")
        return self.storage_loader(pid)


def load_pt(path):
    """Returns {name: float32/int numpy array} from a torch.save zip checkpoint."""
    try:
        z = zipfile.ZipFile(path)
        names = z.namelist()
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise CheckpointError(f"{path}: not a readable torch zip checkpoint ({e})") from None
    pkl = [n for n in names if n.endswith("/data.pkl") or n == "data.pkl"]
    if len(pkl) != 1:
        raise CheckpointError(f"{path}: expected one data.pkl in the archive, found {len(pkl)}")
    prefix = pkl[0][: -len("data.pkl")]
    name_set = set(names)

    def load_storage(pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise CheckpointError(f"{path}: unexpected persistent id {pid!r:.80}")
        _, stype, key, _location, numel = pid
        if not isinstance(stype, _StorageType):
            raise CheckpointError(f"{path}: unexpected storage type {stype!r:.80}")
        entry = f"{prefix}data/{key}"
        if entry not in name_set:
            raise CheckpointError(f"{path}: storage '{entry}' is missing from the archive")
        dtype, size = _STORAGES[stype.name]
        try:
            raw = z.read(entry)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
            raise CheckpointError(f"{path}: cannot read '{entry}' ({e})") from None
        if not isinstance(numel, int) or numel < 0 or len(raw) < numel * size:
            raise CheckpointError(
                f"{path}: storage '{entry}' has {len(raw)} bytes, expected {numel} x {size}")
        return _Storage(stype.name, np.frombuffer(raw, dtype=dtype, count=numel))

    try:
        data = z.read(pkl[0])
        state = RestrictedUnpickler(data, _ALLOWED, load_storage).load()
    except CheckpointError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        raise CheckpointError(f"{path}: corrupt checkpoint ({e})") from None
    except pickle.UnpicklingError as e:
        raise CheckpointError(f"{path}: corrupt pickle ({e})") from None
    except Exception as e:  # any other failure inside the pickle VM: malformed file
        raise CheckpointError(f"{path}: corrupt pickle ({type(e).__name__}: {e})") from None
    if not isinstance(state, dict):
        raise CheckpointError(f"{path}: the pickle is not a state dict")
    for k, v in state.items():
        if not isinstance(k, str) or not isinstance(v, np.ndarray):
            raise CheckpointError(f"{path}: entry {k!r:.60} is not a tensor")
    return state


def load_tiktoken_pickle(path):
    """Returns (pat_str, mergeable_ranks {bytes: int}, special_tokens {str: int})."""
    try:
        with open(path, "rb") as f:
            data = f.read()
        obj = RestrictedUnpickler(data, _ALLOWED_TOKENIZER).load()
    except CheckpointError:
        raise
    except OSError as e:
        raise CheckpointError(f"{path}: {e}") from None
    except Exception as e:
        raise CheckpointError(f"{path}: corrupt tokenizer pickle ({type(e).__name__}: {e})") from None
    state = obj.state if isinstance(obj, _TiktokenEncodingState) else obj
    if not isinstance(state, dict) or not all(
            k in state for k in ("pat_str", "mergeable_ranks", "special_tokens")):
        raise CheckpointError(f"{path}: not a tiktoken Encoding pickle")
    ranks, specials = state["mergeable_ranks"], state["special_tokens"]
    if not isinstance(ranks, dict) or not isinstance(specials, dict):
        raise CheckpointError(f"{path}: malformed tiktoken state")
    for k, v in ranks.items():
        if not isinstance(k, bytes) or not isinstance(v, int):
            raise CheckpointError(f"{path}: malformed mergeable_ranks entry")
    for k, v in specials.items():
        if not isinstance(k, str) or not isinstance(v, int):
            raise CheckpointError(f"{path}: malformed special_tokens entry")
    return state["pat_str"], ranks, specials
