terraform {
  required_version = ">= 1.3"
  required_providers {
    mlops = {
      source  = "mlops/mlops"
      version = "~> 0.1"
    }
  }
}

# The cluster comes from KUBECONFIG (or ~/.kube/config, or the in-cluster service account).
provider "mlops" {
  region = var.region

  mlflow {
    tracking_uri = var.mlflow_tracking_uri
  }

  feast {
    registry_address = var.feast_registry_address
    project          = "churn"
  }
}
