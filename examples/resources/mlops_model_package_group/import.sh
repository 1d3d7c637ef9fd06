# A model package group is imported by its name.
terraform import mlops_model_package_group.churn churn-model
# An MLflow registered model: mlflow:<name>.
terraform import mlops_model_package_group.churn mlflow:churn-model
