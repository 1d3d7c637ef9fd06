# The reference architecture ("MLOps for batch inference with model monitoring and retraining"):
# training and HPO pipelines registering versions for manual approval, batch inference on the
# latest approved version with data- and model-quality checks, retraining (HPO) when the
# model-quality check fails, e-mail notifications, and approval -> GitLab deployment.
module "build" {
  source                = "../../modules/model-build"
  name                  = "abalone"
  role_arn              = var.role_arn
  bucket                = var.bucket
  image                 = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
  processing_image      = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
  hpo                   = {}
  schedule              = "cron(0 3 ? * MON *)"
  retrain_on_failure_of = [module.batch.model_quality_check]
  notification_emails   = var.emails
  gitlab_deploy         = { project = "ml-platform/abalone-deploy" }
  gitlab_trigger_token  = var.gitlab_trigger_token
  # write-only token (never in the state); bump to send a rotated one
  gitlab_trigger_token_version = 1
}

module "batch" {
  source              = "../../modules/batch-inference"
  name                = "abalone-batch"
  role_arn            = var.role_arn
  bucket              = var.bucket
  model_package_group = module.build.model_package_group_name
  schedule            = "cron(0 6 * * ? *)"
  transform           = { input_filter = "$[1:]", output_filter = "$[0,-1]", join_source = "Input" }
  model_quality       = { problem_type = "Regression", inference_attribute = "_c1", ground_truth_attribute = "_c0" }
  notification_emails = var.emails
}
