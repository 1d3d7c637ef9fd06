from __future__ import annotations

import contextlib
from typing import Any, Iterator

import pytest
from botocore.exceptions import ClientError


@contextlib.contextmanager
def aws_error(code: str, contains: str | None = None, status: int = 400) -> Iterator[Any]:
    """Expect a botocore ClientError with the given code (and message fragment)."""
    with pytest.raises(ClientError) as info:
        yield info
    err = info.value.response["Error"]
    assert err["Code"] == code, info.value.response
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    if contains is not None:
        assert contains in err["Message"], err["Message"]
