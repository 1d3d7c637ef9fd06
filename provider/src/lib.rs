//! terraform-provider-mlops: the MLOps lifecycle on SageMaker as Terraform resources.

pub mod aws;
pub mod clients;
pub mod config;
pub mod docs;
pub mod feast;
pub mod features;
pub mod functions;
pub mod kubernetes;
pub mod mlflow;
pub mod monitoring;
pub mod ownership;
pub mod pipelines;
pub mod registry;
pub mod sagemaker;
pub mod serving;
pub mod validation;

use mlops_framework::list::{lister, DynLister};
use mlops_framework::{
    async_trait, data_source, resource, Backed, Diagnostics, DynDataSource, DynResource, Provider,
    Value,
};

pub use clients::Clients;
pub use config::ProviderConfig;

/// Where Terraform finds this provider (`source = "mlops/mlops"`).
pub const REGISTRY_ADDRESS: &str = "registry.terraform.io/mlops/mlops";

/// The provider.
#[derive(Default)]
pub struct MlopsProvider;

#[async_trait]
impl Provider for MlopsProvider {
    type Config = ProviderConfig;
    type Client = Clients;
    const NAME: &'static str = "mlops";
    const PATTERN_HELP: &'static [(&'static str, &'static str)] = validation::PATTERN_HELP;

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        config::validate(config, diags);
    }

    async fn configure(
        &self,
        config: ProviderConfig,
        terraform_version: &str,
    ) -> Result<Clients, Diagnostics> {
        clients::configure(config, terraform_version).await
    }

    fn resources(&self) -> Vec<Box<dyn DynResource<Clients>>> {
        vec![
            resource(Backed(registry::group::ModelPackageGroup)),
            resource(Backed(registry::version::ModelPackage)),
            resource(pipelines::Pipeline),
            resource(serving::Endpoint),
            resource(Backed(features::view::FeatureView)),
            resource(Backed(monitoring::Monitor)),
        ]
    }

    fn data_sources(&self) -> Vec<Box<dyn DynDataSource<Clients>>> {
        vec![
            data_source(Backed(registry::lookup::ModelPackageLookup)),
            data_source(serving::data_source::EndpointLookup),
            data_source(Backed(features::lookup::FeatureViewLookup)),
        ]
    }

    fn functions(&self) -> Vec<Box<dyn mlops_framework::function::Function>> {
        vec![
            Box::new(registry::function::ModelPackageArnParse),
            Box::new(pipelines::function::PipelineDefinition),
            Box::new(functions::s3_uri::S3UriParse),
        ]
    }

    fn list_resources(&self) -> Vec<Box<dyn DynLister<Clients>>> {
        vec![
            lister(registry::list::GroupLister),
            lister(registry::list::VersionLister),
            lister(pipelines::list::PipelineLister),
            lister(serving::list::EndpointLister),
            lister(features::list::FeatureViewLister),
            lister(monitoring::list::MonitorLister),
        ]
    }
}
