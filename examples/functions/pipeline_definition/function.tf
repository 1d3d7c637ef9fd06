# The definition a pipeline's steps compile to, without creating the pipeline: review it
# in a merge request, or hand it to another tool.
locals {
  training = {
    name     = "churn-training"
    role_arn = "arn:aws:iam::123456789012:role/sagemaker-pipelines"
    # Outputs without a destination go under s3://<default_bucket>/<pipeline>/...
    default_bucket = "my-ml-bucket"
    parameter = [
      { name = "InputDataUrl", default = "s3://my-ml-bucket/churn/input.csv" },
    ]
    step = [{
      name = "Preprocess"
      processing = {
        image_uri     = "683313688378.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
        instance_type = "ml.m5.xlarge"
        code          = "s3://my-ml-bucket/churn/code/preprocess.py"
        input         = [{ source = "{{ parameters.InputDataUrl }}", destination = "/opt/ml/processing/input" }]
        output        = [{ name = "train", source = "/opt/ml/processing/train" }]
      }
    }]
  }
}

output "definition" {
  value = jsondecode(provider::mlops::pipeline_definition(local.training))
}
