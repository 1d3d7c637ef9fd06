"""Smithy RPC v2 CBOR (``smithy-protocol: rpc-v2-cbor``) in front of moto.

The Rust SDK for CloudWatch (aws-sdk-cloudwatch 1.140, and every current AWS SDK
that prefers the protocol) sends ``POST /service/<Service>/operation/<Op>`` with
a CBOR body; moto 5.2.5 only speaks CloudWatch's JSON and query protocols.  The
middleware turns such a request into the equivalent awsJson request
(``X-Amz-Target: <targetPrefix>.<Op>``, CBOR -> JSON, tag-1 timestamps -> epoch
seconds, byte strings -> base64), lets moto answer it, and encodes moto's JSON
answer back to CBOR with the operation's output shape from the botocore model
(doubles as floats, timestamps as tag 1, blobs as byte strings), or an error as
``{"__type", "message"}`` plus ``x-amzn-query-error`` for query-compatible
services.  The codec below covers RFC 8949 as the SDKs use it (definite and
indefinite lengths, half/single/double floats, tags).
"""

from __future__ import annotations

import base64
import datetime
import gzip
import io
import json
import re
import struct
from typing import Any

from moto.core.utils import get_service_model

PATH = re.compile(r"^/service/([^/]+)/operation/([^/]+)$")
# rpc-v2-cbor service shape name -> botocore service name (both protocols in its model)
SERVICES = {"GraniteServiceVersion20100801": "cloudwatch"}
CONTENT_TYPE = "application/cbor"


class Tagged:
    def __init__(self, tag: int, value: Any):
        self.tag = tag
        self.value = value


_BREAK = object()


# --------------------------------------------------------------------------
# CBOR codec
# --------------------------------------------------------------------------


def decode(data: bytes) -> Any:
    if not data:
        return {}
    stream = io.BytesIO(data)
    value = _read(stream)
    return value


def _arg(stream: io.BytesIO, info: int) -> int | None:
    if info < 24:
        return info
    if info == 31:
        return None
    size = {24: 1, 25: 2, 26: 4, 27: 8}.get(info)
    if size is None:
        raise ValueError(f"invalid CBOR additional info {info}")
    return int.from_bytes(_take(stream, size), "big")


def _take(stream: io.BytesIO, n: int) -> bytes:
    data = stream.read(n)
    if len(data) != n:
        raise ValueError("truncated CBOR")
    return data


def _read(stream: io.BytesIO) -> Any:
    head = _take(stream, 1)[0]
    major, info = head >> 5, head & 0x1F
    if major == 7:
        if info == 20:
            return False
        if info == 21:
            return True
        if info in (22, 23):
            return None
        if info == 25:
            return struct.unpack(">e", _take(stream, 2))[0]
        if info == 26:
            return struct.unpack(">f", _take(stream, 4))[0]
        if info == 27:
            return struct.unpack(">d", _take(stream, 8))[0]
        if info == 31:
            return _BREAK
        if info < 24:
            return None  # unassigned simple values
        _take(stream, 1)
        return None
    n = _arg(stream, info)
    if major == 0:
        return n
    if major == 1:
        return -1 - n  # type: ignore[operator]
    if major in (2, 3):
        if n is None:
            chunks = []
            while True:
                chunk = _read(stream)
                if chunk is _BREAK:
                    break
                chunks.append(chunk)
            return b"".join(chunks) if major == 2 else "".join(chunks)
        raw = _take(stream, n)
        return raw if major == 2 else raw.decode("utf-8")
    if major == 4:
        items = []
        while n is None or len(items) < n:
            item = _read(stream)
            if item is _BREAK:
                break
            items.append(item)
        return items
    if major == 5:
        out: dict[Any, Any] = {}
        count = 0
        while n is None or count < n:
            key = _read(stream)
            if key is _BREAK:
                break
            out[key] = _read(stream)
            count += 1
        return out
    # major 6: tag
    return Tagged(n, _read(stream))  # type: ignore[arg-type]


def _head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes([major << 5 | n])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes([major << 5 | info]) + n.to_bytes(size, "big")
    raise ValueError("integer too large for CBOR")


def encode(value: Any) -> bytes:
    out = io.BytesIO()
    _write(out, value)
    return out.getvalue()


def _write(out: io.BytesIO, value: Any) -> None:
    if value is None:
        out.write(b"\xf6")
    elif value is True:
        out.write(b"\xf5")
    elif value is False:
        out.write(b"\xf4")
    elif isinstance(value, Tagged):
        out.write(_head(6, value.tag))
        _write(out, value.value)
    elif isinstance(value, int):
        out.write(_head(0, value) if value >= 0 else _head(1, -1 - value))
    elif isinstance(value, float):
        out.write(b"\xfb" + struct.pack(">d", value))
    elif isinstance(value, bytes):
        out.write(_head(2, len(value)) + value)
    elif isinstance(value, str):
        raw = value.encode("utf-8")
        out.write(_head(3, len(raw)) + raw)
    elif isinstance(value, (list, tuple)):
        out.write(_head(4, len(value)))
        for item in value:
            _write(out, item)
    elif isinstance(value, dict):
        out.write(_head(5, len(value)))
        for key, item in value.items():
            _write(out, key)
            _write(out, item)
    else:
        raise TypeError(f"cannot encode {type(value).__name__} as CBOR")


# --------------------------------------------------------------------------
# CBOR <-> JSON protocol
# --------------------------------------------------------------------------


def _to_json(value: Any) -> Any:
    """A decoded CBOR request as awsJson would carry it."""
    if isinstance(value, Tagged):  # tag 1 (epoch-seconds timestamp) is what awsJson sends too
        return _to_json(value.value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {k: _to_json(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    return value


def _epoch(value: Any) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value)
    try:
        return float(text)
    except ValueError:
        parsed = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=datetime.timezone.utc)
        return parsed.timestamp()


def _typed(value: Any, shape: Any) -> Any:
    """moto's JSON output, typed by the botocore shape for CBOR."""
    if value is None:
        return None
    kind = shape.type_name if shape is not None else None
    if kind == "structure" and isinstance(value, dict):
        out = {}
        for name, item in value.items():
            if item is None:
                continue
            member = shape.members.get(name)
            if member is None:
                continue  # not in the model: the SDK would not read it
            out[name] = _typed(item, member)
        return out
    if kind == "list" and isinstance(value, list):
        return [_typed(v, shape.member) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {k: _typed(v, shape.value) for k, v in value.items()}
    if kind == "timestamp":
        seconds = _epoch(value)
        return Tagged(1, int(seconds) if seconds == int(seconds) else round(seconds, 3))
    if kind in ("double", "float"):
        return float(value)  # the SDKs read doubles as CBOR floats only
    if kind in ("integer", "long", "short", "byte"):
        return int(value)
    if kind == "blob" and isinstance(value, str):
        return base64.b64decode(value)
    if kind == "boolean":
        return bool(value)
    if kind is None and isinstance(value, dict):
        return {k: _typed(v, None) for k, v in value.items() if v is not None}
    if kind is None and isinstance(value, list):
        return [_typed(v, None) for v in value]
    return value


def match(environ: dict[str, Any]) -> tuple[str, str] | None:
    """(botocore service, operation) if this is an rpc-v2-cbor request we translate."""
    if (environ.get("HTTP_SMITHY_PROTOCOL") or "").lower() != "rpc-v2-cbor":
        return None
    found = PATH.match(environ.get("PATH_INFO", ""))
    if not found or found.group(1) not in SERVICES:
        return None
    return SERVICES[found.group(1)], found.group(2)


def to_json_request(environ: dict[str, Any], service: str, operation: str, body: bytes) -> None:
    """Rewrite the WSGI environ in place into the awsJson request moto understands."""
    model = get_service_model(service)
    if (environ.get("HTTP_CONTENT_ENCODING") or "").lower() == "gzip":  # @requestCompression (PutMetricData)
        body = gzip.decompress(body)
        environ.pop("HTTP_CONTENT_ENCODING", None)
    payload = json.dumps(_to_json(decode(body))).encode()
    environ["PATH_INFO"] = "/"
    environ["HTTP_X_AMZ_TARGET"] = f"{model.metadata['targetPrefix']}.{operation}"
    environ["CONTENT_TYPE"] = f"application/x-amz-json-{model.metadata.get('jsonVersion', '1.0')}"
    environ["CONTENT_LENGTH"] = str(len(payload))
    environ["wsgi.input"] = io.BytesIO(payload)
    environ.pop("HTTP_SMITHY_PROTOCOL", None)


def to_cbor_response(
    service: str, operation: str, status: int, headers: list[tuple[str, str]], body: bytes
) -> tuple[list[tuple[str, str]], bytes]:
    model = get_service_model(service)
    drop = {"content-type", "content-length", "x-amzn-errortype"}
    out_headers = [(k, v) for k, v in headers if k.lower() not in drop]
    try:
        payload = json.loads(body) if body.strip() else {}
    except ValueError:
        payload = {"message": body.decode("utf-8", "replace")}
    if status >= 300:
        if not isinstance(payload, dict):
            payload = {}
        code = str(payload.get("__type") or dict((k.lower(), v) for k, v in headers).get("x-amzn-errortype") or "")
        code = code.split("#")[-1].split(":")[0] or ("InternalFailure" if status >= 500 else "ValidationError")
        message = payload.get("message") or payload.get("Message") or ""
        error: dict[str, Any] = {"__type": f"{model.metadata.get('serviceId', service)}#{code}", "message": message}
        if model.metadata.get("awsQueryCompatible") is not None and not any(
            k.lower() == "x-amzn-query-error" for k, _ in out_headers
        ):
            out_headers.append(("x-amzn-query-error", f"{code};{'Sender' if status < 500 else 'Receiver'}"))
        data = encode(error)
    else:
        output = model.operation_model(operation).output_shape
        data = encode(_typed(payload, output)) if output is not None else b""
    out_headers.append(("smithy-protocol", "rpc-v2-cbor"))
    if data:
        out_headers.append(("Content-Type", CONTENT_TYPE))
    out_headers.append(("Content-Length", str(len(data))))
    return out_headers, data
