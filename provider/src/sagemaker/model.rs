//! SageMaker models (what an endpoint variant runs): the finder.

use aws_sdk_sagemaker::operation::describe_model::DescribeModelOutput;
use mlops_framework::Diagnostics;

use crate::aws::found;
use crate::clients::Clients;

/// The model named `name`, `None` when there is none.
pub async fn find_model(
    c: &Clients,
    name: &str,
) -> Result<Option<DescribeModelOutput>, Diagnostics> {
    found(
        "DescribeModel",
        name,
        c.sagemaker.describe_model().model_name(name).send().await,
    )
}
