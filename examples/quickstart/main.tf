# Quickstart: a model registry group, one registered model version approved in place, and
# the "latest approved version" lookup that a deployment would use.
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

resource "mlops_model_package_group" "churn" {
  name          = "churn-prediction"
  description   = "Customer churn classifier"
  force_destroy = true
}

resource "mlops_model_package" "v1" {
  model_package_group_name = mlops_model_package_group.churn.name
  image                    = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
  model_data_url           = "s3://my-ml-bucket/churn/model-v1/model.tar.gz"
  supported_content_types  = ["text/csv"]

  approval_status      = "Approved"
  approval_description = "F1 0.91 on the holdout set"

  metrics {
    model_quality_statistics = "s3://my-ml-bucket/churn/model-v1/evaluation.json"
  }
}

# What a deployment serves: the newest Approved version of the group.
data "mlops_model_package" "serving" {
  model_package_group_name = mlops_model_package_group.churn.name
  depends_on               = [mlops_model_package.v1]
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
