# Plan-level tests of the model-build module. The mock provider answers every call, so no AWS
# API is contacted; the provider's own plan-time validation (ValidateResourceConfig) still runs.

mock_provider "mlops" {}

variables {
  name     = "churn"
  role_arn = "arn:aws:iam::123456789012:role/SageMakerExecution"
  bucket   = "my-ml-bucket"
  image    = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
  tags     = { team = "ml" }
}

run "defaults" {
  command = plan

  assert {
    condition     = mlops_model_package_group.this.name == "churn"
    error_message = "The registry group must be named after var.name."
  }
  assert {
    condition     = mlops_model_package_group.this.description == "Versions of churn, registered by churn-training; approve to deploy."
    error_message = "Without hpo the group description must name only the training pipeline."
  }
  assert {
    condition     = mlops_model_package_group.this.force_destroy == false && mlops_model_package_group.this.on_approval == null
    error_message = "By default the group keeps its versions on destroy and has no approval hook."
  }
  assert {
    condition     = mlops_model_package_group.this.tags == tomap({ team = "ml" })
    error_message = "The group must carry var.tags."
  }
  assert {
    condition     = keys(mlops_pipeline.this) == ["training"]
    error_message = "Without hpo only the training pipeline is created."
  }
  assert {
    condition     = mlops_pipeline.this["training"].name == "churn-training" && mlops_pipeline.this["training"].default_bucket == "my-ml-bucket"
    error_message = "The training pipeline must be <name>-training with the bucket as default bucket."
  }
  assert {
    condition     = mlops_pipeline.this["training"].tags == tomap({ team = "ml" })
    error_message = "The pipeline must carry var.tags."
  }
  assert {
    condition = { for p in mlops_pipeline.this["training"].parameter : p.name => p.default } == {
      InputDataUrl    = "s3://my-ml-bucket/churn/training-data/"
      InstanceType    = "ml.m5.xlarge"
      MetricThreshold = "10"
    }
    error_message = "Parameter defaults must come from the default training data prefix, instance type and threshold."
  }
  assert {
    condition     = [for s in mlops_pipeline.this["training"].step : s.name] == ["Preprocess", "DataQualityBaseline", "Train", "Evaluate", "QualityGate", "Register", "BelowQualityGate"]
    error_message = "The training pipeline must have the seven steps in order."
  }
  assert {
    condition     = mlops_pipeline.this["training"].step[0].processing.image_uri == var.image && mlops_pipeline.this["training"].step[0].processing.code == "s3://my-ml-bucket/churn/code/preprocess.py"
    error_message = "Preprocessing must default to var.image and s3://<bucket>/<name>/code/preprocess.py."
  }
  assert {
    condition     = mlops_pipeline.this["training"].step[3].processing.code == "s3://my-ml-bucket/churn/code/evaluate.py"
    error_message = "Evaluation must default to s3://<bucket>/<name>/code/evaluate.py."
  }
  assert {
    condition     = mlops_pipeline.this["training"].step[2].training.hyperparameters == tomap({ objective = "reg:squarederror", num_round = "50" })
    error_message = "The training step must use the default hyperparameters."
  }
  assert {
    condition     = mlops_pipeline.this["training"].step[4].condition.comparison[0].type == "LessThanOrEqualTo"
    error_message = "The default goal (minimize) must gate with LessThanOrEqualTo."
  }
  assert {
    condition     = mlops_pipeline.this["training"].step[5].register_model.model_package_group == "churn"
    error_message = "Register must register into the module's group."
  }
  assert {
    condition     = [for t in mlops_pipeline.this["training"].trigger : t.name] == ["new-data"]
    error_message = "By default the only trigger is new data under training_data."
  }
  assert {
    condition     = mlops_pipeline.this["training"].trigger[0].s3.bucket == "my-ml-bucket" && mlops_pipeline.this["training"].trigger[0].s3.prefix == "churn/training-data/"
    error_message = "The new-data trigger must watch the training data bucket and prefix."
  }
  assert {
    condition     = length(mlops_pipeline.this["training"].notification) == 0
    error_message = "Without notification_emails there is no notification."
  }
}

run "everything_on" {
  command = plan

  variables {
    processing_image      = "123456789012.dkr.ecr.us-east-1.amazonaws.com/sklearn:1.2"
    training_data         = "s3://raw-data"
    evaluation            = { metric = "binary_classification_metrics.f1.value", threshold = 0.8, goal = "maximize" }
    hpo                   = { objective_metric = "validation:f1", objective_type = "Maximize" }
    schedule              = "cron(0 3 ? * MON *)"
    retrain_on_failure_of = [{ pipeline = "churn-batch", step = "ModelQualityCheck" }]
    notification_emails   = ["ml-team@example.com"]
    notify_on             = ["Failed"]
    force_destroy         = true
  }

  assert {
    condition     = keys(mlops_pipeline.this) == ["hpo", "training"]
    error_message = "With hpo both pipelines are created."
  }
  assert {
    condition     = mlops_pipeline.this["hpo"].name == "churn-hpo"
    error_message = "The HPO pipeline must be <name>-hpo."
  }
  assert {
    condition     = mlops_model_package_group.this.description == "Versions of churn, registered by churn-training and churn-hpo; approve to deploy."
    error_message = "With hpo the group description must name both pipelines."
  }
  assert {
    condition     = mlops_model_package_group.this.force_destroy == true
    error_message = "force_destroy must reach the group."
  }
  assert {
    condition     = [for s in mlops_pipeline.this["hpo"].step : s.name] == ["Preprocess", "DataQualityBaseline", "Tune", "Evaluate", "QualityGate", "Register", "BelowQualityGate"]
    error_message = "The HPO pipeline must tune instead of train."
  }
  assert {
    condition     = mlops_pipeline.this["hpo"].step[2].training == null && mlops_pipeline.this["hpo"].step[2].tuning.objective_type == "Maximize" && mlops_pipeline.this["hpo"].step[2].tuning.max_jobs == 6
    error_message = "The Tune step must be a tuning job with the hpo settings and defaults."
  }
  assert {
    condition     = [for r in mlops_pipeline.this["hpo"].step[2].tuning.continuous_range : "${r.name}:${r.min}-${r.max}"] == ["eta:0-1"] && [for r in mlops_pipeline.this["hpo"].step[2].tuning.integer_range : "${r.name}:${r.min}-${r.max}"] == ["max_depth:1-10"]
    error_message = "The default hpo ranges (eta 0-1, max_depth 1-10) must reach the tuning job."
  }
  assert {
    condition     = mlops_pipeline.this["hpo"].step[3].processing.input[0].source == "{{ steps.Tune.best_model_artifacts }}"
    error_message = "The HPO pipeline must evaluate the best model of the tuning job."
  }
  assert {
    condition     = mlops_pipeline.this["training"].step[2].tuning == null && mlops_pipeline.this["training"].step[2].training != null
    error_message = "The training pipeline keeps a training step."
  }
  assert {
    condition     = mlops_pipeline.this["training"].step[0].processing.image_uri == var.processing_image && mlops_pipeline.this["training"].step[2].training.image_uri == var.image
    error_message = "processing_image must be used for processing, image for training."
  }
  assert {
    condition     = mlops_pipeline.this["training"].step[4].condition.comparison[0].type == "GreaterThanOrEqualTo" && mlops_pipeline.this["training"].step[4].condition.comparison[0].left == "{{ steps.Evaluate.files.EvaluationReport.binary_classification_metrics.f1.value }}"
    error_message = "goal = maximize must gate with GreaterThanOrEqualTo on the configured metric."
  }
  assert {
    condition     = [for p in mlops_pipeline.this["training"].parameter : p.default if p.name == "MetricThreshold"] == ["0.8"]
    error_message = "The threshold must become the MetricThreshold default."
  }
  assert {
    condition     = [for t in mlops_pipeline.this["training"].trigger : t.name] == ["schedule", "new-data"]
    error_message = "The training pipeline must start on the schedule and on new data."
  }
  assert {
    condition     = mlops_pipeline.this["training"].trigger[0].schedule == "cron(0 3 ? * MON *)"
    error_message = "The schedule trigger must use var.schedule."
  }
  assert {
    condition     = mlops_pipeline.this["training"].trigger[1].s3.bucket == "raw-data" && mlops_pipeline.this["training"].trigger[1].s3.prefix == null
    error_message = "A bucket-only training_data must give an S3 trigger without prefix."
  }
  assert {
    condition     = [for t in mlops_pipeline.this["hpo"].trigger : t.name] == ["retrain-1"]
    error_message = "With hpo, failures elsewhere must start the HPO pipeline (and only it)."
  }
  assert {
    condition     = mlops_pipeline.this["hpo"].trigger[0].pipeline_step.pipeline == "churn-batch" && mlops_pipeline.this["hpo"].trigger[0].pipeline_step.step == "ModelQualityCheck" && mlops_pipeline.this["hpo"].trigger[0].pipeline_step.statuses == toset(["Failed"])
    error_message = "The retrain trigger must watch the given step for failures."
  }
  assert {
    condition     = length(mlops_pipeline.this["hpo"].notification) == 1 && mlops_pipeline.this["training"].notification[0].emails == toset(["ml-team@example.com"]) && mlops_pipeline.this["training"].notification[0].execution_statuses == toset(["Failed"])
    error_message = "Both pipelines must notify notification_emails on notify_on."
  }
}

run "retrain_without_hpo" {
  command = plan

  variables {
    retrain_on_new_data   = false
    retrain_on_failure_of = [{ pipeline = "a" }, { pipeline = "b", step = "Check" }]
  }

  assert {
    condition     = [for t in mlops_pipeline.this["training"].trigger : t.name] == ["retrain-1", "retrain-2"]
    error_message = "Without hpo, failures must start the training pipeline; retrain_on_new_data = false drops the S3 trigger."
  }
  assert {
    condition     = mlops_pipeline.this["training"].trigger[0].pipeline_step.step == null && mlops_pipeline.this["training"].trigger[1].pipeline_step.pipeline == "b"
    error_message = "Each retrain_on_failure_of entry must become a pipeline_step trigger."
  }
}

run "gitlab_token_in_state" {
  command = plan

  variables {
    gitlab_deploy        = { project = "ml-platform/churn-deploy", variables = { ENV = "prod" } }
    gitlab_trigger_token = "glptt-0123456789"
  }

  assert {
    condition     = mlops_model_package_group.this.on_approval.project == "ml-platform/churn-deploy" && mlops_model_package_group.this.on_approval.ref == "main" && mlops_model_package_group.this.on_approval.gitlab_url == "https://gitlab.com"
    error_message = "gitlab_deploy must become on_approval with ref main and gitlab.com by default."
  }
  assert {
    condition     = mlops_model_package_group.this.on_approval.variables == tomap({ ENV = "prod" })
    error_message = "gitlab_deploy.variables must reach on_approval."
  }
  assert {
    condition     = mlops_model_package_group.this.on_approval.trigger_token == "glptt-0123456789"
    error_message = "Without gitlab_trigger_token_version the token must be passed as trigger_token."
  }
  assert {
    condition     = mlops_model_package_group.this.on_approval.trigger_token_wo_version == null
    error_message = "Without gitlab_trigger_token_version there must be no trigger_token_wo_version."
  }
}

run "gitlab_token_write_only" {
  command = plan

  variables {
    gitlab_deploy                = { project = "42", ref = "release", gitlab_url = "https://gitlab.example.com" }
    gitlab_trigger_token         = "glptt-0123456789"
    gitlab_trigger_token_version = 3
  }

  # trigger_token_wo is write-only: always null in the plan. That it was set is proven by the
  # provider's validation, which rejects an on_approval block without either token.
  assert {
    condition     = mlops_model_package_group.this.on_approval.trigger_token == null
    error_message = "With gitlab_trigger_token_version the token must not be passed as trigger_token (it would be stored in the state)."
  }
  assert {
    condition     = mlops_model_package_group.this.on_approval.trigger_token_wo_version == 3
    error_message = "gitlab_trigger_token_version must become trigger_token_wo_version."
  }
  assert {
    condition     = mlops_model_package_group.this.on_approval.ref == "release" && mlops_model_package_group.this.on_approval.gitlab_url == "https://gitlab.example.com"
    error_message = "gitlab_deploy.ref and gitlab_url must reach on_approval."
  }
}

run "gitlab_needs_token" {
  command = plan

  variables {
    gitlab_deploy = { project = "ml-platform/churn-deploy" }
  }

  expect_failures = [mlops_model_package_group.this]
}

run "rejects_invalid_identity" {
  command = plan

  variables {
    name     = "-churn"
    role_arn = "arn:aws:iam::123:role/SageMakerExecution"
    bucket   = "My_Bucket"
  }

  expect_failures = [var.name, var.role_arn, var.bucket]
}

run "rejects_invalid_sources_and_triggers" {
  command = plan

  variables {
    training_data       = "https://example.com/data/"
    instance_type       = "m5.xlarge"
    schedule            = "every monday"
    notification_emails = ["ml-team"]
    notify_on           = ["Started"]
  }

  expect_failures = [var.training_data, var.instance_type, var.schedule, var.notification_emails, var.notify_on]
}

run "rejects_goal_and_objective_type" {
  command = plan

  variables {
    evaluation = { goal = "lower" }
    hpo        = { objective_type = "minimize" }
  }

  expect_failures = [var.evaluation, var.hpo]
}

run "rejects_metric_path_and_parallelism" {
  command = plan

  variables {
    evaluation = { metric = "mse value" }
    hpo        = { max_jobs = 2, max_parallel_jobs = 3 }
    notify_on  = []
  }

  expect_failures = [var.evaluation, var.hpo, var.notify_on]
}

run "rejects_inverted_hpo_range" {
  command = plan

  variables {
    hpo = { integer_ranges = { max_depth = { min = 10, max = 1 } } }
  }

  expect_failures = [var.hpo]
}
