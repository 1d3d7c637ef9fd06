# A model version is imported by its ARN.
terraform import mlops_model_package.v1 arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/1
# An MLflow model version: mlflow:<registered model>/<version>.
terraform import mlops_model_package.v3 mlflow:churn/3
