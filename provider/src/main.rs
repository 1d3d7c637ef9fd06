//! The `terraform-provider-mlops` plugin binary.

fn main() {
    std::process::exit(mlops_framework::plugin::main(
        terraform_provider_mlops::MlopsProvider::default,
        terraform_provider_mlops::REGISTRY_ADDRESS,
    ));
}
