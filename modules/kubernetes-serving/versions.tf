terraform {
  # optional() object attributes with defaults
  required_version = ">= 1.3"

  required_providers {
    mlops = {
      source  = "mlops/mlops"
      version = "~> 0.1"
    }
  }
}
