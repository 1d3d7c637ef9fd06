"""Local AWS emulator for the terraform-provider-mlops acceptance tests.

moto's server app, with the operations the provider calls fixed or added:
SageMaker model registry (``sagemaker_ext``), pipelines
(``sagemaker_pipeline_ext``), real-time hosting and the runtime
(``sagemaker_endpoint_ext``), Model Monitor job definitions and schedules
(``sagemaker_monitor_ext``), Feature Store feature groups
(``sagemaker_feature_store_ext``), Application Auto Scaling and CloudWatch
(``autoscaling_ext``, ``rpcv2`` for CBOR clients), EventBridge, SNS and IAM;
plus fault injection, a request log and the control API (``middleware``).
Start it with ``python -m mlops_emulator``.
"""

__version__ = "0.1.0"
