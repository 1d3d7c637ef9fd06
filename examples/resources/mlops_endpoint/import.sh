# A SageMaker endpoint is imported by its name.
terraform import mlops_endpoint.churn churn
# A Kubernetes (KServe) endpoint is imported by namespace/name.
terraform import mlops_endpoint.churn ml/churn
