"""IAM roles and inline role policies on top of moto 5.2.5.

moto 5.2.5 treats role names as case-sensitive (AWS: ``MyRole`` and ``myrole``
are the same role; lookups ignore case), accepts any string as
AssumeRolePolicyDocument in CreateRole (AWS: ``MalformedPolicyDocument``
``This policy contains invalid Json`` and the trust-policy rules), and words
its NoSuchEntity messages differently from AWS (``Role x not found`` instead of
``The role with name x cannot be found.``).  ``install()`` patches moto's
``IAMBackend`` for those and validates every request to the role operations the
provider calls against the botocore API model (``ValidationError``, AWS's
query-protocol code).  IAM is global: one backend per account and partition,
whatever region the client signs for.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from moto.iam import models as iam_models
from moto.iam import responses as iam_responses
from moto.iam.exceptions import (
    EntityAlreadyExists,
    MalformedPolicyDocument,
    NotFoundException,
    ValidationError,
)
from moto.iam.policy_validation import IAMTrustPolicyDocumentValidator

from .validation import ValidationFailure, validate_params

Backend = iam_models.IAMBackend
Response = iam_responses.IamResponse

VALIDATED_OPERATIONS = (
    "CreateRole",
    "GetRole",
    "UpdateAssumeRolePolicy",
    "PutRolePolicy",
    "GetRolePolicy",
    "ListRolePolicies",
    "DeleteRolePolicy",
    "DeleteRole",
    "TagRole",
    "UntagRole",
    "ListRoleTags",
    "UpdateRole",
    "UpdateRoleDescription",
    "AttachRolePolicy",
    "DetachRolePolicy",
    "ListAttachedRolePolicies",
)


def _check_trust_policy(document: str) -> None:
    try:
        json.loads(document)
    except ValueError:
        raise MalformedPolicyDocument("This policy contains invalid Json")
    IAMTrustPolicyDocumentValidator(document).validate()


def get_role(self: Any, role_name: str) -> Any:
    wanted = role_name.lower()
    for role in self.get_roles():
        if role.name.lower() == wanted:
            return role
    raise NotFoundException(f"The role with name {role_name} cannot be found.")


_original_create_role = Backend.create_role


def create_role(self: Any, role_name: str, assume_role_policy_document: str, *args: Any, **kwargs: Any) -> Any:
    for role in self.get_roles():
        if role.name.lower() == role_name.lower():
            raise EntityAlreadyExists(f"Role with name {role_name} already exists.")
    _check_trust_policy(assume_role_policy_document)
    return _original_create_role(self, role_name, assume_role_policy_document, *args, **kwargs)


_original_update_assume_role_policy = Backend.update_assume_role_policy


def update_assume_role_policy(self: Any, role_name: str, policy_document: str) -> None:
    role = self.get_role(role_name)
    _check_trust_policy(policy_document)
    _original_update_assume_role_policy(self, role.name, policy_document)


def get_role_policy(self: Any, role_name: str, policy_name: str) -> tuple[str, str]:
    role = self.get_role(role_name)
    if policy_name in role.policies:
        return policy_name, role.policies[policy_name]
    raise NotFoundException(f"The role policy with name {policy_name} cannot be found.")


def _validated(operation: str, func: Any) -> Any:
    @functools.wraps(func)
    def wrapper(self: Any) -> Any:
        try:
            validate_params("iam", operation, self.params)
        except ValidationFailure as failure:
            raise ValidationError(failure.message)
        return func(self)

    return wrapper


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


_installed = False


def install() -> None:
    """Patch moto's IAMBackend and IamResponse (idempotent)."""
    global _installed
    if _installed:
        return
    Backend.get_role = get_role
    Backend.create_role = create_role
    Backend.update_assume_role_policy = update_assume_role_policy
    Backend.get_role_policy = get_role_policy
    for operation in VALIDATED_OPERATIONS:
        method = _snake(operation)
        original = getattr(Response, method, None)
        if original is not None:
            setattr(Response, method, _validated(operation, original))
    _installed = True
