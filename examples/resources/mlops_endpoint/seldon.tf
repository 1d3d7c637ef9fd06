# Serving a model on Kubernetes with Seldon Core v1: the endpoint becomes a
# SeldonDeployment in namespace "ml" whose predictor "main" runs Seldon's prepackaged
# SKLearn server on the artifact. Needs the provider's kubernetes block (or a kubeconfig)
# and the Seldon Core operator in the cluster.
resource "mlops_endpoint" "churn_seldon" {
  name = "churn"

  model {
    model_data_url = "s3://my-ml-bucket/churn/model-v1/"
  }

  seldon {
    namespace           = "ml"
    model_format        = "sklearn"
    replicas            = 2
    storage_secret_name = "s3-model-reader"

    resources {
      cpu    = "500m"
      memory = "1Gi"
    }

    labels = {
      team = "ml-platform"
    }

    # on the next model change, send 10 % of the traffic to a "canary" predictor while
    # "main" keeps the current model; remove the line to promote it:
    # canary_traffic_percent = 10
  }

  timeouts {
    create = "15m"
    update = "30m"
  }
}
