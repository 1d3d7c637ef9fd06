"""Local AWS emulator for the terraform-provider-mlops acceptance tests.

moto's server app, extended with the SageMaker model-registry operations the
provider calls (see ``sagemaker_ext``), fault injection and a request log
(see ``middleware``).  Start it with ``python -m mlops_emulator``.
"""

__version__ = "0.1.0"
