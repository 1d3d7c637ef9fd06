# A model version is imported by its ARN.
terraform import mlops_model_package.v1 arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/1
