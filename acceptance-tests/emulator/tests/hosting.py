"""Shared helpers for the SageMaker hosting tests (models, configs, endpoints)."""

from __future__ import annotations

import time
from typing import Any

from conftest import ACCOUNT, REGION

ROLE = f"arn:aws:iam::{ACCOUNT}:role/sagemaker-execution"
IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/churn-serving:1.4"
BAD_IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/churn-serving:mlops-fail"
ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:"
DELAY = 0.3  # endpoint lifecycle delay the tests run with


def fast(emulator: Any, delay: float = DELAY) -> None:
    emulator.control("POST", "/_emulator/config", {"endpoint_delay_seconds": delay})


def model(sm: Any, name: str = "churn-model", image: str = IMAGE, **extra: Any) -> str:
    params = {
        "ModelName": name,
        "ExecutionRoleArn": ROLE,
        "PrimaryContainer": {"Image": image, "ModelDataUrl": "s3://models/churn/model.tar.gz"},
        **extra,
    }
    return sm.create_model(**params)["ModelArn"]


def variant(model_name: str = "churn-model", name: str = "AllTraffic", count: int = 1, **extra: Any) -> dict:
    return {
        "VariantName": name,
        "ModelName": model_name,
        "InstanceType": "ml.m5.large",
        "InitialInstanceCount": count,
        **extra,
    }


def config(sm: Any, name: str = "churn-config-1", variants: list | None = None, **extra: Any) -> str:
    params = {"EndpointConfigName": name, "ProductionVariants": variants or [variant()], **extra}
    return sm.create_endpoint_config(**params)["EndpointConfigArn"]


def wait_for(sm: Any, name: str, *statuses: str, timeout: float = 10.0) -> dict:
    """Poll DescribeEndpoint until the status is one of `statuses`; returns the description."""
    deadline = time.monotonic() + timeout
    while True:
        out = sm.describe_endpoint(EndpointName=name)
        if out["EndpointStatus"] in statuses:
            return out
        if time.monotonic() > deadline:
            raise AssertionError(f"endpoint {name} still {out['EndpointStatus']}, wanted {statuses}")
        time.sleep(0.05)


def in_service(sm: Any, endpoint: str = "churn", config_name: str = "churn-config-1", **extra: Any) -> dict:
    """Create model + config (if missing) + endpoint and wait until InService."""
    names = {m["ModelName"] for m in sm.list_models(MaxResults=100)["Models"]}
    if "churn-model" not in names:
        model(sm)
    configs = {c["EndpointConfigName"] for c in sm.list_endpoint_configs(MaxResults=100)["EndpointConfigs"]}
    if config_name not in configs:
        config(sm, config_name)
    sm.create_endpoint(EndpointName=endpoint, EndpointConfigName=config_name, **extra)
    return wait_for(sm, endpoint, "InService")
