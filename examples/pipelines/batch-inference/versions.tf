terraform {
  required_version = ">= 1.3"
  required_providers {
    mlops = {
      source  = "mlops/mlops"
      version = "~> 0.1"
    }
  }
}

# Region, credentials and endpoint come from the environment: AWS_REGION / AWS_PROFILE, the
# CI job's role, or AWS_ENDPOINT_URL pointing at the local emulator in the tests.
provider "mlops" {}
