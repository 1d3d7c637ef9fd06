# Serving the latest approved version on Kubernetes with KServe:
# the endpoint becomes an InferenceService in namespace "ml" whose predictor loads the
# version's artifact (storageUri) with the xgboost runtime. Needs the provider's kubernetes
# block (or a kubeconfig) and KServe in the cluster.
resource "mlops_model_package_group" "churn" {
  name          = "churn-prediction"
  force_destroy = true
}

resource "mlops_model_package" "v1" {
  model_package_group_name = mlops_model_package_group.churn.name
  image                    = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
  model_data_url           = "s3://my-ml-bucket/churn/model-v1/model.tar.gz"
  approval_status          = "Approved"
}

resource "mlops_endpoint" "churn_kserve" {
  name = "churn"

  model {
    # approving a newer version shows as a change of model_package_arn at the next plan
    model_package_group = mlops_model_package_group.churn.name
  }

  kubernetes {
    namespace    = "ml"
    model_format = "xgboost"
    min_replicas = 1
    max_replicas = 4
    scale_metric = "concurrency"
    scale_target = 10

    resources {
      cpu          = "500m"
      memory       = "1Gi"
      memory_limit = "2Gi"
    }

    labels = {
      team = "ml-platform"
    }

    # on the next update, send 10 % of the traffic to the new revision first:
    # canary_traffic_percent = 10
  }

  timeouts {
    create = "15m"
    update = "30m"
  }

  depends_on = [mlops_model_package.v1]
}
