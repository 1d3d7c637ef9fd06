"""WSGI middleware: fault injection, request log and the /_emulator/ control API.

Control paths (``/_emulator/...``) are answered here and never faulted or logged;
the inventory and service-specific control routes are supplied by server.build_app.
Every other request is classified (service + operation), checked against the
fault rules, passed to moto's app (unless a fault answered it) and logged.
"""

from __future__ import annotations

import io
import json
import random
import threading
import time
import urllib.parse
import uuid
from typing import Any, Callable, Iterable

from . import rpcv2

CONTROL_PREFIX = "/_emulator/"
# lost_response: the operation is performed, then its answer is lost (a 500 instead), as
# when a connection drops after the server acted: what idempotency tokens are for.
FAULT_KINDS = ("throttle", "server_error", "latency", "lost_response")

StartResponse = Callable[..., Any]
ControlHandler = Callable[[dict[str, Any]], Any]


class ControlNotFound(Exception):
    """Raised by a control handler when the thing it was asked about does not exist (404)."""


# --------------------------------------------------------------------------
# Request classification
# --------------------------------------------------------------------------


def service_from_auth(environ: dict[str, Any]) -> str | None:
    """Service from the SigV4 credential scope .../<date>/<region>/<service>/aws4_request."""
    auth = environ.get("HTTP_AUTHORIZATION") or ""
    marker = "Credential="
    pos = auth.find(marker)
    if pos < 0:
        # pre-signed URL: X-Amz-Credential in the query string
        qs = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
        cred = (qs.get("X-Amz-Credential") or [""])[0]
    else:
        cred = auth[pos + len(marker) :].split(",", 1)[0].strip()
    parts = cred.split("/")
    if len(parts) >= 5 and parts[-1] == "aws4_request":
        return parts[-2].lower()
    return None


def _read_body(environ: dict[str, Any]) -> bytes:
    """Read the request body once and put it back for the next reader."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length <= 0:
        return b""
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return body


# STS operations that take no AWS signature (the caller has no credentials yet): the web
# identity exchange behind GitLab OIDC, EKS IRSA and similar.
UNSIGNED_STS_ACTIONS = frozenset({"AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"})


# (method, addresses an object) -> S3 operation name, for path-style requests (the only
# style the emulator sees on 127.0.0.1).
S3_OPERATIONS = {
    ("PUT", True): "PutObject",
    ("GET", True): "GetObject",
    ("HEAD", True): "HeadObject",
    ("DELETE", True): "DeleteObject",
    ("PUT", False): "CreateBucket",
    ("GET", False): "ListObjects",
    ("HEAD", False): "HeadBucket",
    ("DELETE", False): "DeleteBucket",
}


def s3_operation(method: str, path: str, query_string: str) -> str:
    """The S3 operation of a path-style request: the `x-id` the SDKs send where they have
    one, `<METHOD>?<subresource>` for other subresource requests (tagging, uploads, ...),
    else from the method and whether an object is addressed."""
    query = urllib.parse.parse_qs(query_string, keep_blank_values=True)
    if query.get("x-id"):
        return query["x-id"][0]
    bucket, _, key = path.lstrip("/").partition("/")
    if query:
        return f"{method}?{sorted(query)[0]}"
    if not bucket:
        return "ListBuckets" if method == "GET" else method
    return S3_OPERATIONS.get((method, bool(key)), method)


def classify(environ: dict[str, Any]) -> dict[str, str]:
    """Return {"service", "operation", "protocol"} for an AWS request."""
    target = environ.get("HTTP_X_AMZ_TARGET")
    service = service_from_auth(environ)
    content_type = environ.get("CONTENT_TYPE") or ""
    if target:
        prefix, _, operation = target.rpartition(".")
        if not service:
            service = prefix.split("_")[0].lower() or "unknown"
        return {"service": service, "operation": operation, "protocol": "json"}

    action = None
    query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
    if "Action" in query:
        action = query["Action"][0]
    elif content_type.startswith("application/x-www-form-urlencoded"):
        form = urllib.parse.parse_qs(_read_body(environ).decode("utf-8", "replace"))
        if "Action" in form:
            action = form["Action"][0]
    if action:
        if not service and action in UNSIGNED_STS_ACTIONS:
            service = "sts"
        return {"service": service or "unknown", "operation": action, "protocol": "query"}

    method = environ.get("REQUEST_METHOD", "GET").upper()
    path = environ.get("PATH_INFO", "")
    if service == "sagemaker" and path.startswith("/endpoints/"):
        # sagemaker-runtime signs as "sagemaker": POST /endpoints/<name>/invocations
        operation = "InvokeEndpointAsync" if path.endswith("/async-invocations") else (
            "InvokeEndpointWithResponseStream" if path.endswith("/invocations-response-stream") else "InvokeEndpoint"
        )
        return {"service": service, "operation": operation, "protocol": "rest-json"}
    if service == "s3" or service is None:
        return {"service": service or "s3", "operation": s3_operation(method, path, environ.get("QUERY_STRING", "")), "protocol": "s3"}
    protocol = "rest-json" if "json" in content_type else "rest-xml"
    return {"service": service, "operation": method, "protocol": protocol}


# --------------------------------------------------------------------------
# Fault rules
# --------------------------------------------------------------------------


class FaultRule:
    def __init__(self, spec: dict[str, Any]) -> None:
        kind = spec.get("kind")
        if kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(FAULT_KINDS)}")
        self.id = uuid.uuid4().hex[:12]
        self.kind = kind
        self.service = spec.get("service")
        self.operation = spec.get("operation")
        count = spec.get("count")
        if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 0):
            raise ValueError("count must be a non-negative integer")
        self.remaining = count
        probability = spec.get("probability", 1)
        if not isinstance(probability, (int, float)) or isinstance(probability, bool) or not 0 <= probability <= 1:
            raise ValueError("probability must be a number between 0 and 1")
        self.probability = float(probability)
        self.latency_ms = 0
        if kind == "latency":
            latency = spec.get("latency_ms")
            if not isinstance(latency, (int, float)) or isinstance(latency, bool) or latency < 0:
                raise ValueError("latency_ms (>= 0) is required for kind=latency")
            self.latency_ms = latency
        self.status = 500
        if kind == "server_error":
            status = spec.get("status", 500)
            if status not in (500, 503):
                raise ValueError("status must be 500 or 503")
            self.status = status
        self.fired = 0

    def matches(self, service: str, operation: str) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.service and self.service.lower() != service.lower():
            return False
        if self.operation and self.operation != operation:
            return False
        return True

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "service": self.service,
            "operation": self.operation,
            "remaining": self.remaining,
            "probability": self.probability,
            "fired": self.fired,
        }
        if self.kind == "latency":
            out["latency_ms"] = self.latency_ms
        if self.kind == "server_error":
            out["status"] = self.status
        return out


def _xml(code: str, message: str, request_id: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<ErrorResponse><Error><Type>Sender</Type>"
        f"<Code>{code}</Code><Message>{message}</Message></Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    ).encode()


def fault_response(rule: FaultRule, protocol: str) -> tuple[str, list[tuple[str, str]], bytes]:
    request_id = str(uuid.uuid4())
    if rule.kind == "throttle":
        status = 400
        json_code, message = "ThrottlingException", "Rate exceeded"
        xml_code = "Throttling"
        if protocol == "s3":
            status, xml_code, message = 503, "SlowDown", "Please reduce your request rate."
    else:
        status = rule.status
        json_code = "InternalFailure" if status == 500 else "ServiceUnavailable"
        message = (
            "We encountered an internal error. Please try again."
            if status == 500
            else "Service is unavailable. Please try again."
        )
        xml_code = "InternalFailure" if status == 500 else "ServiceUnavailable"
        if protocol == "s3":
            xml_code = "InternalError" if status == 500 else "ServiceUnavailable"
    reason = {400: "Bad Request", 500: "Internal Server Error", 503: "Service Unavailable"}[status]
    if protocol in ("json", "rest-json"):
        body = json.dumps({"__type": json_code, "message": message}).encode()
        headers = [
            ("Content-Type", "application/x-amz-json-1.1"),
            ("x-amzn-ErrorType", json_code),
            ("x-amzn-RequestId", request_id),
        ]
    elif protocol == "s3":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{xml_code}</Code><Message>{message}</Message>"
            f"<RequestId>{request_id}</RequestId></Error>"
        ).encode()
        headers = [("Content-Type", "application/xml"), ("x-amz-request-id", request_id)]
    else:  # query protocol (IAM, STS, ...) and other XML services
        body = _xml(xml_code, message, request_id)
        headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)]
    headers.append(("Content-Length", str(len(body))))
    return f"{status} {reason}", headers, body


# --------------------------------------------------------------------------
# Middleware
# --------------------------------------------------------------------------


class EmulatorMiddleware:
    def __init__(
        self,
        app: Callable[..., Iterable[bytes]],
        reset_backends: Callable[[], None],
        inventory: Callable[[], Any] | None = None,
        routes: dict[tuple[str, str], ControlHandler] | None = None,
    ) -> None:
        self.app = app
        self.reset_backends = reset_backends
        self.inventory = inventory
        # extra control routes owned by the service extensions: (METHOD, "/route") -> handler(body)
        self.routes = dict(routes or {})
        self.lock = threading.Lock()
        self.rules: list[FaultRule] = []
        self.log: list[dict[str, Any]] = []

    # -- control API -------------------------------------------------------

    def _json(self, start_response: StartResponse, status: str, payload: Any) -> list[bytes]:
        body = json.dumps(payload).encode()
        start_response(
            status,
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]

    def control(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        path = environ.get("PATH_INFO", "").rstrip("/")
        method = environ.get("REQUEST_METHOD", "GET").upper()
        route = path[len(CONTROL_PREFIX.rstrip("/")) :]
        try:
            if route == "/reset" and method == "POST":
                self.reset_backends()
                with self.lock:
                    self.rules.clear()
                    self.log.clear()
                return self._json(start_response, "200 OK", {"reset": True})
            if route == "/faults":
                if method == "POST":
                    raw = _read_body(environ)
                    spec = json.loads(raw or b"{}")
                    if not isinstance(spec, dict):
                        raise ValueError("body must be a JSON object")
                    rule = FaultRule(spec)
                    with self.lock:
                        self.rules.append(rule)
                    return self._json(start_response, "200 OK", {"id": rule.id, "rule": rule.to_dict()})
                if method == "GET":
                    with self.lock:
                        rules = [r.to_dict() for r in self.rules]
                    return self._json(start_response, "200 OK", {"faults": rules})
                if method == "DELETE":
                    with self.lock:
                        self.rules.clear()
                    return self._json(start_response, "200 OK", {"deleted": True})
            if route == "/requests":
                if method == "GET":
                    with self.lock:
                        entries = list(self.log)
                    return self._json(start_response, "200 OK", {"requests": entries})
                if method == "DELETE":
                    with self.lock:
                        self.log.clear()
                    return self._json(start_response, "200 OK", {"deleted": True})
            if route == "/requests/summary" and method == "GET":
                summary: dict[str, int] = {}
                with self.lock:
                    for entry in self.log:
                        key = f"{entry['service']}.{entry['operation']}"
                        summary[key] = summary.get(key, 0) + 1
                return self._json(start_response, "200 OK", summary)
            if route == "/health" and method == "GET":
                return self._json(start_response, "200 OK", {"ok": True})
            if route == "/inventory" and method == "GET" and self.inventory is not None:
                return self._json(start_response, "200 OK", self.inventory())
            handler = self.routes.get((method, route))
            if handler is not None:
                spec = json.loads(_read_body(environ) or b"{}")
                if not isinstance(spec, dict):
                    raise ValueError("body must be a JSON object")
                return self._json(start_response, "200 OK", handler(spec))
        except ValueError as exc:  # includes json.JSONDecodeError
            return self._json(start_response, "400 Bad Request", {"error": str(exc)})
        except ControlNotFound as exc:
            return self._json(start_response, "404 Not Found", {"error": str(exc)})
        return self._json(
            start_response, "404 Not Found", {"error": f"no control route {method} {path}"}
        )

    # -- AWS traffic -------------------------------------------------------

    def _pick_faults(self, service: str, operation: str) -> tuple[float, FaultRule | None]:
        """Latency to add and the error rule that fires (if any); consumes counts."""
        latency = 0.0
        error_rule = None
        with self.lock:
            for rule in self.rules:
                if not rule.matches(service, operation):
                    continue
                if rule.kind != "latency" and error_rule is not None:
                    continue
                if rule.probability < 1 and random.random() >= rule.probability:
                    continue
                rule.fired += 1
                if rule.remaining is not None:
                    rule.remaining -= 1
                if rule.kind == "latency":
                    latency += rule.latency_ms / 1000.0
                else:
                    error_rule = rule
        return latency, error_rule

    def _record(self, info: dict[str, str], status: int, started: float, fault: str | None) -> None:
        entry = {
            "service": info["service"],
            "operation": info["operation"],
            "status": status,
            "time": started,
            "duration_ms": round((time.time() - started) * 1000, 3),
            "fault": fault,
        }
        with self.lock:
            self.log.append(entry)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith(CONTROL_PREFIX) or path == CONTROL_PREFIX.rstrip("/"):
            return self.control(environ, start_response)
        cbor = rpcv2.match(environ)
        if cbor is not None:
            return self._rpcv2_cbor(environ, start_response, *cbor)
        return self._aws(environ, start_response)

    def _rpcv2_cbor(
        self, environ: dict[str, Any], start_response: StartResponse, service: str, operation: str
    ) -> Iterable[bytes]:
        """Smithy RPC v2 CBOR: served as the service's awsJson protocol (see rpcv2)."""
        captured: dict[str, Any] = {}

        def _capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status_line"] = status
            captured["headers"] = list(headers)
            return lambda data: None

        try:
            rpcv2.to_json_request(environ, service, operation, _read_body(environ))
        except (ValueError, TypeError, UnicodeDecodeError) as exc:
            headers, data = rpcv2.to_cbor_response(
                service,
                operation,
                400,
                [],
                json.dumps({"__type": "SerializationException", "message": f"Malformed CBOR body: {exc}"}).encode(),
            )
            start_response("400 Bad Request", headers)
            return [data]
        result = self._aws(environ, _capture)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close:
                close()
        status_line = captured["status_line"]
        headers, data = rpcv2.to_cbor_response(
            service, operation, int(status_line.split()[0]), captured["headers"], body
        )
        start_response(status_line, headers)
        return [data]

    def _aws(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.time()
        info = classify(environ)
        latency, rule = self._pick_faults(info["service"], info["operation"])
        if latency:
            time.sleep(latency)
        if rule is not None and rule.kind == "lost_response":
            self.app(environ, lambda status, headers, exc_info=None: (lambda data: None))
        if rule is not None:
            status_line, headers, body = fault_response(rule, info["protocol"])
            start_response(status_line, headers)
            self._record(info, int(status_line.split()[0]), started, rule.kind)
            return [body]

        captured: dict[str, Any] = {}

        def _capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status_line"] = status
            captured["headers"] = list(headers)
            return lambda data: None  # the legacy write() callable; moto never uses it

        try:
            result = self.app(environ, _capture)
            status_line = captured["status_line"]
            headers = captured["headers"]
            status = int(status_line.split()[0])
            content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
            if status >= 400 and "json" in content_type:
                result = [self._normalize_json_error(result, headers)]
        except Exception:
            self._record(info, 500, started, None)
            raise
        start_response(status_line, headers)
        self._record(info, status, started, "latency" if latency else None)
        return result

    @staticmethod
    def _normalize_json_error(result: Iterable[bytes], headers: list[tuple[str, str]]) -> bytes:
        """moto writes {"__type", "Message"}; AWS JSON errors carry "message" (the
        SDKs accept either), so make sure the lowercase key is present too."""
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close:
                close()
        try:
            payload = json.loads(body)
        except ValueError:
            return body
        if isinstance(payload, dict) and "Message" in payload and "message" not in payload:
            payload["message"] = payload["Message"]
            body = json.dumps(payload).encode()
            headers[:] = [(k, v) for k, v in headers if k.lower() != "content-length"]
            headers.append(("Content-Length", str(len(body))))
        return body
