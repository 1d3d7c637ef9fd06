"""SageMaker Feature Store: feature groups, their lifecycle, updates, feature metadata, tags."""

from __future__ import annotations

import time

import pytest

from conftest import ACCOUNT, REGION
from helpers import aws_error
from hosting import DELAY, fast

ROLE = f"arn:aws:iam::{ACCOUNT}:role/feature-store"
ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:feature-group/"
FEATURES = [
    {"FeatureName": "customer_id", "FeatureType": "Integral"},
    {"FeatureName": "event_time", "FeatureType": "Fractional"},
    {"FeatureName": "plan", "FeatureType": "String"},
]
OFFLINE = {"S3StorageConfig": {"S3Uri": "s3://features/offline/"}, "TableFormat": "Glue"}


def _create(sm, name="churn-features", features=None, **extra):
    params = {
        "FeatureGroupName": name,
        "RecordIdentifierFeatureName": "customer_id",
        "EventTimeFeatureName": "event_time",
        "FeatureDefinitions": features or FEATURES,
        "OnlineStoreConfig": {"EnableOnlineStore": True},
        **extra,
    }
    return sm.create_feature_group(**params)["FeatureGroupArn"]


def _wait(sm, name, status, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        out = sm.describe_feature_group(FeatureGroupName=name)
        if out["FeatureGroupStatus"] == status and (out.get("LastUpdateStatus") or {}).get("Status") != "InProgress":
            return out
        assert time.monotonic() < deadline, out["FeatureGroupStatus"]
        time.sleep(0.05)


def test_create_describe_lifecycle(emulator, sm):
    fast(emulator)
    arn = _create(
        sm,
        name="Churn-Features",
        OfflineStoreConfig=OFFLINE,
        RoleArn=ROLE,
        Description="customer features",
        OnlineStoreConfig={"EnableOnlineStore": True, "TtlDuration": {"Unit": "Days", "Value": 30}, "StorageType": "Standard"},
        Tags=[{"Key": "team", "Value": "ml"}],
    )
    assert arn == ARN + "churn-features"
    out = sm.describe_feature_group(FeatureGroupName="churn-features")
    assert out["FeatureGroupStatus"] == "Creating"
    assert "OfflineStoreStatus" not in out and "OnlineStoreTotalSizeBytes" not in out
    out = _wait(sm, arn.replace("churn-features", "Churn-Features"), "Created")
    assert out["FeatureGroupArn"] == arn and out["FeatureGroupName"] == "Churn-Features"
    assert out["FeatureDefinitions"] == FEATURES
    assert out["RecordIdentifierFeatureName"] == "customer_id" and out["EventTimeFeatureName"] == "event_time"
    assert out["OnlineStoreConfig"] == {"EnableOnlineStore": True, "TtlDuration": {"Unit": "Days", "Value": 30}, "StorageType": "Standard"}
    offline = out["OfflineStoreConfig"]
    stamp = int(out["CreationTime"].timestamp())
    assert offline["S3StorageConfig"] == {
        "S3Uri": "s3://features/offline/",
        "ResolvedOutputS3Uri": f"s3://features/offline/{ACCOUNT}/sagemaker/{REGION}/offline-store/Churn-Features-{stamp}/data",
    }
    assert offline["DataCatalogConfig"] == {
        "TableName": f"churn_features_{stamp}", "Catalog": "AwsDataCatalog", "Database": "sagemaker_featurestore"}
    assert offline["DisableGlueTableCreation"] is False and offline["TableFormat"] == "Glue"
    assert out["OfflineStoreStatus"] == {"Status": "Active"}
    assert out["ThroughputConfig"] == {"ThroughputMode": "OnDemand"}
    assert out["OnlineStoreTotalSizeBytes"] == 0
    assert out["RoleArn"] == ROLE and out["Description"] == "customer features"
    assert "LastUpdateStatus" not in out and "LastModifiedTime" not in out
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "ml"}]
    sm.add_tags(ResourceArn=arn.replace("churn-features", "Churn-Features"), Tags=[{"Key": "env", "Value": "dev"}])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "ml"}, {"Key": "env", "Value": "dev"}]

    sm.delete_feature_group(FeatureGroupName="churn-features")
    assert sm.describe_feature_group(FeatureGroupName="churn-features")["FeatureGroupStatus"] == "Deleting"
    assert emulator.control("GET", "/_emulator/inventory")["sagemaker"]["feature_groups"] == ["Churn-Features"]
    time.sleep(DELAY + 0.05)
    with aws_error("ResourceNotFound", "Resource Not Found: Amazon SageMaker can't find a FeatureGroup with name churn-features"):
        sm.describe_feature_group(FeatureGroupName="churn-features")
    with aws_error("ValidationException", "Resource does not exist"):
        sm.list_tags(ResourceArn=arn)
    assert emulator.control("GET", "/_emulator/inventory")["sagemaker"]["feature_groups"] == []
    # the name is free again
    _create(sm, name="churn-features")


def test_create_validation(sm):
    _create(sm)
    with aws_error("ResourceInUse", "Resource Already Exists: FeatureGroup with name CHURN-features already exists. Choose a different name."):
        _create(sm, name="CHURN-features")
    with aws_error("ValidationException", "You must include at least one of OnlineStoreConfig and OfflineStoreConfig to create a FeatureGroup."):
        sm.create_feature_group(
            FeatureGroupName="x", RecordIdentifierFeatureName="customer_id", EventTimeFeatureName="event_time",
            FeatureDefinitions=FEATURES,
        )
    with aws_error("ValidationException", "The RecordIdentifierFeatureName id must be one of the feature definitions' names."):
        _create(sm, name="x", RecordIdentifierFeatureName="id")
    with aws_error("ValidationException", "The EventTimeFeatureName ts must be one of the feature definitions' names."):
        _create(sm, name="x", EventTimeFeatureName="ts")
    with aws_error("ValidationException", "The EventTimeFeatureName customer_id has FeatureType Integral: an EventTime can be a String or Fractional."):
        _create(sm, name="x", EventTimeFeatureName="customer_id")
    with aws_error("ValidationException", "The feature name write_time is reserved."):
        _create(sm, name="x", features=FEATURES + [{"FeatureName": "write_time", "FeatureType": "String"}])
    with aws_error("ValidationException", "Feature name PLAN is duplicated"):
        _create(sm, name="x", features=FEATURES + [{"FeatureName": "PLAN", "FeatureType": "String"}])
    with aws_error("ValidationException", "CollectionConfig with VectorConfig must be specified for feature emb"):
        _create(sm, name="x", features=FEATURES + [{"FeatureName": "emb", "FeatureType": "Fractional", "CollectionType": "Vector"}])
    with aws_error("ValidationException", "RoleArn must be specified when OfflineStoreConfig is provided"):
        _create(sm, name="x", OfflineStoreConfig=OFFLINE)
    with aws_error("ValidationException", "The Iceberg table format is only supported when DisableGlueTableCreation is set to False."):
        _create(sm, name="x", RoleArn=ROLE, OfflineStoreConfig={**OFFLINE, "TableFormat": "Iceberg", "DisableGlueTableCreation": True})
    with aws_error("ValidationException", "ThroughputMode Provisioned is supported only for feature groups that are offline-only"):
        _create(sm, name="x", OnlineStoreConfig={"EnableOnlineStore": True, "StorageType": "InMemory"},
                ThroughputConfig={"ThroughputMode": "Provisioned", "ProvisionedReadCapacityUnits": 5, "ProvisionedWriteCapacityUnits": 5})
    with aws_error("ValidationException", "TtlDuration must specify both Unit and Value."):
        _create(sm, name="x", OnlineStoreConfig={"EnableOnlineStore": True, "TtlDuration": {"Unit": "Days"}})
    # what the API model says (pattern, enum, list length) is checked too
    with aws_error("ValidationException", "at 'featureGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern"):
        _create(sm, name="bad name")
    with aws_error("ValidationException", "at 'featureDefinitions.4.member.featureType' failed to satisfy constraint: Member must satisfy enum value set: [Integral, Fractional, String]"):
        _create(sm, name="x", features=FEATURES + [{"FeatureName": "b", "FeatureType": "Boolean"}])
    with aws_error("ValidationException", "at 'featureDefinitions' failed to satisfy constraint: Member must have length less than or equal to 2500"):
        _create(sm, name="x", features=FEATURES + [{"FeatureName": f"f{i}", "FeatureType": "String"} for i in range(2500)])
    with aws_error("ValidationException", "at 'onlineStoreConfig.storageType' failed to satisfy constraint"):
        _create(sm, name="x", OnlineStoreConfig={"EnableOnlineStore": True, "StorageType": "Fast"})


def test_offline_only_and_create_failed(emulator, sm):
    fast(emulator, 0)
    sm.create_feature_group(
        FeatureGroupName="vectors",
        RecordIdentifierFeatureName="id", EventTimeFeatureName="ts",
        FeatureDefinitions=[
            {"FeatureName": "id", "FeatureType": "String"}, {"FeatureName": "ts", "FeatureType": "String"},
            {"FeatureName": "emb", "FeatureType": "Fractional", "CollectionType": "Vector", "CollectionConfig": {"VectorConfig": {"Dimension": 8}}},
        ],
        RoleArn=ROLE,
        OfflineStoreConfig={"S3StorageConfig": {"S3Uri": "s3://features/v"}, "DisableGlueTableCreation": True},
        ThroughputConfig={"ThroughputMode": "Provisioned", "ProvisionedWriteCapacityUnits": 10},
    )
    out = sm.describe_feature_group(FeatureGroupName="vectors")
    assert out["FeatureGroupStatus"] == "Created"
    assert "DataCatalogConfig" not in out["OfflineStoreConfig"] and "OnlineStoreConfig" not in out
    assert "OnlineStoreTotalSizeBytes" not in out
    assert out["ThroughputConfig"] == {"ThroughputMode": "Provisioned", "ProvisionedWriteCapacityUnits": 10}
    assert out["FeatureDefinitions"][2]["CollectionConfig"] == {"VectorConfig": {"Dimension": 8}}
    _create(sm, name="broken", RoleArn=ROLE, OfflineStoreConfig={"S3StorageConfig": {"S3Uri": "s3://mlops-fail/x"}})
    out = sm.describe_feature_group(FeatureGroupName="broken")
    assert out["FeatureGroupStatus"] == "CreateFailed" and "s3://mlops-fail/x" in out["FailureReason"]
    with aws_error("ValidationException", "is in status CreateFailed"):
        sm.update_feature_group(FeatureGroupName="broken", FeatureAdditions=[{"FeatureName": "n", "FeatureType": "String"}])
    sm.delete_feature_group(FeatureGroupName="broken")


def test_update_feature_group(emulator, sm):
    fast(emulator)
    _create(sm, OnlineStoreConfig={"EnableOnlineStore": True, "TtlDuration": {"Unit": "Hours", "Value": 12}})
    with aws_error("ValidationException", "Feature group churn-features is in status Creating. Only feature groups in status Created can be updated."):
        sm.update_feature_group(FeatureGroupName="churn-features", FeatureAdditions=[{"FeatureName": "n", "FeatureType": "String"}])
    with aws_error("ValidationException", "is in status Creating and cannot be deleted"):
        sm.delete_feature_group(FeatureGroupName="churn-features")
    _wait(sm, "churn-features", "Created")

    arn = sm.update_feature_group(FeatureGroupName="churn-features", FeatureAdditions=[{"FeatureName": "tenure", "FeatureType": "Integral"}])["FeatureGroupArn"]
    assert arn == ARN + "churn-features"
    out = sm.describe_feature_group(FeatureGroupName="churn-features")
    assert out["LastUpdateStatus"] == {"Status": "InProgress"} and "LastModifiedTime" in out
    assert len(out["FeatureDefinitions"]) == 3  # applied when the update finishes
    with aws_error("ValidationException", "An update of feature group churn-features is in progress."):
        sm.update_feature_group(FeatureGroupName="churn-features", OnlineStoreConfig={"TtlDuration": {"Unit": "Days", "Value": 1}})
    out = _wait(sm, "churn-features", "Created")
    assert out["LastUpdateStatus"] == {"Status": "Successful"}
    assert out["FeatureDefinitions"][-1] == {"FeatureName": "tenure", "FeatureType": "Integral"}

    with aws_error("ValidationException", "Feature name Tenure is duplicated: feature tenure already exists"):
        sm.update_feature_group(FeatureGroupName="churn-features", FeatureAdditions=[{"FeatureName": "Tenure", "FeatureType": "String"}])
    with aws_error("ValidationException", "Use only one of FeatureAdditions, OnlineStoreConfig or ThroughputConfig at a time"):
        sm.update_feature_group(
            FeatureGroupName="churn-features", FeatureAdditions=[{"FeatureName": "a", "FeatureType": "String"}],
            ThroughputConfig={"ThroughputMode": "OnDemand"},
        )
    with aws_error("ValidationException", "One of FeatureAdditions, OnlineStoreConfig or ThroughputConfig must be specified."):
        sm.update_feature_group(FeatureGroupName="churn-features")

    # TTL: change, then remove with Unit and Value null
    sm.update_feature_group(FeatureGroupName="churn-features", OnlineStoreConfig={"TtlDuration": {"Unit": "Days", "Value": 7}})
    assert _wait(sm, "churn-features", "Created")["OnlineStoreConfig"]["TtlDuration"] == {"Unit": "Days", "Value": 7}
    sm.update_feature_group(FeatureGroupName=arn, OnlineStoreConfig={"TtlDuration": {}})
    assert "TtlDuration" not in _wait(sm, "churn-features", "Created")["OnlineStoreConfig"]
    with aws_error("ValidationException", "cannot be migrated from Standard to InMemory"):
        sm.update_feature_group(FeatureGroupName="churn-features", OnlineStoreConfig={"StorageType": "InMemory"})
    sm.update_feature_group(FeatureGroupName="churn-features", OnlineStoreConfig={"StorageType": "Standard_V2"})
    assert _wait(sm, "churn-features", "Created")["OnlineStoreConfig"]["StorageType"] == "Standard_V2"

    sm.update_feature_group(
        FeatureGroupName="churn-features",
        ThroughputConfig={"ThroughputMode": "Provisioned", "ProvisionedReadCapacityUnits": 4, "ProvisionedWriteCapacityUnits": 2},
    )
    assert _wait(sm, "churn-features", "Created")["ThroughputConfig"] == {
        "ThroughputMode": "Provisioned", "ProvisionedReadCapacityUnits": 4, "ProvisionedWriteCapacityUnits": 2}
    with aws_error("ResourceNotFound", "can't find a FeatureGroup with name nope"):
        sm.update_feature_group(FeatureGroupName="nope", ThroughputConfig={"ThroughputMode": "OnDemand"})


def test_update_feature_count_limit(emulator, sm):
    fast(emulator, 0)
    _create(sm, features=FEATURES + [{"FeatureName": f"f{i}", "FeatureType": "String"} for i in range(2450)])
    with aws_error("ResourceLimitExceeded", "A feature group can have at most 2500 features: churn-features has 2453 and 100 were added."):
        sm.update_feature_group(
            FeatureGroupName="churn-features",
            FeatureAdditions=[{"FeatureName": f"g{i}", "FeatureType": "String"} for i in range(100)],
        )


def test_feature_metadata(emulator, sm):
    fast(emulator, 0)
    _create(sm)
    out = sm.describe_feature_metadata(FeatureGroupName="churn-features", FeatureName="plan")
    assert out["FeatureGroupArn"] == ARN + "churn-features" and out["FeatureType"] == "String"
    assert out["CreationTime"] == out["LastModifiedTime"]
    assert "Description" not in out and "Parameters" not in out
    time.sleep(0.01)
    sm.update_feature_metadata(
        FeatureGroupName=ARN + "churn-features", FeatureName="plan", Description="subscription plan",
        ParameterAdditions=[{"Key": "owner", "Value": "billing"}, {"Key": "pii", "Value": "no"}],
    )
    sm.update_feature_metadata(
        FeatureGroupName="churn-features", FeatureName="plan",
        ParameterAdditions=[{"Key": "owner", "Value": "growth"}], ParameterRemovals=["pii", "unknown"],
    )
    out = sm.describe_feature_metadata(FeatureGroupName="churn-features", FeatureName="plan")
    assert out["Description"] == "subscription plan"
    assert out["Parameters"] == [{"Key": "owner", "Value": "growth"}]
    assert out["LastModifiedTime"] > out["CreationTime"]
    with aws_error("ResourceNotFound", "can't find a Feature with name nope in FeatureGroup churn-features"):
        sm.describe_feature_metadata(FeatureGroupName="churn-features", FeatureName="nope")
    with aws_error("ResourceNotFound", "can't find a FeatureGroup with name other"):
        sm.update_feature_metadata(FeatureGroupName="other", FeatureName="plan", Description="x")
    with aws_error("ValidationException", "A feature can have at most 25 parameters"):
        sm.update_feature_metadata(
            FeatureGroupName="churn-features", FeatureName="plan",
            ParameterAdditions=[{"Key": f"k{i}", "Value": "v"} for i in range(25)],
        )


def test_list_feature_groups(emulator, sm):
    fast(emulator, 0)
    _create(sm, name="alpha")
    _create(sm, name="beta", RoleArn=ROLE, OfflineStoreConfig=OFFLINE)
    fast(emulator, 5)
    _create(sm, name="gamma")

    def names(**params):
        return [g["FeatureGroupName"] for g in sm.list_feature_groups(**params)["FeatureGroupSummaries"]]

    assert names() == ["gamma", "beta", "alpha"]
    assert names(SortBy="Name", SortOrder="Ascending") == ["alpha", "beta", "gamma"]
    assert names(FeatureGroupStatusEquals="Creating") == ["gamma"]
    assert names(OfflineStoreStatusEquals="Active") == ["beta"]
    assert names(NameContains="ALP") == ["alpha"]
    summary = sm.list_feature_groups(NameContains="beta")["FeatureGroupSummaries"][0]
    assert summary["FeatureGroupArn"] == ARN + "beta" and summary["OfflineStoreStatus"] == {"Status": "Active"}
    page = sm.list_feature_groups(MaxResults=2)
    assert len(page["FeatureGroupSummaries"]) == 2
    assert names(NextToken=page["NextToken"], MaxResults=2) == ["alpha"]


def test_inventory_request_log_and_faults(emulator, sm):
    fast(emulator, 0)
    emulator.control("POST", "/_emulator/faults", {"operation": "CreateFeatureGroup", "kind": "throttle", "count": 1})
    retrying = emulator.client("sagemaker", retries={"mode": "standard", "total_max_attempts": 2})
    assert _create(retrying, name="b") == ARN + "b"
    _create(sm, name="a")
    emulator.control("POST", "/_emulator/faults", {"operation": "DescribeFeatureGroup", "kind": "throttle", "count": 1})
    with aws_error("ThrottlingException", "Rate exceeded"):
        sm.describe_feature_group(FeatureGroupName="a")
    assert emulator.control("GET", "/_emulator/requests/summary") == {
        "sagemaker.CreateFeatureGroup": 3, "sagemaker.DescribeFeatureGroup": 1}
    assert emulator.control("GET", "/_emulator/inventory")["sagemaker"]["feature_groups"] == ["a", "b"]
    # other regions count too
    _create(emulator.client("sagemaker", region_name="eu-west-1"), name="c")
    assert emulator.control("GET", "/_emulator/inventory")["sagemaker"]["feature_groups"] == ["a", "b", "c"]
