"""EventBridge rules, targets, tags, connections and API destinations on top of
moto 5.2.5.

moto 5.2.5 accepts any ``cron(...)`` and plural/singular-mismatched
``rate(...)`` expressions, matches ListRules' NamePrefix as a regular
expression, says ``Rule X does not exist.`` where AWS says ``Rule X does not
exist on EventBus default.``, finds tagged rules by their bare name on any bus,
lets a second CreateConnection / CreateApiDestination silently replace the
first, accepts API destinations for connections that do not exist, drops
InvocationHttpParameters from DescribeConnection, replaces (instead of merges)
auth parameters on UpdateConnection, never moves LastModifiedTime and has no
default InvocationRateLimitPerSecond.  ``install()`` replaces those operations
of moto's ``EventsHandler``; every request to them is validated against the
botocore API model first.  State stays on moto's per-account/per-region
``EventsBackend`` (event buses, ``connections``, ``destinations``), so moto's
reset clears it.
"""

from __future__ import annotations

import base64
import copy
import functools
import json
import re
import threading
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.core.utils import unix_time
from moto.events import models as ev_models
from moto.events import responses as ev_responses
from moto.utilities.utils import CamelToUnderscoresWalker
from moto.events.exceptions import (
    ResourceAlreadyExistsException,
    ResourceNotFoundException,
    ValidationException,
)

from .validation import ValidationFailure, validate_input

Handler = ev_responses.EventsHandler
Backend = ev_models.EventsBackend

DEFAULT_RATE_LIMIT = 300  # InvocationRateLimitPerSecond when not given (API reference)
SCHEDULE_INVALID = "Parameter ScheduleExpression is not valid."
MAX_TARGETS_PER_RULE = 5  # EventBridge quota "targets per rule" (not adjustable)


class LimitExceededException(JsonRESTError):
    code = 400

    def __init__(self, message: str):
        super().__init__("LimitExceededException", message)

# --------------------------------------------------------------------------
# Schedule expressions
# --------------------------------------------------------------------------

_MONTHS = {m: i for i, m in enumerate("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split(), start=1)}
_DAYS = {d: i for i, d in enumerate("SUN MON TUE WED THU FRI SAT".split(), start=1)}
_RATE = re.compile(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)")
_CRON = re.compile(r"cron\((.*)\)")


def _value(text: str, low: int, high: int, names: dict[str, int]) -> bool:
    if text.isdigit():
        return low <= int(text) <= high
    return text.upper() in names


def _cron_field(text: str, low: int, high: int, names: dict[str, int], kind: str) -> bool:
    """One field of an EventBridge cron expression (wildcards , - * / ? L W #)."""
    if text == "?":
        return kind in ("dom", "dow")
    for item in text.split(","):
        base, slash, step = item.partition("/")
        if slash and not (step.isdigit() and int(step) >= 1):
            return False
        if base == "*":
            continue
        if kind == "dom" and not slash and (base in ("L", "LW") or re.fullmatch(r"L-\d+", base)):
            continue
        if kind == "dom" and not slash and base.endswith("W") and _value(base[:-1], low, high, names):
            continue
        if kind == "dow" and not slash and base == "L":
            continue
        if kind == "dow" and not slash and base.endswith("L") and _value(base[:-1], low, high, names):
            continue
        if kind == "dow" and not slash and "#" in base:
            day, _, nth = base.partition("#")
            if _value(day, low, high, names) and nth in ("1", "2", "3", "4", "5"):
                continue
            return False
        if "-" in base:
            start, _, end = base.partition("-")
            if _value(start, low, high, names) and _value(end, low, high, names):
                continue
            return False
        if not _value(base, low, high, names):
            return False
    return True


def valid_schedule(expression: str) -> bool:
    """AWS's rules for rate(value unit) and the six-field cron(...) of EventBridge rules."""
    rate = _RATE.fullmatch(expression)
    if rate:
        value, unit = int(rate.group(1)), rate.group(2)
        if value < 1:
            return False
        return unit.endswith("s") == (value > 1)
    cron = _CRON.fullmatch(expression)
    if not cron:
        return False
    fields = cron.group(1).split(" ")
    if len(fields) != 6 or any(f == "" for f in fields):
        return False
    minutes, hours, dom, month, dow, year = fields
    if (dom == "?") == (dow == "?"):
        return False  # exactly one of day-of-month / day-of-week must be '?'
    return (
        _cron_field(minutes, 0, 59, {}, "min")
        and _cron_field(hours, 0, 23, {}, "hour")
        and _cron_field(dom, 1, 31, {}, "dom")
        and _cron_field(month, 1, 12, _MONTHS, "month")
        and _cron_field(dow, 1, 7, _DAYS, "dow")
        and _cron_field(year, 1970, 2199, {}, "year")
    )


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def _params(self: Any) -> dict[str, Any]:
    try:
        return validate_input("events", self._get_action(), self.body)
    except ValidationFailure as failure:
        raise JsonRESTError(failure.code, failure.message)


def _reply(self: Any, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return json.dumps({k: v for k, v in payload.items() if v is not None}), self.response_headers


def _paginate(items: list[Any], limit: int | None, token: str | None) -> tuple[list[Any], str | None]:
    start = 0
    if token:
        try:
            start = int(json.loads(base64.b64decode(token))["o"])
        except Exception:
            raise ValidationException("The NextToken provided is invalid.")
    if limit is None:
        page = items[start:]
        return page, None
    page = items[start : start + limit]
    nxt = start + limit
    return page, (base64.b64encode(json.dumps({"o": nxt}).encode()).decode() if nxt < len(items) else None)


def _bus(backend: Any, name_or_arn: str | None) -> Any:
    return backend._get_event_bus(backend._normalize_event_bus_arn(name_or_arn))


def _rule(backend: Any, name: str, bus_name_or_arn: str | None) -> Any:
    bus = _bus(backend, bus_name_or_arn)
    rule = bus.rules.get(name)
    if rule is None:
        raise ResourceNotFoundException(f"Rule {name} does not exist on EventBus {bus.name}.")
    return rule


def _rule_summary(rule: Any) -> dict[str, Any]:
    out = rule.describe()
    out.pop("CreatedBy", None)
    return out


def _tagged_arn(backend: Any, arn: str) -> str:
    """The ARN of the rule or event bus ``arn`` names; AWS's error if there is none."""
    resource = arn.split(":", 5)[-1] if arn.count(":") >= 5 else ""
    kind, _, path = resource.partition("/")
    if kind == "rule":
        bus_name, _, rule_name = path.rpartition("/")
        bus_name = bus_name or "default"
        bus = backend.event_buses.get(bus_name)
        if bus is not None and rule_name in bus.rules and bus.rules[rule_name].arn == arn:
            return arn
        raise ResourceNotFoundException(f"Rule {rule_name} does not exist on EventBus {bus_name}.")
    if kind == "event-bus":
        bus = backend.event_buses.get(path)
        if bus is not None and bus.arn == arn:
            return arn
        raise ResourceNotFoundException(f"Event bus {path} does not exist.")
    raise ResourceNotFoundException(f"Resource {arn} not found.")


# --------------------------------------------------------------------------
# Rules and targets
# --------------------------------------------------------------------------


def r_put_rule(self: Any) -> tuple[str, dict[str, Any]]:
    p = _params(self)
    schedule = p.get("ScheduleExpression")
    if schedule and not valid_schedule(schedule):
        raise ValidationException(SCHEDULE_INVALID)
    rule = self.events_backend.put_rule(
        p["Name"],
        scheduled_expression=schedule or None,
        event_pattern=p.get("EventPattern"),
        state=p.get("State"),
        description=p.get("Description"),
        role_arn=p.get("RoleArn"),
        event_bus_arn=p.get("EventBusName"),
        tags=p.get("Tags"),
    )
    return _reply(self, {"RuleArn": rule.arn})


def r_describe_rule(self: Any) -> tuple[str, dict[str, Any]]:
    p = _params(self)
    return _reply(self, _rule(self.events_backend, p["Name"], p.get("EventBusName")).describe())


def r_list_rules(self: Any) -> tuple[str, dict[str, Any]]:
    p = _params(self)
    bus = _bus(self.events_backend, p.get("EventBusName"))
    prefix = p.get("NamePrefix") or ""
    rules = sorted((r for n, r in bus.rules.items() if n.startswith(prefix)), key=lambda r: r.name)
    page, token = _paginate(rules, p.get("Limit"), p.get("NextToken"))
    return _reply(self, {"Rules": [_rule_summary(r) for r in page], "NextToken": token})


def r_delete_rule(self: Any) -> tuple[str, dict[str, Any]]:
    p = _params(self)
    backend = self.events_backend
    bus = _bus(backend, p.get("EventBusName"))  # missing bus -> ResourceNotFoundException
    rule = bus.rules.get(p["Name"])
    if rule is None:
        return "", self.response_headers  # AWS: deleting a missing rule succeeds
    if rule.targets:
        raise ValidationException("Rule can't be deleted since it has targets.")
    if backend.tagger.has_tags(rule.arn):
        backend.tagger.delete_all_tags_for_resource(rule.arn)
    del bus.rules[rule.name]
    return "", self.response_headers


def r_put_targets(self: Any) -> tuple[str, dict[str, Any]]:
    p = _params(self)
    rule = _rule(self.events_backend, p["Rule"], p.get("EventBusName"))
    for target in p["Targets"]:
        given = [k for k in ("Input", "InputPath", "InputTransformer") if target.get(k) is not None]
        if len(given) > 1:
            raise ValidationException(
                "Only one of Input, InputPath, or InputTransformer can be specified for "
                f"target: {target['Id']}."
            )
        if not re.match(r"arn:[\d\w:\-/]*", target["Arn"]):
            raise ValidationException(
                f"Parameter {target['Arn']} is not valid. Reason: Provided Arn is not in correct format."
            )
        if ":sqs:" in target["Arn"] and target["Arn"].endswith(".fifo") and not target.get("SqsParameters"):
            raise ValidationException(
                f"Parameter(s) SqsParameters must be specified for target: {target['Id']}."
            )
    ids = {t["Id"] for t in rule.targets} | {t["Id"] for t in p["Targets"]}
    if len(ids) > MAX_TARGETS_PER_RULE:
        raise LimitExceededException("The requested resource exceeds the maximum number allowed.")
    rule.put_targets([copy.deepcopy(t) for t in p["Targets"]])
    return _reply(self, {"FailedEntryCount": 0, "FailedEntries": []})


def r_list_targets_by_rule(self: Any) -> tuple[str, dict[str, Any]]:
    p = _params(self)
    rule = _rule(self.events_backend, p["Rule"], p.get("EventBusName"))
    page, token = _paginate(list(rule.targets), p.get("Limit"), p.get("NextToken"))
    return _reply(self, {"Targets": page, "NextToken": token})


def r_remove_targets(self: Any) -> tuple[str, dict[str, Any]]:
    p = _params(self)
    rule = _rule(self.events_backend, p["Rule"], p.get("EventBusName"))
    rule.remove_targets(p["Ids"])
    return _reply(self, {"FailedEntryCount": 0, "FailedEntries": []})


def r_tag_resource(self: Any) -> tuple[str, dict[str, Any]]:
    p = _params(self)
    backend = self.events_backend
    backend.tagger.tag_resource(_tagged_arn(backend, p["ResourceARN"]), p["Tags"])
    return "{}", self.response_headers


def r_untag_resource(self: Any) -> tuple[str, dict[str, Any]]:
    p = _params(self)
    backend = self.events_backend
    backend.tagger.untag_resource_using_names(_tagged_arn(backend, p["ResourceARN"]), p["TagKeys"])
    return "{}", self.response_headers


def r_list_tags_for_resource(self: Any) -> tuple[str, dict[str, Any]]:
    p = _params(self)
    backend = self.events_backend
    return _reply(self, backend.tagger.list_tags_for_resource(_tagged_arn(backend, p["ResourceARN"])))


# --------------------------------------------------------------------------
# Connections
# --------------------------------------------------------------------------

_AUTH_MEMBER = {
    "API_KEY": "ApiKeyAuthParameters",
    "BASIC": "BasicAuthParameters",
    "OAUTH_CLIENT_CREDENTIALS": "OAuthParameters",
}


def _hide_secrets(http: dict[str, Any]) -> dict[str, Any]:
    """ConnectionHttpParameters as DescribeConnection shows them: secret values omitted."""
    out: dict[str, Any] = {}
    for kind in ("HeaderParameters", "QueryStringParameters", "BodyParameters"):
        if kind not in http:
            continue
        items = []
        for item in http[kind]:
            secret = bool(item.get("IsValueSecret", False))
            shown = {"Key": item.get("Key"), "IsValueSecret": secret}
            if not secret and item.get("Value") is not None:
                shown["Value"] = item["Value"]
            items.append({k: v for k, v in shown.items() if v is not None})
        out[kind] = items
    return out


class EmuConnection(ev_models.Connection):
    """moto's Connection (it also creates the Secrets Manager secret AWS keeps the
    auth parameters in) plus the fields moto does not track."""

    def __init__(self, backend: Any, params: dict[str, Any]):
        super().__init__(
            params["Name"],
            backend.account_id,
            backend.region_name,
            params.get("Description"),
            params["AuthorizationType"],
            params["AuthParameters"],
        )
        self.auth_parameters = copy.deepcopy(params["AuthParameters"])
        self.kms_key_identifier: str | None = params.get("KmsKeyIdentifier")
        self.last_modified_time = self.creation_time
        self.last_authorized_time = self.creation_time

    def describe_short(self) -> dict[str, Any]:
        return {
            "ConnectionArn": self.arn,
            "ConnectionState": self.state,
            "CreationTime": self.creation_time,
            "LastModifiedTime": self.last_modified_time,
            "LastAuthorizedTime": self.last_authorized_time,
        }

    def describe(self) -> dict[str, Any]:
        auth = self.auth_parameters
        shown: dict[str, Any] = {}
        if "ApiKeyAuthParameters" in auth:
            shown["ApiKeyAuthParameters"] = {"ApiKeyName": auth["ApiKeyAuthParameters"].get("ApiKeyName")}
        if "BasicAuthParameters" in auth:
            shown["BasicAuthParameters"] = {"Username": auth["BasicAuthParameters"].get("Username")}
        if "OAuthParameters" in auth:
            oauth = auth["OAuthParameters"]
            shown_oauth = {
                "ClientParameters": {"ClientID": (oauth.get("ClientParameters") or {}).get("ClientID")},
                "AuthorizationEndpoint": oauth.get("AuthorizationEndpoint"),
                "HttpMethod": oauth.get("HttpMethod"),
            }
            if oauth.get("OAuthHttpParameters") is not None:
                shown_oauth["OAuthHttpParameters"] = _hide_secrets(oauth["OAuthHttpParameters"])
            shown["OAuthParameters"] = shown_oauth
        if auth.get("InvocationHttpParameters") is not None:
            shown["InvocationHttpParameters"] = _hide_secrets(auth["InvocationHttpParameters"])
        out = {
            "ConnectionArn": self.arn,
            "Name": self.name,
            "Description": self.description,
            "ConnectionState": self.state,
            "AuthorizationType": self.authorization_type,
            "SecretArn": self.secret_arn,
            "KmsKeyIdentifier": self.kms_key_identifier,
            "AuthParameters": shown,
            "CreationTime": self.creation_time,
            "LastModifiedTime": self.last_modified_time,
            "LastAuthorizedTime": self.last_authorized_time,
        }
        return {k: v for k, v in out.items() if v is not None}


def _check_auth(authorization_type: str, auth: dict[str, Any]) -> None:
    member = _AUTH_MEMBER[authorization_type]
    if auth.get(member) is None:
        raise ValidationException(
            f"Parameter(s) {member} must be specified for authorization type {authorization_type}."
        )


def _store_secret(backend: Any, connection: EmuConnection) -> None:
    """Keep the connection's Secrets Manager secret in step with its auth parameters, as
    AWS does on UpdateConnection (moto writes the secret only at creation). The value has
    the shape moto gives it at creation."""
    value: dict[str, Any] = {}
    for key, part in connection.auth_parameters.items():
        if key == "InvocationHttpParameters":
            value["InvocationHttpParameters"] = part
        else:
            value.update(part)
    ev_models.get_secrets_manager_backend(backend.account_id, backend.region_name).put_secret_value(
        secret_id=connection.secret_arn,
        secret_string=json.dumps(CamelToUnderscoresWalker.parse(value)),
        secret_binary=None,
        client_request_token=None,
        version_stages=["AWSCURRENT"],
    )


def _connection(backend: Any, name: str) -> EmuConnection:
    connection = backend.connections.get(name)
    if connection is None:
        raise ResourceNotFoundException(f"Connection '{name}' does not exist.")
    return connection


def r_create_connection(self: Any) -> tuple[str, dict[str, Any]]:
    p = _params(self)
    backend = self.events_backend
    if p["Name"] in backend.connections:
        raise ResourceAlreadyExistsException(f"Connection {p['Name']} already exists.")
    _check_auth(p["AuthorizationType"], p["AuthParameters"])
    connection = EmuConnection(backend, p)
    backend.connections[connection.name] = connection
    short = connection.describe_short()
    short.pop("LastAuthorizedTime")
    return _reply(self, short)


def r_describe_connection(self: Any) -> tuple[str, dict[str, Any]]:
    p = _params(self)
    return _reply(self, _connection(self.events_backend, p["Name"]).describe())


def r_update_connection(self: Any) -> tuple[str, dict[str, Any]]:
    p = _params(self)
    connection = _connection(self.events_backend, p["Name"])
    auth = copy.deepcopy(connection.auth_parameters)
    authorization_type = p.get("AuthorizationType") or connection.authorization_type
    if authorization_type != connection.authorization_type:
        # the old type's credentials go; the new type's must come with this call
        auth.pop(_AUTH_MEMBER[connection.authorization_type], None)
    for member, update in (p.get("AuthParameters") or {}).items():
        if member in ("InvocationHttpParameters", "ConnectivityParameters"):
            auth[member] = update
        elif member == "OAuthParameters":
            merged = dict(auth.get(member) or {})
            for key, value in update.items():
                if key == "ClientParameters":
                    merged[key] = {**(merged.get(key) or {}), **value}
                else:
                    merged[key] = value
            auth[member] = merged
        else:
            auth[member] = {**(auth.get(member) or {}), **update}
    _check_auth(authorization_type, auth)
    created = {
        "API_KEY": ("ApiKeyName", "ApiKeyValue"),
        "BASIC": ("Username", "Password"),
    }.get(authorization_type, ())
    member = _AUTH_MEMBER[authorization_type]
    missing = [k for k in created if not auth[member].get(k)]
    if missing:
        raise ValidationException(
            f"Parameter(s) {', '.join(missing)} must be specified for authorization type {authorization_type}."
        )
    connection.authorization_type = authorization_type
    connection.auth_parameters = auth
    _store_secret(self.events_backend, connection)
    if "Description" in p:
        connection.description = p["Description"]
    if "KmsKeyIdentifier" in p:
        connection.kms_key_identifier = p["KmsKeyIdentifier"]
    connection.last_modified_time = unix_time()
    connection.last_authorized_time = connection.last_modified_time
    return _reply(self, connection.describe_short())


def r_delete_connection(self: Any) -> tuple[str, dict[str, Any]]:
    p = _params(self)
    backend = self.events_backend
    connection = _connection(backend, p["Name"])
    backend.delete_connection(connection.name)  # moto also deletes the secret
    short = connection.describe_short()
    short["ConnectionState"] = "DELETING"
    return _reply(self, short)


# --------------------------------------------------------------------------
# API destinations
# --------------------------------------------------------------------------


class EmuDestination(ev_models.Destination):
    def __init__(self, backend: Any, params: dict[str, Any]):
        super().__init__(
            name=params["Name"],
            account_id=backend.account_id,
            region_name=backend.region_name,
            description=params.get("Description"),
            connection_arn=params["ConnectionArn"],
            invocation_endpoint=params["InvocationEndpoint"],
            invocation_rate_limit_per_second=params.get("InvocationRateLimitPerSecond", DEFAULT_RATE_LIMIT),
            http_method=params["HttpMethod"],
        )
        self.last_modified_time = self.creation_time

    def describe(self) -> dict[str, Any]:
        out = {
            "ApiDestinationArn": self.arn,
            "Name": self.name,
            "Description": self.description,
            "ApiDestinationState": self.state,
            "ConnectionArn": self.connection_arn,
            "InvocationEndpoint": self.invocation_endpoint,
            "HttpMethod": self.http_method,
            "InvocationRateLimitPerSecond": self.invocation_rate_limit_per_second,
            "CreationTime": self.creation_time,
            "LastModifiedTime": self.last_modified_time,
        }
        return {k: v for k, v in out.items() if v is not None}

    def describe_short(self) -> dict[str, Any]:
        return {
            "ApiDestinationArn": self.arn,
            "ApiDestinationState": self.state,
            "CreationTime": self.creation_time,
            "LastModifiedTime": self.last_modified_time,
        }


def _require_connection_arn(backend: Any, arn: str) -> None:
    if not any(c.arn == arn for c in backend.connections.values()):
        parts = arn.split(":", 5)[-1].split("/")
        name = parts[1] if len(parts) > 1 else arn
        raise ResourceNotFoundException(f"Connection '{name}' does not exist.")


def _destination(backend: Any, name: str) -> EmuDestination:
    destination = backend.destinations.get(name)
    if destination is None:
        raise ResourceNotFoundException(f"An api-destination '{name}' does not exist.")
    return destination


def r_create_api_destination(self: Any) -> tuple[str, dict[str, Any]]:
    p = _params(self)
    backend = self.events_backend
    if p["Name"] in backend.destinations:
        raise ResourceAlreadyExistsException(f"An api-destination '{p['Name']}' already exists.")
    _require_connection_arn(backend, p["ConnectionArn"])
    destination = EmuDestination(backend, p)
    backend.destinations[destination.name] = destination
    return _reply(self, destination.describe_short())


def r_describe_api_destination(self: Any) -> tuple[str, dict[str, Any]]:
    p = _params(self)
    return _reply(self, _destination(self.events_backend, p["Name"]).describe())


def r_update_api_destination(self: Any) -> tuple[str, dict[str, Any]]:
    p = _params(self)
    backend = self.events_backend
    destination = _destination(backend, p["Name"])
    if "ConnectionArn" in p:
        _require_connection_arn(backend, p["ConnectionArn"])
    for key, attr in (
        ("Description", "description"),
        ("ConnectionArn", "connection_arn"),
        ("InvocationEndpoint", "invocation_endpoint"),
        ("HttpMethod", "http_method"),
        ("InvocationRateLimitPerSecond", "invocation_rate_limit_per_second"),
    ):
        if key in p:
            setattr(destination, attr, p[key])
    destination.last_modified_time = unix_time()
    return _reply(self, destination.describe_short())


def r_delete_api_destination(self: Any) -> tuple[str, dict[str, Any]]:
    p = _params(self)
    backend = self.events_backend
    _destination(backend, p["Name"])
    del backend.destinations[p["Name"]]
    return "{}", self.response_headers


HANDLER_METHODS = {
    "put_rule": r_put_rule,
    "describe_rule": r_describe_rule,
    "list_rules": r_list_rules,
    "delete_rule": r_delete_rule,
    "put_targets": r_put_targets,
    "list_targets_by_rule": r_list_targets_by_rule,
    "remove_targets": r_remove_targets,
    "tag_resource": r_tag_resource,
    "untag_resource": r_untag_resource,
    "list_tags_for_resource": r_list_tags_for_resource,
    "create_connection": r_create_connection,
    "describe_connection": r_describe_connection,
    "update_connection": r_update_connection,
    "delete_connection": r_delete_connection,
    "create_api_destination": r_create_api_destination,
    "describe_api_destination": r_describe_api_destination,
    "update_api_destination": r_update_api_destination,
    "delete_api_destination": r_delete_api_destination,
}

# Terraform applies resources in parallel; the server is threaded.
_LOCK = threading.RLock()


def _locked(func: Any) -> Any:
    @functools.wraps(func)
    def wrapper(self: Any) -> Any:
        with _LOCK:
            return func(self)

    return wrapper


_installed = False


def install() -> None:
    """Patch moto's EventsHandler (idempotent)."""
    global _installed
    if _installed:
        return
    for name, func in HANDLER_METHODS.items():
        setattr(Handler, name, _locked(func))
    _installed = True
