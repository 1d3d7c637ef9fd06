provider "mlops" {
  region = "eu-west-1"

  # Optional: assume a deployment role (e.g. from GitLab CI with OIDC web identity).
  assume_role {
    role_arn     = "arn:aws:iam::123456789012:role/mlops-deployer"
    session_name = "gitlab-ci"
  }

  default_tags {
    tags = { team = "ml-platform" }
  }

  # Optional: a Kubernetes cluster for endpoints served with KServe (mlops_endpoint with a
  # kubernetes block). Without it: KUBECONFIG, ~/.kube/config, or the in-cluster account.
  kubernetes {
    config_path    = "~/.kube/config"
    config_context = "prod-eks"
  }

  # Optional: an MLflow tracking server for registry resources with an mlflow block
  # (also MLFLOW_TRACKING_URI, MLFLOW_TRACKING_TOKEN, ...).
  mlflow {
    tracking_uri = "https://mlflow.ml.example.com"
  }

  # Optional: a Feast registry server (`feast serve_registry`) for feature views with a
  # feast block (also FEAST_REGISTRY_ADDRESS, FEAST_PROJECT).
  feast {
    registry_address = "feast-registry.feast.svc:6570"
    project          = "churn"
  }
}
