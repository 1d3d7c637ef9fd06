# The group and version of a model version, e.g. to name a release after it.
output "release" {
  value = provider::mlops::model_package_arn_parse("arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/3")
  # { account_id = "123456789012", group = "churn", partition = "aws", region = "eu-west-1", version = 3 }
}

output "release_tag" {
  value = format("%s-v%d",
    provider::mlops::model_package_arn_parse("arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/3").group,
    provider::mlops::model_package_arn_parse("arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/3").version,
  )
  # "churn-v3"
}
