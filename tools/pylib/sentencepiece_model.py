"""Reads a SentencePiece `tokenizer.model` (a protobuf ModelProto) without protobuf.

Only what the exporter needs: for every piece its text, score and type, plus the
normalizer's add_dummy_prefix flag. Wire format: varint keys (field << 3 | wire type);
ModelProto.pieces = field 1 (message: 1 piece string, 2 score float, 3 type enum),
ModelProto.normalizer_spec = field 3 (message: 3 add_dummy_prefix bool, 4
remove_extra_whitespaces bool). Piece types: 1 normal, 2 unknown, 3 control, 4 user
defined, 5 unused, 6 byte.
"""
import struct

NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6


def _varint(buf, pos):
    result, shift = 0, 0
    while True:
        if pos >= len(buf):
            raise ValueError("tokenizer.model: truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def _fields(buf):
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            value, pos = buf[pos:pos + 8], pos + 8
        elif wire == 2:
            n, pos = _varint(buf, pos)
            value, pos = buf[pos:pos + n], pos + n
        elif wire == 5:
            value, pos = buf[pos:pos + 4], pos + 4
        else:
            raise ValueError(f"tokenizer.model: unsupported wire type {wire}")
        if pos > len(buf):
            raise ValueError("tokenizer.model: truncated field")
        yield field, wire, value


def read(path):
    with open(path, "rb") as f:
        buf = f.read()
    pieces = []
    add_dummy_prefix, remove_extra_ws = True, True
    model_type = 1  # trainer_spec.model_type: 1 unigram, 2 bpe
    for field, wire, value in _fields(buf):
        if field == 1 and wire == 2:
            text, score, ptype = "", 0.0, NORMAL
            for f2, w2, v2 in _fields(value):
                if f2 == 1:
                    text = bytes(v2).decode("utf-8")
                elif f2 == 2 and w2 == 5:
                    (score,) = struct.unpack("<f", v2)
                elif f2 == 3:
                    ptype = v2
            pieces.append((text, score, ptype))
        elif field == 2 and wire == 2:
            for f2, _, v2 in _fields(value):
                if f2 == 3:
                    model_type = v2
        elif field == 3 and wire == 2:
            for f2, _, v2 in _fields(value):
                if f2 == 3:
                    add_dummy_prefix = bool(v2)
                elif f2 == 4:
                    remove_extra_ws = bool(v2)
    return {"pieces": pieces, "add_dummy_prefix": add_dummy_prefix,
            "remove_extra_whitespaces": remove_extra_ws, "model_type": model_type}
