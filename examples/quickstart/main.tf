# Quickstart: the whole MLOps lifecycle in one apply. A training pipeline registers versions
# in a model registry group; one version is approved; the newest approved version is served
# on an endpoint with data capture and a canary rollout, watched by a monitor; a feature view
# holds the features both use.
# Run it against the local emulator with scripts/quickstart.sh.

terraform {
  required_version = ">= 1.0"
  required_providers {
    mlops = {
      source  = "mlops/mlops"
      version = "~> 0.1"
    }
  }
}

# Credentials and endpoint come from the environment (AWS_ENDPOINT_URL points at the
# emulator in the quickstart; in real use, your AWS profile or CI role).
provider "mlops" {
  region = var.region

  default_tags {
    tags = { managed-by = "terraform", project = "quickstart" }
  }
}

variable "region" {
  description = "AWS region."
  type        = string
  default     = "us-east-1"
}

variable "role_arn" {
  description = "IAM role of the pipeline, the endpoint and the monitoring jobs."
  type        = string
  default     = "arn:aws:iam::123456789012:role/SageMakerExecution"
}

locals {
  xgboost = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
}

# Features: customers by id, online for serving and offline for training.
resource "mlops_feature_view" "customers" {
  name       = "customers"
  entity_key = "customer_id"
  event_time = "event_time"
  role_arn   = var.role_arn

  feature {
    name = "customer_id"
    type = "String"
  }
  feature {
    name = "event_time"
    type = "String"
  }
  feature {
    name        = "tenure_months"
    type        = "Integral"
    description = "Months since sign-up"
  }

  offline_store {
    s3_uri = "s3://my-ml-bucket/feature-store"
  }
}

# The registry: versions land here for review.
resource "mlops_model_package_group" "churn" {
  name          = "churn-prediction"
  description   = "Customer churn classifier"
  force_destroy = true
}

# Training: train on the customers data, register the model for approval.
resource "mlops_pipeline" "train" {
  name     = "churn-training"
  role_arn = var.role_arn

  step {
    name = "Train"
    training {
      image_uri       = local.xgboost
      instance_type   = "ml.m5.xlarge"
      output_path     = "s3://my-ml-bucket/churn/models"
      hyperparameters = { objective = "binary:logistic", num_round = "50" }
      input {
        channel      = "train"
        s3_uri       = "s3://my-ml-bucket/churn/training-data/"
        content_type = "text/csv"
      }
    }
  }

  step {
    name = "Register"
    register_model {
      model_package_group = mlops_model_package_group.churn.name
      image_uri           = local.xgboost
      model_data_url      = "{{ steps.Train.model_artifacts }}"
      content_types       = ["text/csv"]
      response_types      = ["text/csv"]
    }
  }
}

# A version registered and approved in place (normally the pipeline registers it and a
# reviewer approves it in the registry).
resource "mlops_model_package" "v1" {
  model_package_group_name = mlops_model_package_group.churn.name
  image                    = local.xgboost
  model_data_url           = "s3://my-ml-bucket/churn/model-v1/model.tar.gz"
  supported_content_types  = ["text/csv"]

  approval_status      = "Approved"
  approval_description = "F1 0.91 on the holdout set"

  metrics {
    model_quality_statistics = "s3://my-ml-bucket/churn/model-v1/evaluation.json"
    data_quality_statistics  = "s3://my-ml-bucket/churn/model-v1/baseline/statistics.json"
    data_quality_constraints = "s3://my-ml-bucket/churn/model-v1/baseline/constraints.json"
  }
}

# What a deployment serves: the newest Approved version of the group.
# Referring to v1 orders the lookup after it without depends_on, which would defer the
# lookup to apply time on every pending change.
data "mlops_model_package" "serving" {
  model_package_group_name = mlops_model_package.v1.model_package_group_name
}

# Serving: the newest approved version; a newer approval rolls out as a canary.
resource "mlops_endpoint" "churn" {
  name     = "churn"
  role_arn = var.role_arn

  model {
    model_package_group = mlops_model_package_group.churn.name
    instance_type       = "ml.m5.large"
    instance_count      = 1
  }

  data_capture {
    destination = "s3://my-ml-bucket/churn/data-capture"
  }

  depends_on = [mlops_model_package.v1]
}

# Monitoring: captured requests against the approved version's data-quality baseline.
resource "mlops_monitor" "churn" {
  name          = "churn"
  role_arn      = var.role_arn
  endpoint_name = mlops_endpoint.churn.name
  output_s3_uri = "s3://my-ml-bucket/churn/monitoring"

  data_quality {
    baseline_statistics  = data.mlops_model_package.serving.metrics.data_quality_statistics
    baseline_constraints = data.mlops_model_package.serving.metrics.data_quality_constraints
  }
}

output "group_arn" {
  value = mlops_model_package_group.churn.arn
}

output "approved_version" {
  value = data.mlops_model_package.serving.version_number
}

output "approved_model_data_url" {
  value = data.mlops_model_package.serving.model_data_url
}

output "endpoint_name" {
  value = mlops_endpoint.churn.name
}

output "served_version" {
  value = mlops_endpoint.churn.model.model_package_arn
}

output "monitoring_schedule" {
  value = mlops_monitor.churn.data_quality_schedule_arn
}
