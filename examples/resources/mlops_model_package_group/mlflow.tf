# The registry in MLflow: a registered model, a version approved by Terraform (it holds
# the alias "champion"), and the lookup serving code uses. Needs the provider's mlflow
# block (or MLFLOW_TRACKING_URI); training code may register versions and move the alias
# itself, and the next plan shows it.
resource "mlops_model_package_group" "churn" {
  name          = "churn-prediction"
  description   = "Churn classifier"
  force_destroy = true
  tags          = { team = "ml-platform" }
  mlflow {}
}

resource "mlops_model_package" "v1" {
  model_package_group_name = mlops_model_package_group.churn.name
  approval_status          = "Approved"
  approval_description     = "AUC 0.91 on the March holdout"
  mlflow {
    source = "s3://my-ml-bucket/churn/model-v1"
    alias  = "champion"
  }
}

data "mlops_model_package" "champion" {
  model_package_group_name = mlops_model_package_group.churn.name
  mlflow {
    alias = "champion"
  }
  depends_on = [mlops_model_package.v1]
}

output "champion" {
  value = {
    version = data.mlops_model_package.champion.version_number
    files   = data.mlops_model_package.champion.model_data_url
    page    = data.mlops_model_package.champion.mlflow.ui_url
  }
}
