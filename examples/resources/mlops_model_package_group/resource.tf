resource "mlops_model_package_group" "churn" {
  name        = "churn-prediction"
  description = "Customer churn classifier"

  # Let the production account read and deploy approved versions.
  shared_with_accounts = ["210987654321"]

  tags = { owner = "data-science" }
}
