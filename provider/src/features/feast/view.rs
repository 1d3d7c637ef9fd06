//! The Feast backend of `mlops_feature_view`: the entity (shared by the views of one join
//! key), the file and push sources and the feature view, applied through the registry
//! server. Refresh is one call (`GetFeatureView`): the view carries copies of its sources
//! and its entity columns. Data loss (a feature removed or retyped, the entity key changed)
//! is refused at plan unless `allow_replacement`; Feast then re-applies the view in place.

use mlops_framework::{
    async_trait, AttrPath, Backend, Ctx, Diagnostic, Diagnostics, Failure, PlanCtx, Value,
};

use super::{
    client, is_ours, names, objects, project_of, same_type, state_of, FeastFeatureStore, Objects,
    IMPORT_PREFIX,
};
use crate::aws::plan_tags_all;
use crate::clients::Clients;
use crate::feast::registry::{
    apply_data_source, apply_entity, apply_feature_view, delete, find_data_source, find_entity,
    find_feature_view, list_feature_views, object, Kind,
};
use crate::feast::Feast;
use crate::features::view::{
    feature_losses, feature_path, feature_types, FeastView, FeatureViewState, Loss,
};
use crate::ownership::{log_adopting, Taken, MARKER_TAG};
use crate::validation::{refuse_marker_tag, refuse_settings};

/// What only SageMaker Feature Store has, and why it means nothing in Feast.
const SAGEMAKER_ONLY: [(&str, &str); 3] = [
    (
        "offline_store",
        "a Feast view's offline data is its source: set feast.source.path.",
    ),
    (
        "role_arn",
        "Feast reads its sources with the credentials of the clients that use it.",
    ),
    ("arn", "a Feast view has no ARN."),
];

fn refuse_sagemaker_only(config: &Value, diags: &mut Diagnostics) {
    refuse_settings(
        config,
        &SAGEMAKER_ONLY,
        "Not a Feast setting",
        "is a SageMaker Feature Store setting",
        diags,
    );
    if !config.attr("online_store").attr("storage_type").is_null() {
        diags.error_at(
            AttrPath::attrs(["online_store", "storage_type"]),
            "Not a Feast setting",
            "storage_type is a SageMaker Feature Store setting; a Feast view's online store is the one of the Feast deployment (feature_store.yaml).",
        );
    }
}

/// The entity the view needs: created when missing (with the marker), used as it is when
/// its join key and type match, refused (naming it) when they do not.
async fn ensure_entity(f: &Feast, o: &Objects) -> Result<(), Diagnostic> {
    let want = o.entity.spec.clone().unwrap_or_default();
    match find_entity(f, &o.project, &want.name).await? {
        None => {
            apply_entity(f, &o.project, o.entity.clone()).await?;
            tracing::info!(project = %o.project, entity = %want.name, "Feast entity created");
            Ok(())
        }
        Some(have) => {
            let have = have.spec.unwrap_or_default();
            if have.join_key == want.join_key && have.value_type == want.value_type {
                return Ok(());
            }
            Err(Diagnostic::error(
                "Entity of another key",
                format!(
                    "Entity {} of project {} on {} has join key {:?} of type {}, but this view's entity key is {:?} of type {}. Name another entity with feast.entity, or change entity_key to match.",
                    want.name,
                    o.project,
                    f.address,
                    have.join_key,
                    type_words(have.value_type),
                    want.join_key,
                    type_words(want.value_type),
                ),
            )
            .at(AttrPath::attrs(["feast", "entity"])))
        }
    }
}

fn type_words(v: i32) -> &'static str {
    tfplugin_proto::feast::types::value_type::Enum::try_from(v)
        .map(|e| e.as_str_name())
        .unwrap_or("INVALID")
}

/// Before a create writes anything: a view or source of our names that someone else made
/// is refused, naming it; one of ours (an interrupted apply's) is adopted by the applies.
async fn look_before_create(f: &Feast, o: &Objects, name: &str) -> Result<(), Diagnostic> {
    check_view(f, o, name).await?;
    check_sources(f, o).await
}

async fn check_view(f: &Feast, o: &Objects, name: &str) -> Result<(), Diagnostic> {
    let id = format!("{IMPORT_PREFIX}{}/{name}", o.project);
    if let Some(v) = find_feature_view(f, &o.project, name).await? {
        if !is_ours(&v.spec.unwrap_or_default().tags) {
            let what = object("", &o.project, name);
            return Err(Taken {
                kind: "Feast feature view",
                name: what.trim(),
                resource_type: "mlops_feature_view",
                import_id: &id,
                marker: MARKER_TAG,
                at: AttrPath::attr("name"),
            }
            .diagnostic());
        }
        log_adopting("Feast feature view", name);
    }
    Ok(())
}

/// Sources of our names that someone else made are refused (applying would overwrite them).
async fn check_sources(f: &Feast, o: &Objects) -> Result<(), Diagnostic> {
    for s in &o.sources {
        if let Some(have) = find_data_source(f, &o.project, &s.name).await? {
            if !is_ours(&have.tags) {
                let at = if s.batch_source.is_some() {
                    AttrPath::attrs(["feast", "source", "push_source_name"])
                } else {
                    AttrPath::attrs(["feast", "source", "name"])
                };
                return Err(Diagnostic::error(
                    format!("Feast data source {}/{} already exists", o.project, s.name),
                    format!("Data source {} of project {} on {} was not made by this provider (it does not carry the {MARKER_TAG} tag), and applying this view would overwrite it. Name another source, or remove that one.", s.name, o.project, f.address),
                )
                .at(at));
            }
        }
    }
    Ok(())
}

/// Apply the sources, then the view.
async fn apply_all(f: &Feast, o: &Objects) -> Result<(), Diagnostic> {
    for s in &o.sources {
        apply_data_source(f, &o.project, s.clone()).await?;
    }
    apply_feature_view(f, &o.project, o.view.clone()).await
}

async fn read(
    f: &Feast,
    c: &Clients,
    project: &str,
    prior: &FeatureViewState,
) -> Result<Option<FeatureViewState>, Diagnostics> {
    Ok(find_feature_view(f, project, &prior.name)
        .await?
        .map(|v| state_of(&v, project, &c.default_tags, prior)))
}

fn project_in(f: &Feast, s: &FeatureViewState) -> Result<String, Diagnostic> {
    project_of(f, s.feast.as_ref().and_then(|v| v.project.as_deref()))
}

/// Delete the entity and sources of `gone` that carry our marker and that no remaining view
/// of the project uses (views of one entity share it).
async fn delete_unused(
    f: &Feast,
    project: &str,
    gone: &FeatureViewState,
) -> Result<(), Diagnostic> {
    let (entity, source) = names(gone);
    let push = gone
        .feast
        .as_ref()
        .and_then(|v| v.source.push_source_name.clone());
    let others: Vec<_> = list_feature_views(f, project)
        .await?
        .into_iter()
        .filter_map(|v| v.spec)
        .filter(|s| s.name != gone.name)
        .collect();
    let uses_source = |n: &str| {
        others.iter().any(|s| {
            s.batch_source.as_ref().is_some_and(|b| b.name == n)
                || s.stream_source.as_ref().is_some_and(|b| b.name == n)
        })
    };
    for n in std::iter::once(source).chain(push) {
        if uses_source(&n) {
            continue;
        }
        if let Some(d) = find_data_source(f, project, &n).await? {
            if is_ours(&d.tags) {
                delete(f, Kind::DataSource, project, &n).await?;
            }
        }
    }
    if !others.iter().any(|s| s.entities.contains(&entity)) {
        if let Some(e) = find_entity(f, project, &entity).await? {
            if is_ours(&e.spec.unwrap_or_default().tags) {
                delete(f, Kind::Entity, project, &entity).await?;
            }
        }
    }
    Ok(())
}

/// Set a computed attribute of a nested block of the plan when it is not configured.
fn fill(planned: &mut Value, config: &Value, path: &[&str], v: Option<String>) {
    let Some(v) = v else { return };
    let mut cfg = config;
    for p in path {
        cfg = cfg.attr(p);
    }
    if !cfg.is_null() {
        return;
    }
    let mut cur = planned;
    for p in &path[..path.len() - 1] {
        match cur.as_object_mut().and_then(|o| o.get_mut(*p)) {
            Some(next) => cur = next,
            None => return,
        }
    }
    if let Some(o) = cur.as_object_mut() {
        o.insert(path[path.len() - 1].to_string(), Value::string(v));
    }
}

#[async_trait]
impl Backend<Clients, FeatureViewState> for FeastFeatureStore {
    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        refuse_sagemaker_only(config, diags);
        refuse_marker_tag(config, "tags", diags);
        let types = feature_types(config, diags);
        let Value::List(features) = config.attr("feature") else {
            return;
        };
        let all_known = features.iter().all(|f| f.attr("name").as_str().is_some());
        if let Some(k) = config.attr("entity_key").as_str() {
            match types.get(k) {
                None if all_known => diags.error_at(
                    AttrPath::attr("entity_key"),
                    "Unknown entity key",
                    format!("{k:?} must be one of the features (the entity's join key column)."),
                ),
                Some(t) if matches!(t.as_str(), "Fractional" | "Float32" | "Float64" | "Bool" | "UnixTimestamp") => diags.error_at(
                    AttrPath::attr("entity_key"),
                    "Entity key of the wrong type",
                    format!("Feature {k:?} is the entity's join key, so it must be an integer, String or Bytes, not {t}."),
                ),
                _ => {}
            }
        }
        if let Some(k) = config.attr("event_time").as_str() {
            if let Some(i) = features
                .iter()
                .position(|f| f.attr("name").as_str() == Some(k))
            {
                diags.error_at(
                    feature_path(i, None),
                    "Event time is not a Feast feature",
                    format!("In Feast the event time {k:?} is the source's timestamp column, not a feature of the view: remove this feature block (event_time stays)."),
                );
            }
        }
        if features.len() < 2 && all_known {
            diags.error_at(
                AttrPath::attr("feature"),
                "No feature",
                "A Feast view needs the entity key and at least one feature.",
            );
        }
        let src = config.attr("feast").attr("source");
        if let (Some(a), Some(b)) = (
            src.attr("name").as_str(),
            src.attr("push_source_name").as_str(),
        ) {
            if a == b {
                diags.error_at(
                    AttrPath::attrs(["feast", "source", "push_source_name"]),
                    "Source names collide",
                    "The push source needs a name of its own, not the file source's.",
                );
            }
        }
    }

    fn modify_plan(&self, mut plan: PlanCtx<'_, Clients>) {
        plan_tags_all(&mut plan);
        if plan.config.is_null() {
            return;
        }
        // No registry to reach, or no project to put the view in: say so now, not at apply.
        let mut project = None;
        if let Some(c) = plan.client {
            let f = match c.feast.get(AttrPath::attr("feast")) {
                Err(d) => {
                    plan.diags.push(d);
                    return;
                }
                Ok(f) => f,
            };
            if plan.config.attr("feast").attr("project").is_null() {
                match project_of(f, None) {
                    Ok(p) => project = Some(p),
                    Err(d) => {
                        plan.diags.push(d);
                        return;
                    }
                }
            }
        }
        // the computed names, as the apply will make them
        let name = plan.config.attr("name").as_str().map(String::from);
        let key = plan.config.attr("entity_key").as_str().map(String::from);
        let (config, planned) = (plan.config, &mut *plan.planned);
        fill(planned, config, &["feast", "project"], project);
        fill(planned, config, &["feast", "entity"], key);
        fill(
            planned,
            config,
            &["feast", "source", "name"],
            name.map(|n| format!("{n}_source")),
        );
        if let Some(o) = planned.as_object_mut() {
            for a in ["arn", "offline_store_resolved_s3_uri"] {
                o.insert(a.into(), Value::null());
            }
        }
        if plan.prior.is_null() {
            return;
        }
        let view = plan
            .prior
            .attr("name")
            .as_str()
            .unwrap_or_default()
            .to_string();
        let mut losses: Vec<(AttrPath, String)> = feature_losses(plan.prior, plan.planned, same_type)
            .into_iter()
            .map(|l| match l {
                Loss::Removed(n) => (AttrPath::attr("feature"), format!("Feature {n:?} is removed: its values in the online store and every training set built from the view lose it.")),
                Loss::Retyped { name, index, from, to } => (feature_path(index, Some("type")), format!("Feature {name:?} changes type from {from} to {to}: the values already in the online store hold the old type and can no longer be read as the new one.")),
            })
            .collect();
        let (a, b) = (
            plan.prior.attr("entity_key"),
            plan.planned.attr("entity_key"),
        );
        if b.as_str().is_some() && a.as_str() != b.as_str() {
            losses.push((AttrPath::attr("entity_key"), "The entity key changes: every value in the online store is stored under the old key.".to_string()));
        }
        if losses.is_empty() || plan.config.attr("allow_replacement").as_bool() == Some(true) {
            return;
        }
        for (p, why) in losses {
            plan.diags.push(
                Diagnostic::error(
                    "Change would lose the feature view's data",
                    format!("{why} Feature view {view:?}: keep it as it is, add a new feature instead, or set allow_replacement = true to apply it anyway (Feast re-applies the view in place)."),
                )
                .at(p),
            );
        }
    }

    async fn create(
        &self,
        ctx: &mut Ctx<Clients>,
        planned: FeatureViewState,
    ) -> Result<FeatureViewState, Failure<FeatureViewState>> {
        let c = ctx.client.clone();
        let f = client(&c, "feast").map_err(Failure::new)?;
        let project = project_in(&f, &planned).map_err(Failure::new)?;
        let o = objects(&planned, &project);
        look_before_create(&f, &o, &planned.name)
            .await
            .map_err(Failure::new)?;
        ensure_entity(&f, &o).await.map_err(Failure::new)?;
        // From here on the view may exist: state keeps it on failure.
        let fail = |d: Diagnostics| Failure::with_partial(planned.clone(), d);
        apply_all(&f, &o).await.map_err(|d| fail(d.into()))?;
        tracing::info!(project = %project, view = %planned.name, server = %f.address, "Feast feature view applied");
        Failure::read_back(
            read(&f, &c, &project, &planned).await,
            || {
                Diagnostic::error(
                    "Feature view vanished",
                    format!(
                        "Feature view {project}/{} was applied but cannot be read back.",
                        planned.name
                    ),
                )
            },
            fail,
        )
    }

    async fn read(
        &self,
        ctx: &mut Ctx<Clients>,
        current: FeatureViewState,
    ) -> Result<Option<FeatureViewState>, Diagnostics> {
        let c = ctx.client.clone();
        let f = client(&c, "feast")?;
        let project = project_in(&f, &current)?;
        read(&f, &c, &project, &current).await
    }

    async fn update(
        &self,
        ctx: &mut Ctx<Clients>,
        prior: FeatureViewState,
        planned: FeatureViewState,
    ) -> Result<FeatureViewState, Failure<FeatureViewState>> {
        let c = ctx.client.clone();
        let f = client(&c, "feast").map_err(Failure::new)?;
        let project = project_in(&f, &planned).map_err(Failure::new)?;
        let fail = |d: Diagnostics| Failure::with_partial(prior.clone(), d);
        let o = objects(&planned, &project);
        let (old_entity, old_source) = names(&prior);
        let (new_entity, new_source) = names(&planned);
        if old_entity != new_entity || prior.entity_key != planned.entity_key {
            ensure_entity(&f, &o).await.map_err(|d| fail(d.into()))?;
        }
        if old_source != new_source {
            check_sources(&f, &o).await.map_err(|d| fail(d.into()))?;
        }
        apply_all(&f, &o).await.map_err(|d| fail(d.into()))?;
        if old_entity != new_entity || old_source != new_source {
            delete_unused(&f, &project, &prior)
                .await
                .map_err(|d| fail(d.into()))?;
        }
        Failure::read_back(
            read(&f, &c, &project, &planned).await,
            || {
                Diagnostic::error(
                    "Feature view vanished",
                    format!(
                        "Feature view {project}/{} was deleted during the update.",
                        planned.name
                    ),
                )
            },
            fail,
        )
    }

    async fn delete(
        &self,
        ctx: &mut Ctx<Clients>,
        current: FeatureViewState,
    ) -> Result<(), Diagnostics> {
        let c = ctx.client.clone();
        let f = client(&c, "feast")?;
        let project = project_in(&f, &current)?;
        delete(&f, Kind::FeatureView, &project, &current.name).await?;
        delete_unused(&f, &project, &current).await?;
        Ok(())
    }

    async fn import(
        &self,
        ctx: &mut Ctx<Clients>,
        id: &str,
    ) -> Result<FeatureViewState, Diagnostics> {
        let c = ctx.client.clone();
        let f = client(&c, "feast")?;
        let rest = id.strip_prefix(IMPORT_PREFIX).unwrap_or(id);
        let (project, name) = match rest.split_once('/') {
            Some((p, n)) => (p.to_string(), n.to_string()),
            None => (project_of(&f, None)?, rest.to_string()),
        };
        let mut stub = FeatureViewState::named(&name);
        stub.feast = Some(FeastView::in_project(&project));
        read(&f, &c, &project, &stub).await?.ok_or_else(|| {
            Diagnostic::error(
                "Cannot import a feature view that does not exist",
                format!("There is no feature view {name:?} in project {project} on {}. The import ID is feast:<project>/<view> (or feast:<view> in the provider's project).", f.address),
            )
            .into()
        })
    }
}
