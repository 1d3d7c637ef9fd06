//! The one finder, apply and delete of each Feast registry object family the provider
//! manages (entities, data sources, feature views), over [`Feast::call`]. Every read asks
//! the server with `allow_cache = false`: the registry server may cache, and a refresh must
//! see what is stored. Every write commits.

use mlops_framework::Diagnostic;
use tfplugin_proto::feast::core::{DataSource, Entity, FeatureView};
use tfplugin_proto::feast::registry as rpc;
use tonic::Status;

use super::{is_not_found, Feast};

/// `what` in a project, for messages: `feature view churn/customer_stats`.
pub fn object(kind: &str, project: &str, name: &str) -> String {
    format!("{kind} {project}/{name}")
}

/// What a Get answered: the object, `None` when the server says there is none (NOT_FOUND),
/// else the error naming it.
fn found<T>(
    f: &Feast,
    answer: Result<T, Status>,
    kind: &str,
    project: &str,
    name: &str,
) -> Result<Option<T>, Diagnostic> {
    match answer {
        Ok(v) => Ok(Some(v)),
        Err(s) if is_not_found(&s) => Ok(None),
        Err(s) => Err(f.error("Reading", &object(kind, project, name), &s)),
    }
}

/// The entity `name` of `project`, or `None`.
pub async fn find_entity(
    f: &Feast,
    project: &str,
    name: &str,
) -> Result<Option<Entity>, Diagnostic> {
    let req = rpc::GetEntityRequest {
        name: name.into(),
        project: project.into(),
        allow_cache: false,
    };
    let answer = f
        .call("GetEntity", |mut c| {
            let r = req.clone();
            async move { c.get_entity(r).await }
        })
        .await;
    found(f, answer, "entity", project, name)
}

/// The data source `name` of `project`, or `None`.
pub async fn find_data_source(
    f: &Feast,
    project: &str,
    name: &str,
) -> Result<Option<DataSource>, Diagnostic> {
    let req = rpc::GetDataSourceRequest {
        name: name.into(),
        project: project.into(),
        allow_cache: false,
    };
    let answer = f
        .call("GetDataSource", |mut c| {
            let r = req.clone();
            async move { c.get_data_source(r).await }
        })
        .await;
    found(f, answer, "data source", project, name)
}

/// The (batch) feature view `name` of `project`, or `None`.
pub async fn find_feature_view(
    f: &Feast,
    project: &str,
    name: &str,
) -> Result<Option<FeatureView>, Diagnostic> {
    let req = rpc::GetFeatureViewRequest {
        name: name.into(),
        project: project.into(),
        allow_cache: false,
    };
    let answer = f
        .call("GetFeatureView", |mut c| {
            let r = req.clone();
            async move { c.get_feature_view(r).await }
        })
        .await;
    found(f, answer, "feature view", project, name)
}

/// Every feature view of `project`.
pub async fn list_feature_views(f: &Feast, project: &str) -> Result<Vec<FeatureView>, Diagnostic> {
    let req = rpc::ListFeatureViewsRequest {
        project: project.into(),
        allow_cache: false,
        ..Default::default()
    };
    f.call("ListFeatureViews", |mut c| {
        let r = req.clone();
        async move { c.list_feature_views(r).await }
    })
    .await
    .map(|r| r.feature_views)
    .map_err(|s| {
        f.error(
            "Listing",
            &format!("the feature views of project {project}"),
            &s,
        )
    })
}

/// Store `entity` (created, or replacing the one of its name).
pub async fn apply_entity(f: &Feast, project: &str, entity: Entity) -> Result<(), Diagnostic> {
    let name = entity
        .spec
        .as_ref()
        .map(|s| s.name.clone())
        .unwrap_or_default();
    let req = rpc::ApplyEntityRequest {
        entity: Some(entity),
        project: project.into(),
        commit: true,
    };
    f.call("ApplyEntity", |mut c| {
        let r = req.clone();
        async move { c.apply_entity(r).await }
    })
    .await
    .map(|_| ())
    .map_err(|s| f.error("Applying", &object("entity", project, &name), &s))
}

/// Store `source` (created, or replacing the one of its name).
pub async fn apply_data_source(
    f: &Feast,
    project: &str,
    source: DataSource,
) -> Result<(), Diagnostic> {
    let name = source.name.clone();
    let req = rpc::ApplyDataSourceRequest {
        data_source: Some(source),
        project: project.into(),
        commit: true,
    };
    f.call("ApplyDataSource", |mut c| {
        let r = req.clone();
        async move { c.apply_data_source(r).await }
    })
    .await
    .map(|_| ())
    .map_err(|s| f.error("Applying", &object("data source", project, &name), &s))
}

/// Store `view` (created, or replacing the one of its name; Feast keeps its
/// materialisation intervals).
pub async fn apply_feature_view(
    f: &Feast,
    project: &str,
    view: FeatureView,
) -> Result<(), Diagnostic> {
    let name = view
        .spec
        .as_ref()
        .map(|s| s.name.clone())
        .unwrap_or_default();
    let req = rpc::ApplyFeatureViewRequest {
        base_feature_view: Some(
            rpc::apply_feature_view_request::BaseFeatureView::FeatureView(view),
        ),
        project: project.into(),
        commit: true,
    };
    f.call("ApplyFeatureView", |mut c| {
        let r = req.clone();
        async move { c.apply_feature_view(r).await }
    })
    .await
    .map(|_| ())
    .map_err(|s| f.error("Applying", &object("feature view", project, &name), &s))
}

/// The kinds of object [`delete`] removes.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    Entity,
    DataSource,
    FeatureView,
}

impl Kind {
    fn words(self) -> &'static str {
        match self {
            Kind::Entity => "entity",
            Kind::DataSource => "data source",
            Kind::FeatureView => "feature view",
        }
    }
}

/// Delete an object; one already gone is no error.
pub async fn delete(f: &Feast, kind: Kind, project: &str, name: &str) -> Result<(), Diagnostic> {
    let (p, n) = (project.to_string(), name.to_string());
    let result = match kind {
        Kind::Entity => {
            f.call("DeleteEntity", |mut c| {
                let r = rpc::DeleteEntityRequest {
                    name: n.clone(),
                    project: p.clone(),
                    commit: true,
                };
                async move { c.delete_entity(r).await }
            })
            .await
        }
        Kind::DataSource => {
            f.call("DeleteDataSource", |mut c| {
                let r = rpc::DeleteDataSourceRequest {
                    name: n.clone(),
                    project: p.clone(),
                    commit: true,
                };
                async move { c.delete_data_source(r).await }
            })
            .await
        }
        Kind::FeatureView => {
            f.call("DeleteFeatureView", |mut c| {
                let r = rpc::DeleteFeatureViewRequest {
                    name: n.clone(),
                    project: p.clone(),
                    commit: true,
                };
                async move { c.delete_feature_view(r).await }
            })
            .await
        }
    };
    match result {
        Ok(()) => {
            tracing::info!(project, name, kind = kind.words(), "Feast object deleted");
            Ok(())
        }
        Err(s) if is_not_found(&s) => Ok(()),
        Err(s) => Err(f.error("Deleting", &object(kind.words(), project, name), &s)),
    }
}
