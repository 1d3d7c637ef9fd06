# A SageMaker endpoint is imported by its name.
terraform import mlops_endpoint.churn churn
# A Kubernetes (KServe) endpoint is imported by namespace/name.
terraform import mlops_endpoint.churn ml/churn
# A Seldon Core endpoint is imported by seldon:namespace/name.
terraform import mlops_endpoint.churn seldon:ml/churn
