# A pipeline is imported by its name.
terraform import mlops_pipeline.training TrainingPipeline
