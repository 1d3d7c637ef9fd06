//! The SageMaker Model Registry backend: model package groups ([`group`]) with their
//! resource policy ([`policy`]) and GitLab hook ([`on_approval`]), model packages
//! ([`version`]) and the version lookup ([`lookup`]). Imports no sibling backend.

pub mod group;
pub mod lookup;
pub mod on_approval;
pub mod policy;
pub mod version;

/// The SageMaker Model Registry, as a backend of every registry resource and data source.
pub struct SageMakerRegistry;

/// SageMaker cannot change the description of a group or a version (MLflow can, so the
/// schema does not force it): a change replaces the object.
pub(crate) fn replace_when_description_changes(
    plan: &mut mlops_framework::PlanCtx<'_, crate::clients::Clients>,
) {
    if !plan.prior.is_null()
        && !plan
            .prior
            .attr("description")
            .semantic_eq(plan.planned.attr("description"))
    {
        plan.requires_replace
            .push(mlops_framework::AttrPath::attr("description"));
    }
}
