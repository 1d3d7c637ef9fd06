"""sagemaker-runtime InvokeEndpoint: only serving endpoints answer; responses are
configurable per endpoint through the control API; errors like AWS."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from conftest import ACCOUNT, REGION
from helpers import aws_error
from hosting import BAD_IMAGE, config, fast, in_service, model, variant, wait_for


@pytest.fixture(autouse=True)
def _fast(emulator):
    fast(emulator)


@pytest.fixture
def rt(emulator):
    return emulator.client("sagemaker-runtime")


def invoke(rt, body=b'{"instances": [[1, 2, 3]]}', name="churn", **extra):
    out = rt.invoke_endpoint(EndpointName=name, Body=body, ContentType="application/json", **extra)
    out["Body"] = out["Body"].read()
    return out


def test_default_response_echoes_the_request(rt, sm, emulator):
    in_service(sm)
    out = invoke(rt)
    assert json.loads(out["Body"]) == {"predictions": {"instances": [[1, 2, 3]]}}
    assert out["ContentType"] == "application/json"
    assert out["InvokedProductionVariant"] == "AllTraffic"
    text = rt.invoke_endpoint(EndpointName="CHURN", Body=b"1,2,3", ContentType="text/csv")["Body"].read()
    assert json.loads(text) == {"predictions": "1,2,3"}
    assert emulator.control("GET", "/_emulator/requests/summary")["sagemaker.InvokeEndpoint"] == 2


def test_configured_response(rt, sm, emulator):
    # configured before the endpoint exists: the provider's smoke test runs right after creation
    emulator.control(
        "POST",
        "/_emulator/sagemaker/invocation-response",
        {"endpoint": "churn", "body": {"predictions": [0.91]}, "custom_attributes": "trace=1"},
    )
    in_service(sm)
    out = invoke(rt)
    assert json.loads(out["Body"]) == {"predictions": [0.91]}
    assert out["CustomAttributes"] == "trace=1"
    emulator.control(
        "POST",
        "/_emulator/sagemaker/invocation-response",
        {"endpoint": "churn", "body": "0.91\n", "content_type": "text/csv", "count": 1},
    )
    out = invoke(rt)
    assert (out["Body"], out["ContentType"]) == (b"0.91\n", "text/csv")
    # count exhausted: back to the echo
    assert json.loads(invoke(rt, body=b"[1]")["Body"]) == {"predictions": [1]}
    emulator.control("POST", "/_emulator/sagemaker/invocation-response", {"endpoint": "churn", "body": "x"})
    emulator.control("DELETE", "/_emulator/sagemaker/invocation-response", {"endpoint": "churn"})
    assert json.loads(invoke(rt, body=b"[2]")["Body"]) == {"predictions": [2]}


@pytest.mark.parametrize("status, kind", [(500, "server"), (400, "client")])
def test_container_error_is_model_error(rt, sm, emulator, status, kind):
    in_service(sm)
    emulator.control(
        "POST", "/_emulator/sagemaker/invocation-response", {"endpoint": "churn", "status": status, "body": "Worker died."}
    )
    with aws_error("ModelError", status=424) as info:
        invoke(rt)
    response = info.value.response
    group = "/aws/sagemaker/Endpoints/churn"
    assert response["Error"]["Message"] == (
        f'Received {kind} error ({status}) from primary with message "Worker died.". See '
        f"https://{REGION}.console.aws.amazon.com/cloudwatch/home?region={REGION}#logEventViewer:group={group} "
        f"in account {ACCOUNT} for more information."
    )
    assert response["OriginalStatusCode"] == status
    assert response["OriginalMessage"] == "Worker died."
    assert response["LogStreamArn"] == f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}"


def test_only_serving_endpoints_answer(rt, sm):
    with aws_error("ValidationError", f"Endpoint nope of account {ACCOUNT} not found."):
        invoke(rt, name="nope")
    model(sm)
    config(sm)
    sm.create_endpoint(EndpointName="churn", EndpointConfigName="churn-config-1")
    with aws_error("ValidationError", f"Endpoint churn of account {ACCOUNT} not found."):
        invoke(rt)  # Creating
    wait_for(sm, "churn", "InService")
    # an update has no availability loss: the old fleet answers meanwhile
    config(sm, "churn-config-2")
    sm.update_endpoint(EndpointName="churn", EndpointConfigName="churn-config-2")
    assert sm.describe_endpoint(EndpointName="churn")["EndpointStatus"] == "Updating"
    assert invoke(rt)["InvokedProductionVariant"] == "AllTraffic"
    wait_for(sm, "churn", "InService")
    sm.delete_endpoint(EndpointName="churn")
    with aws_error("ValidationError", f"Endpoint churn of account {ACCOUNT} not found."):
        invoke(rt)  # Deleting
    model(sm, name="broken", image=BAD_IMAGE)
    config(sm, "broken", variants=[variant(model_name="broken")])
    sm.create_endpoint(EndpointName="broken", EndpointConfigName="broken")
    wait_for(sm, "broken", "Failed")
    with aws_error("ValidationError", f"Endpoint broken of account {ACCOUNT} not found."):
        invoke(rt, name="broken")
    with aws_error("ValidationError", "at 'endpointName' failed to satisfy constraint"):
        invoke(rt, name="bad_name")


def test_variant_routing(rt, sm):
    model(sm)
    config(sm, variants=[variant(name="Blue", InitialVariantWeight=1.0), variant(name="Green", InitialVariantWeight=3.0)])
    sm.create_endpoint(EndpointName="churn", EndpointConfigName="churn-config-1")
    wait_for(sm, "churn", "InService")
    assert invoke(rt)["InvokedProductionVariant"] == "Green"  # the heaviest variant
    assert invoke(rt, TargetVariant="Blue")["InvokedProductionVariant"] == "Blue"
    with aws_error("ValidationError", "Target variant Red is not present"):
        invoke(rt, TargetVariant="Red")


def test_invocation_response_route_errors(emulator):
    for bad in ({}, {"endpoint": "x", "status": 99}, {"endpoint": "x", "count": 0}):
        req = urllib.request.Request(
            emulator.url + "/_emulator/sagemaker/invocation-response", data=json.dumps(bad).encode(), method="POST"
        )
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(req, timeout=5)
        assert info.value.code == 400


def test_binary_payloads(rt, sm):
    in_service(sm)
    out = rt.invoke_endpoint(EndpointName="churn", Body=b"\xff\xd8\xff\xe0 jpeg", ContentType="application/x-image")
    assert json.loads(out["Body"].read()) == {"predictions": "\ufffd\ufffd\ufffd\ufffd jpeg"}
