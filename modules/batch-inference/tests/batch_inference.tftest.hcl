# Plan-level tests of the batch-inference module. The mock provider answers every call, so no
# AWS API is contacted; the registry lookup is overridden with an approved version.

mock_provider "mlops" {}

override_data {
  target = data.mlops_model_package.serving
  values = {
    found          = true
    arn            = "arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/3"
    image          = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
    model_data_url = "s3://my-ml-bucket/churn/models/3/model.tar.gz"
    metrics = {
      data_quality_statistics   = "s3://my-ml-bucket/churn/dq/statistics.json"
      data_quality_constraints  = "s3://my-ml-bucket/churn/dq/constraints.json"
      model_quality_statistics  = "s3://my-ml-bucket/churn/mq/statistics.json"
      model_quality_constraints = "s3://my-ml-bucket/churn/mq/constraints.json"
    }
  }
}

variables {
  name                = "churn-batch"
  role_arn            = "arn:aws:iam::123456789012:role/SageMakerExecution"
  bucket              = "my-ml-bucket"
  model_package_group = "churn"
  tags                = { team = "ml" }
}

run "defaults" {
  command = plan

  assert {
    condition     = data.mlops_model_package.serving.model_package_group_name == "churn" && data.mlops_model_package.serving.allow_missing == true
    error_message = "The latest approved version of model_package_group must be looked up, tolerating none yet."
  }
  assert {
    condition     = mlops_pipeline.this.name == "churn-batch" && mlops_pipeline.this.role_arn == var.role_arn
    error_message = "The pipeline must be named var.name and run as var.role_arn."
  }
  assert {
    condition     = mlops_pipeline.this.description == "Scores s3://my-ml-bucket/churn-batch/input/ with the latest approved version of churn"
    error_message = "The description must name the default input prefix and the group."
  }
  assert {
    condition     = mlops_pipeline.this.tags == tomap({ team = "ml" })
    error_message = "The pipeline must carry var.tags."
  }
  assert {
    condition = { for p in mlops_pipeline.this.parameter : p.name => p.default } == {
      InputDataUrl    = "s3://my-ml-bucket/churn-batch/input/"
      InstanceType    = "ml.m5.xlarge"
      ModelPackageArn = "arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/3"
      ModelImage      = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
      ModelDataUrl    = "s3://my-ml-bucket/churn/models/3/model.tar.gz"
    }
    error_message = "Parameter defaults must be the default input, the instance type and the approved version."
  }
  assert {
    condition     = [for s in mlops_pipeline.this.step : s.name] == ["DataQualityCheck", "CreateModel", "Transform"]
    error_message = "Without preprocess and model_quality the pipeline checks data quality, creates the model and transforms."
  }
  assert {
    condition     = mlops_pipeline.this.step[0].quality_check.dataset == "{{ parameters.InputDataUrl }}" && mlops_pipeline.this.step[0].quality_check.model_package_group == "churn"
    error_message = "Without preprocess the data-quality check reads the input against the group's baseline."
  }
  assert {
    condition     = mlops_pipeline.this.step[2].transform.input == "{{ parameters.InputDataUrl }}" && mlops_pipeline.this.step[2].transform.instance_count == "1" && mlops_pipeline.this.step[2].transform.content_type == "text/csv"
    error_message = "The transform must score the input with one instance and text/csv."
  }
  assert {
    condition     = mlops_pipeline.this.step[2].transform.join_source == null && mlops_pipeline.this.step[2].transform.input_filter == null
    error_message = "transform defaults must leave the filters and join unset."
  }
  assert {
    condition     = [for t in mlops_pipeline.this.trigger : "${t.name}:${t.enabled}"] == ["new-data:true"]
    error_message = "By default the only trigger is new data, enabled once a version is approved."
  }
  assert {
    condition     = mlops_pipeline.this.trigger[0].s3.bucket == "my-ml-bucket" && mlops_pipeline.this.trigger[0].s3.prefix == "churn-batch/input/"
    error_message = "The new-data trigger must watch the input bucket and prefix."
  }
  assert {
    condition     = length(mlops_pipeline.this.notification) == 0
    error_message = "Without notification_emails there is no notification."
  }
  assert {
    condition     = output.model_quality_check == null && output.model_package_arn == "arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/3"
    error_message = "Outputs: no model-quality check without model_quality; the approved version's ARN."
  }
}

run "no_approved_version" {
  command = plan

  override_data {
    target = data.mlops_model_package.serving
    values = {
      found = false
    }
  }

  variables {
    schedule = "rate(1 day)"
  }

  assert {
    condition     = [for t in mlops_pipeline.this.trigger : "${t.name}:${t.enabled}"] == ["schedule:false", "new-data:false"]
    error_message = "Until a version is approved both triggers must exist but be disabled."
  }
  assert {
    condition     = mlops_pipeline.this.trigger[0].schedule == "rate(1 day)"
    error_message = "The schedule trigger must use var.schedule."
  }
}

run "preprocess_and_model_quality" {
  command = plan

  variables {
    input_data          = "s3://scoring-data/daily/"
    preprocess          = { image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/sklearn:1.2", code = "s3://my-ml-bucket/code/prep.py" }
    transform           = { input_filter = "$[1:]", output_filter = "$[0,-1]", join_source = "Input" }
    model_quality       = { problem_type = "Regression", inference_attribute = "_c1", ground_truth_attribute = "_c0" }
    instance_count      = 3
    instance_type       = "ml.c5.2xlarge"
    content_type        = "application/jsonlines"
    schedule            = "cron(0 6 * * ? *)"
    run_on_new_data     = false
    notification_emails = ["ml-team@example.com"]
  }

  assert {
    condition     = [for s in mlops_pipeline.this.step : s.name] == ["Preprocess", "DataQualityCheck", "CreateModel", "Transform", "ModelQualityCheck"]
    error_message = "preprocess and model_quality must add their steps first and last."
  }
  assert {
    condition     = mlops_pipeline.this.step[0].processing.code == "s3://my-ml-bucket/code/prep.py" && mlops_pipeline.this.step[0].processing.output[0].destination == "s3://my-ml-bucket/churn-batch/{{ execution.PipelineExecutionId }}/preprocessed"
    error_message = "Preprocess must run the given code and write under s3://<bucket>/<name>/<run>/preprocessed."
  }
  assert {
    condition     = mlops_pipeline.this.step[1].quality_check.dataset == "{{ steps.Preprocess.outputs.output }}" && mlops_pipeline.this.step[3].transform.input == "{{ steps.Preprocess.outputs.output }}"
    error_message = "With preprocess the check and the transform must read the preprocessed data."
  }
  assert {
    condition     = mlops_pipeline.this.step[3].transform.join_source == "Input" && mlops_pipeline.this.step[3].transform.output_filter == "$[0,-1]" && mlops_pipeline.this.step[3].transform.instance_count == "3" && mlops_pipeline.this.step[3].transform.accept == "application/jsonlines"
    error_message = "transform settings, instance_count and content_type must reach the transform step."
  }
  assert {
    condition     = mlops_pipeline.this.step[4].quality_check.check_type == "MODEL_QUALITY" && mlops_pipeline.this.step[4].quality_check.problem_type == "Regression" && mlops_pipeline.this.step[4].quality_check.ground_truth_attribute == "_c0"
    error_message = "The model-quality check must use the model_quality settings."
  }
  assert {
    condition     = mlops_pipeline.this.step[4].quality_check.baseline_constraints == "s3://my-ml-bucket/churn/mq/constraints.json"
    error_message = "Without explicit constraints the approved version's registered model-quality constraints are the baseline."
  }
  assert {
    condition     = [for t in mlops_pipeline.this.trigger : t.name] == ["schedule"]
    error_message = "run_on_new_data = false must drop the S3 trigger."
  }
  assert {
    condition     = mlops_pipeline.this.notification[0].emails == toset(["ml-team@example.com"]) && mlops_pipeline.this.notification[0].step_statuses == toset(["Failed"])
    error_message = "notification_emails must be told about executions and failed steps."
  }
  assert {
    condition     = output.model_quality_check == { pipeline = "churn-batch", step = "ModelQualityCheck" }
    error_message = "model_quality_check must point at the model-quality step for model-build's retrain_on_failure_of."
  }
}

run "explicit_model_quality_baseline" {
  command = plan

  variables {
    input_data    = "s3://scoring-data"
    model_quality = { problem_type = "BinaryClassification", inference_attribute = "pred", ground_truth_attribute = "label", probability_attribute = "prob", baseline_constraints = "s3://my-ml-bucket/own/constraints.json" }
  }

  assert {
    condition     = mlops_pipeline.this.step[3].quality_check.baseline_constraints == "s3://my-ml-bucket/own/constraints.json" && mlops_pipeline.this.step[3].quality_check.probability_attribute == "prob"
    error_message = "Explicit baseline constraints must win over the registered ones."
  }
  assert {
    condition     = mlops_pipeline.this.trigger[0].s3.bucket == "scoring-data" && mlops_pipeline.this.trigger[0].s3.prefix == null
    error_message = "A bucket-only input_data must give an S3 trigger without prefix."
  }
}

run "rejects_invalid_identity" {
  command = plan

  variables {
    name     = "churn_batch"
    role_arn = "arn:aws:iam::123456789012:user/me"
    bucket   = "ab"
  }

  expect_failures = [var.name, var.role_arn, var.bucket]
}

run "rejects_invalid_inputs" {
  command = plan

  variables {
    input_data          = "/local/data"
    transform           = { join_source = "Output" }
    instance_type       = "ml.m5"
    instance_count      = 1.5
    schedule            = "daily"
    notification_emails = ["ml-team@example"]
  }

  expect_failures = [var.input_data, var.transform, var.instance_type, var.instance_count, var.schedule, var.notification_emails]
}

run "rejects_zero_instances_and_unknown_problem_type" {
  command = plan

  variables {
    instance_count = 0
    model_quality  = { problem_type = "Classification", inference_attribute = "_c1", ground_truth_attribute = "_c0" }
  }

  expect_failures = [var.instance_count, var.model_quality]
}
