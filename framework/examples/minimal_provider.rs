//! The smallest provider the framework can serve: one resource, `minimal_thing`, with a
//! `name` and a computed `id`, and no API behind it. `scripts/perf.sh` plans 200 of them
//! beside 200 `terraform_data` and 200 `mlops_model_package_group`: the distance from
//! `terraform_data` to this provider is what any gRPC plugin costs Terraform (processes,
//! mTLS, RPCs, msgpack); the distance from this provider to ours is what our resources add.
//!
//! `cargo build --release -p mlops-framework --example minimal_provider`

use mlops_framework::{
    async_trait, resource, Ctx, Diagnostics, DynDataSource, DynResource, Failure, Provider,
    Resource,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, JsonSchema)]
struct Config {
    /// Unused.
    label: Option<String>,
}

struct Minimal;

#[async_trait]
impl Provider for Minimal {
    type Config = Config;
    type Client = ();
    const NAME: &'static str = "minimal";

    async fn configure(&self, _config: Config, _tf: &str) -> Result<(), Diagnostics> {
        Ok(())
    }

    fn resources(&self) -> Vec<Box<dyn DynResource<()>>> {
        vec![resource(Thing)]
    }

    fn data_sources(&self) -> Vec<Box<dyn DynDataSource<()>>> {
        vec![]
    }
}

#[derive(Clone, Serialize, Deserialize, JsonSchema)]
struct ThingState {
    /// Any name.
    name: String,
    /// The name, once created.
    #[schemars(extend("x-tf" = ["computed", "use_state_for_unknown"]))]
    id: Option<String>,
}

struct Thing;

#[async_trait]
impl Resource for Thing {
    type Client = ();
    type State = ThingState;
    const TYPE_NAME: &'static str = "minimal_thing";

    async fn create(
        &self,
        _ctx: &mut Ctx<()>,
        planned: ThingState,
    ) -> Result<ThingState, Failure<ThingState>> {
        Ok(ThingState {
            id: Some(planned.name.clone()),
            ..planned
        })
    }

    async fn read(
        &self,
        _ctx: &mut Ctx<()>,
        current: ThingState,
    ) -> Result<Option<ThingState>, Diagnostics> {
        Ok(Some(current))
    }

    async fn update(
        &self,
        _ctx: &mut Ctx<()>,
        _prior: ThingState,
        planned: ThingState,
    ) -> Result<ThingState, Failure<ThingState>> {
        Ok(ThingState {
            id: Some(planned.name.clone()),
            ..planned
        })
    }

    async fn delete(&self, _ctx: &mut Ctx<()>, _current: ThingState) -> Result<(), Diagnostics> {
        Ok(())
    }

    async fn import(&self, _ctx: &mut Ctx<()>, id: &str) -> Result<ThingState, Diagnostics> {
        Ok(ThingState {
            name: id.to_string(),
            id: Some(id.to_string()),
        })
    }
}

fn main() {
    std::process::exit(mlops_framework::plugin::main(
        || Minimal,
        "registry.terraform.io/mlops/minimal",
    ));
}
