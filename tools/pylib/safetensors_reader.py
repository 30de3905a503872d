"""Minimal safetensors reader (numpy only): one file or a sharded index.

Format (docs/formats.md §3.6): uint64 LE header length N, N bytes of JSON mapping
tensor name -> {dtype, shape, data_offsets [begin, end)} relative to the byte buffer that
follows the header. Tensors are read lazily through a memory map, one at a time, so the
exporter's memory stays around one tensor, not the model.
"""
import json
import os
import struct

import numpy as np

_DTYPES = {"F32": np.dtype("<f4"), "F16": np.dtype("<f2"), "BF16": np.dtype("<u2"),
           "F64": np.dtype("<f8")}


class SafetensorsFile:
    def __init__(self, path):
        self.path = path
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            head = f.read(8)
            if len(head) != 8:
                raise ValueError(f"{path}: too short for a safetensors file")
            (n,) = struct.unpack("<Q", head)
            if n > size - 8 or n > 100 * 1024 * 1024:
                raise ValueError(f"{path}: header length {n} does not fit the file ({size} bytes)")
            self.meta = json.loads(f.read(n))
        self.meta.pop("__metadata__", None)
        self.base = 8 + n
        self.size = size
        self.map = np.memmap(path, dtype=np.uint8, mode="r")

    def names(self):
        return list(self.meta.keys())

    def shape(self, name):
        return tuple(self.meta[name]["shape"])

    def get(self, name):
        """The tensor as float32 (a fresh array)."""
        info = self.meta[name]
        dt = _DTYPES.get(info["dtype"])
        if dt is None:
            raise ValueError(f"{self.path}: tensor {name} has unsupported dtype {info['dtype']}")
        begin, end = info["data_offsets"]
        shape = tuple(info["shape"])
        count = int(np.prod(shape)) if shape else 1
        if end - begin != count * dt.itemsize or self.base + end > self.size or begin > end:
            raise ValueError(f"{self.path}: tensor {name} data_offsets {begin}..{end} do not match "
                             f"shape {shape} or the file size")
        raw = self.map[self.base + begin:self.base + end].view(dt).reshape(shape)
        if info["dtype"] == "BF16":
            return (raw.astype(np.uint32) << 16).view(np.float32)
        return raw.astype(np.float32)


class Checkpoint:
    """All tensors of a HF folder: model.safetensors or model.safetensors.index.json."""

    def __init__(self, model_dir):
        single = os.path.join(model_dir, "model.safetensors")
        index = os.path.join(model_dir, "model.safetensors.index.json")
        self.files = {}
        self.where = {}
        if os.path.exists(index):
            with open(index) as f:
                weight_map = json.load(f)["weight_map"]
            for name, fname in weight_map.items():
                if fname not in self.files:
                    self.files[fname] = SafetensorsFile(os.path.join(model_dir, fname))
                self.where[name] = self.files[fname]
        elif os.path.exists(single):
            st = SafetensorsFile(single)
            for name in st.names():
                self.where[name] = st
        else:
            raise ValueError(f"{model_dir}: no model.safetensors or model.safetensors.index.json")

    def has(self, name):
        return name in self.where

    def shape(self, name):
        return self.where[name].shape(name)

    def get(self, name):
        if name not in self.where:
            raise ValueError(f"checkpoint has no tensor {name}")
        return self.where[name].get(name)
