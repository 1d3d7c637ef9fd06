# A model package group is imported by its name.
terraform import mlops_model_package_group.churn churn-model
