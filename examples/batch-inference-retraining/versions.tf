terraform {
  # the write-only trigger token
  required_version = ">= 1.11"
  required_providers {
    mlops = {
      source  = "mlops/mlops"
      version = "~> 0.1"
    }
  }
}

# Credentials and endpoint come from the environment (your AWS profile, the CI job's role, or
# AWS_ENDPOINT_URL pointing at the local emulator in the tests).
provider "mlops" {
  region = var.region
}
