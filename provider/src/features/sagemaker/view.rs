//! The SageMaker Feature Store backend of `mlops_feature_view`: a feature group, its
//! feature metadata (descriptions) and tags; schema evolution in place, data loss refused
//! at plan.

use std::collections::BTreeMap;

use aws_sdk_sagemaker::types::{
    FeatureDefinition, FeatureGroupStatus, FeatureType, OfflineStoreConfig, OnlineStoreConfig,
    OnlineStoreConfigUpdate, S3StorageConfig, StorageType, TableFormat, TtlDuration,
    TtlDurationUnit,
};
use mlops_framework::{
    async_trait, AttrPath, Backend, Ctx, Diagnostic, Diagnostics, Failure, PlanCtx, Value,
};

use super::existing::{create_or_adopt, differences, Made, FIXED, FIXED_ONLINE};
use super::SageMakerFeatureStore;
use crate::aws::{
    api_error, error_code, is_not_found, list_tags, merge_tags, plan_tags_all, sdk_tags,
    update_tags, user_tags,
};
use crate::clients::Clients;
use crate::features::view::{
    feature_losses, feature_path, feature_types, Feature, FeatureViewState, Loss, OfflineStore,
    OnlineStore, GROUP_NAME, SAGEMAKER_TYPES,
};
use crate::ownership::marked_tags;
use crate::sagemaker::feature_group::{find_feature_group, wait_for_feature_group, Awaited};
use crate::validation::validate_tags;
use aws_sdk_sagemaker::operation::describe_feature_group::DescribeFeatureGroupOutput;

/// The feature definitions SageMaker takes for `features`.
fn definitions<'a>(features: impl Iterator<Item = &'a Feature>) -> Vec<FeatureDefinition> {
    features
        .map(|f| {
            FeatureDefinition::builder()
                .feature_name(&f.name)
                .feature_type(FeatureType::from(f.r#type.as_str()))
                .build()
        })
        .collect()
}

fn online_config(o: &OnlineStore) -> OnlineStoreConfig {
    OnlineStoreConfig::builder()
        .enable_online_store(o.enabled != Some(false))
        .set_ttl_duration(o.ttl_value.map(|v| {
            TtlDuration::builder()
                .unit(TtlDurationUnit::from(
                    o.ttl_unit.as_deref().unwrap_or("Days"),
                ))
                .value(v as i32)
                .build()
        }))
        .storage_type(StorageType::from(
            o.storage_type.as_deref().unwrap_or("Standard"),
        ))
        .build()
}

async fn read_view(
    c: &Clients,
    prior: &FeatureViewState,
) -> Result<Option<FeatureViewState>, Diagnostics> {
    let sm = &c.sagemaker;
    let Some(d) = find_feature_group(c, &prior.name).await? else {
        return Ok(None);
    };
    if matches!(d.feature_group_status(), Some(FeatureGroupStatus::Deleting)) {
        return Ok(None);
    }
    let arn = d.feature_group_arn().unwrap_or_default().to_string();
    let importing = prior.feature.is_empty();
    let prior_desc: BTreeMap<&str, &Option<String>> = prior
        .feature
        .iter()
        .map(|f| (f.name.as_str(), &f.description))
        .collect();
    let mut remote: Vec<Feature> = vec![];
    for f in d.feature_definitions() {
        let name = f.feature_name().unwrap_or_default().to_string();
        // Descriptions are one call per feature: only for those we manage (or on import).
        let description = if importing || prior_desc.get(name.as_str()).is_some_and(|d| d.is_some())
        {
            match sm
                .describe_feature_metadata()
                .feature_group_name(&prior.name)
                .feature_name(&name)
                .send()
                .await
            {
                Ok(m) => m.description().filter(|s| !s.is_empty()).map(String::from),
                Err(e) => return Err(api_error("DescribeFeatureMetadata", &name, &e).into()),
            }
        } else {
            None
        };
        remote.push(Feature {
            r#type: f
                .feature_type()
                .map(|t| t.as_str().to_string())
                .unwrap_or_default(),
            name,
            description,
        });
    }
    // Keep the configuration's order (SageMaker lists added features last).
    let mut ordered: Vec<Feature> = vec![];
    for p in &prior.feature {
        if let Some(i) = remote.iter().position(|r| r.name == p.name) {
            ordered.push(remote.remove(i));
        }
    }
    ordered.extend(remote);
    let online = d.online_store_config().map(|o| OnlineStore {
        enabled: o.enable_online_store(),
        ttl_value: o.ttl_duration().and_then(|t| t.value()).map(i64::from),
        ttl_unit: o
            .ttl_duration()
            .and_then(|t| t.unit())
            .map(|u| u.as_str().to_string())
            .or_else(|| prior.online_store.as_ref().and_then(|p| p.ttl_unit.clone())),
        storage_type: o
            .storage_type()
            .map(|s| s.as_str().to_string())
            .or(Some("Standard".into())),
    });
    let offline = d.offline_store_config().map(|o| OfflineStore {
        s3_uri: o
            .s3_storage_config()
            .and_then(|s| s.s3_uri().map(String::from))
            .unwrap_or_default(),
        table_format: o
            .table_format()
            .map(|t| t.as_str().to_string())
            .or(Some("Glue".into())),
        disable_glue_table_creation: o.disable_glue_table_creation().or(Some(false)),
    });
    let remote_tags = list_tags(sm, &arn).await?;
    Ok(Some(FeatureViewState {
        name: d.feature_group_name().unwrap_or(&prior.name).to_string(),
        description: d.description().filter(|s| !s.is_empty()).map(String::from),
        entity_key: d
            .record_identifier_feature_name()
            .unwrap_or_default()
            .to_string(),
        event_time: d.event_time_feature_name().unwrap_or_default().to_string(),
        feature: ordered,
        online_store: online.filter(|o| o.enabled == Some(true) || prior.online_store.is_some()),
        offline_store: offline,
        role_arn: d.role_arn().map(String::from),
        allow_replacement: prior.allow_replacement.or(Some(false)),
        tags: user_tags(&remote_tags, &c.default_tags, prior.tags.as_ref()),
        tags_all: Some(remote_tags),
        arn: Some(arn),
        offline_store_resolved_s3_uri: d
            .offline_store_config()
            .and_then(|o| o.s3_storage_config())
            .and_then(|s| s.resolved_output_s3_uri())
            .map(String::from),
        feast: None,
    }))
}

async fn set_descriptions(
    c: &Clients,
    name: &str,
    features: &[&Feature],
) -> Result<(), Diagnostics> {
    for f in features {
        c.sagemaker
            .update_feature_metadata()
            .feature_group_name(name)
            .feature_name(&f.name)
            .description(f.description.clone().unwrap_or_default())
            .send()
            .await
            .map_err(|e| api_error("UpdateFeatureMetadata", &f.name, &e))?;
    }
    Ok(())
}

/// The state of a group known by its name only (an import, before `read` fills it).
pub(super) fn stub(name: &str) -> FeatureViewState {
    FeatureViewState::named(name)
}

fn vanished(name: &str) -> Diagnostic {
    Diagnostic::error(
        "Feature group vanished",
        format!("Feature group {name} was created but cannot be read back."),
    )
}

/// Bring the group from `prior` (as recorded, or as a create found it) to `planned` in
/// place: features added, the online TTL, feature descriptions, and `tags`. The state to
/// read back; on failure, what is known to exist.
pub(super) async fn converge(
    ctx: &Ctx<Clients>,
    prior: &FeatureViewState,
    planned: &FeatureViewState,
    tags: &BTreeMap<String, String>,
) -> Result<FeatureViewState, Failure<FeatureViewState>> {
    let c = ctx.client.clone();
    let name = planned.name.clone();
    let added: Vec<&Feature> = planned
        .feature
        .iter()
        .filter(|f| !prior.feature.iter().any(|p| p.name == f.name))
        .collect();
    let ttl_changed = planned
        .online_store
        .as_ref()
        .map(|o| (o.ttl_value, o.ttl_unit.clone()))
        != prior
            .online_store
            .as_ref()
            .map(|o| (o.ttl_value, o.ttl_unit.clone()));
    // One kind of change per UpdateFeatureGroup (the API takes one of FeatureAdditions,
    // OnlineStoreConfig, ThroughputConfig at a time), waiting for each.
    if !added.is_empty() {
        c.sagemaker
            .update_feature_group()
            .feature_group_name(&name)
            .set_feature_additions(Some(definitions(added.iter().copied())))
            .send()
            .await
            .map_err(|e| {
                Failure::with_partial(prior.clone(), api_error("UpdateFeatureGroup", &name, &e))
            })?;
        tracing::info!(name = %name, added = added.len(), "feature group: adding features");
        wait_for_feature_group(ctx, &name, Awaited::Update)
            .await
            .map_err(|d| Failure::with_partial(prior.clone(), d))?;
    }
    if ttl_changed {
        if let Some(o) = &planned.online_store {
            // No ttl_value removes the TTL: Unit and Value both null.
            let ttl = match o.ttl_value {
                Some(v) => TtlDuration::builder()
                    .unit(TtlDurationUnit::from(
                        o.ttl_unit.as_deref().unwrap_or("Days"),
                    ))
                    .value(v as i32)
                    .build(),
                None => TtlDuration::builder().build(),
            };
            let with_features = FeatureViewState {
                online_store: prior.online_store.clone(),
                ..planned.clone()
            };
            c.sagemaker
                .update_feature_group()
                .feature_group_name(&name)
                .online_store_config(OnlineStoreConfigUpdate::builder().ttl_duration(ttl).build())
                .send()
                .await
                .map_err(|e| {
                    Failure::with_partial(
                        with_features.clone(),
                        api_error("UpdateFeatureGroup", &name, &e),
                    )
                })?;
            tracing::info!(name = %name, "feature group: changing the online TTL");
            wait_for_feature_group(ctx, &name, Awaited::Update)
                .await
                .map_err(|d| Failure::with_partial(with_features, d))?;
        }
    }
    let changed_desc: Vec<&Feature> = planned
        .feature
        .iter()
        .filter(|f| {
            let before = prior
                .feature
                .iter()
                .find(|p| p.name == f.name)
                .and_then(|p| p.description.clone());
            before != f.description
        })
        .collect();
    let next = FeatureViewState {
        arn: prior.arn.clone(),
        offline_store_resolved_s3_uri: prior.offline_store_resolved_s3_uri.clone(),
        ..planned.clone()
    };
    set_descriptions(&c, &name, &changed_desc)
        .await
        .map_err(|d| Failure::with_partial(next.clone(), d))?;
    if prior.tags_all.as_ref() != Some(tags) {
        update_tags(
            &c.sagemaker,
            prior.arn.as_deref().unwrap_or_default(),
            prior.tags_all.as_ref().unwrap_or(&BTreeMap::new()),
            tags,
        )
        .await
        .map_err(|d| Failure::with_partial(next.clone(), d))?;
    }
    Ok(next)
}

#[async_trait]
impl Backend<Clients, FeatureViewState> for SageMakerFeatureStore {
    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate_tags(config, "tags", diags);
        let types = feature_types(config, diags);
        let Value::List(features) = config.attr("feature") else {
            return;
        };
        for (i, f) in features.iter().enumerate() {
            if let Some(t) = f.attr("type").as_str() {
                if !SAGEMAKER_TYPES.contains(&t) {
                    diags.error_at(
                        feature_path(i, Some("type")),
                        "Feature type not in SageMaker",
                        format!("SageMaker Feature Store has the types Integral, Fractional and String; {t} is a Feast type (for a view with a feast block)."),
                    );
                }
            }
        }
        let all_known = features.iter().all(|f| f.attr("name").as_str().is_some());
        for (attr, what) in [("entity_key", "entity key"), ("event_time", "event time")] {
            let Some(k) = config.attr(attr).as_str() else {
                continue;
            };
            if all_known && !types.contains_key(k) {
                diags.error_at(
                    AttrPath::attr(attr),
                    format!("Unknown {what}"),
                    format!("{k:?} must be one of the features."),
                );
            }
        }
        if let Some(k) = config.attr("event_time").as_str() {
            if types.get(k).is_some_and(|t| t == "Integral") {
                diags.error_at(AttrPath::attr("event_time"), "Event time of the wrong type", format!("Feature {k:?} holds the event time, so it must be String (ISO 8601) or Fractional (epoch seconds), not Integral."));
            }
        }
        if config.attr("online_store").is_null() && config.attr("offline_store").is_null() {
            diags.error_at(
                AttrPath::attr("online_store"),
                "No store",
                "A feature view needs an online_store, an offline_store, or both.",
            );
        }
        if !config.attr("offline_store").is_null() && config.attr("role_arn").is_null() {
            diags.error_at(
                AttrPath::attr("role_arn"),
                "Missing role",
                "An offline store needs role_arn (SageMaker writes to S3 and Glue with it).",
            );
        }
    }

    fn modify_plan(&self, mut plan: PlanCtx<'_, Clients>) {
        plan_tags_all(&mut plan);
        if plan.prior.is_null() || plan.config.is_null() {
            return;
        }
        let allow = plan.config.attr("allow_replacement").as_bool() == Some(true);
        let name = plan
            .prior
            .attr("name")
            .as_str()
            .unwrap_or_default()
            .to_string();
        let mut losses: Vec<(AttrPath, String)> = vec![];
        // Features: added ones update in place; removed or retyped ones lose data.
        for loss in feature_losses(plan.prior, plan.planned, |a, b| a == b) {
            losses.push(match loss {
                Loss::Removed(n) => (AttrPath::attr("feature"), format!("Feature {n:?} is removed. SageMaker cannot drop a feature from a feature group: the group would be deleted and re-created, losing every stored record.")),
                Loss::Retyped { name, index, from, to } => (feature_path(index, Some("type")), format!("Feature {name:?} changes type from {from} to {to}. SageMaker cannot change a feature's type: the group would be deleted and re-created, losing every stored record.")),
            });
        }
        for (attr, what) in FIXED {
            let (a, b) = (plan.prior.attr(attr), plan.planned.attr(attr));
            if b.is_wholly_known() && !a.semantic_eq(b) {
                losses.push((AttrPath::attr(attr), format!("Changing {what} is not possible in place: the group would be deleted and re-created, losing every stored record.")));
            }
        }
        for attr in FIXED_ONLINE {
            let (a, b) = (
                plan.prior.attr("online_store").attr(attr),
                plan.planned.attr("online_store").attr(attr),
            );
            if b.is_wholly_known() && !a.semantic_eq(b) {
                losses.push((AttrPath::attrs(["online_store", attr]), format!("Changing the online store's {attr} is not possible in place: the group would be deleted and re-created, losing every stored record.")));
            }
        }
        if losses.is_empty() {
            return;
        }
        if allow {
            plan.requires_replace
                .extend(losses.into_iter().map(|(p, _)| p));
            return;
        }
        for (p, why) in losses {
            plan.diags.push(
                Diagnostic::error(
                    "Change would lose the feature group's data",
                    format!("{why} Feature view {name:?}: keep it as it is, add a new feature instead, or set allow_replacement = true to replace the group and accept the loss."),
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
        let tags = merge_tags(&c.default_tags, planned.tags.as_ref());
        let defs = definitions(planned.feature.iter());
        let offline = planned.offline_store.as_ref().map(|o| {
            OfflineStoreConfig::builder()
                .s3_storage_config(S3StorageConfig::builder().s3_uri(&o.s3_uri).build())
                .table_format(TableFormat::from(
                    o.table_format.as_deref().unwrap_or("Glue"),
                ))
                .disable_glue_table_creation(o.disable_glue_table_creation == Some(true))
                .build()
        });
        let marked = marked_tags(&tags);
        let request = c
            .sagemaker
            .create_feature_group()
            .feature_group_name(&planned.name)
            .record_identifier_feature_name(&planned.entity_key)
            .event_time_feature_name(&planned.event_time)
            .set_feature_definitions(Some(defs))
            .set_online_store_config(planned.online_store.as_ref().map(online_config))
            .set_offline_store_config(offline)
            .set_role_arn(planned.role_arn.clone())
            .set_description(planned.description.clone())
            .set_tags(sdk_tags(&marked));
        let made = create_or_adopt(ctx, &planned.name, request)
            .await
            .map_err(Failure::new)?;
        let arn = made.arn().to_string();
        // From here on the group exists: failures keep it in state.
        let partial = FeatureViewState {
            arn: Some(arn.clone()),
            tags_all: Some(tags.clone()),
            ..planned.clone()
        };
        let keep = |d: Diagnostics| Failure::with_partial(partial.clone(), d);
        wait_for_feature_group(ctx, &planned.name, Awaited::Creation)
            .await
            .map_err(keep)?;
        match made {
            Made::Created(_) => {
                let described: Vec<&Feature> = planned
                    .feature
                    .iter()
                    .filter(|f| f.description.is_some())
                    .collect();
                set_descriptions(&c, &planned.name, &described)
                    .await
                    .map_err(keep)?;
            }
            Made::Ours(_) => {
                // An interrupted adoption may have left an update running.
                wait_for_feature_group(ctx, &planned.name, Awaited::Update)
                    .await
                    .map_err(keep)?;
                let Some(found) = read_view(&c, &partial).await.map_err(keep)? else {
                    return Err(Failure::new(vanished(&planned.name)));
                };
                let fixed = differences(&found, &planned);
                if fixed.has_errors() {
                    // Not recorded: the group stays half-made, to adopt once the
                    // configuration matches it (or after it is deleted).
                    return Err(Failure::new(fixed));
                }
                converge(ctx, &found, &partial, &tags).await?;
            }
        }
        let read = read_view(&c, &partial).await;
        Failure::read_back(read, || vanished(&planned.name), keep)
    }

    async fn read(
        &self,
        ctx: &mut Ctx<Clients>,
        current: FeatureViewState,
    ) -> Result<Option<FeatureViewState>, Diagnostics> {
        read_view(&ctx.client, &current).await
    }

    async fn update(
        &self,
        ctx: &mut Ctx<Clients>,
        prior: FeatureViewState,
        planned: FeatureViewState,
    ) -> Result<FeatureViewState, Failure<FeatureViewState>> {
        let c = ctx.client.clone();
        let name = planned.name.clone();
        let tags = merge_tags(&c.default_tags, planned.tags.as_ref());
        let next = converge(ctx, &prior, &planned, &tags).await?;
        match read_view(&c, &next).await {
            Ok(Some(s)) => Ok(s),
            Ok(None) => Err(Failure::new(Diagnostic::error(
                "Feature group vanished",
                format!("Feature group {name} disappeared during the update."),
            ))),
            Err(d) => Err(Failure::with_partial(next, d)),
        }
    }

    async fn delete(
        &self,
        ctx: &mut Ctx<Clients>,
        current: FeatureViewState,
    ) -> Result<(), Diagnostics> {
        let c = ctx.client.clone();
        let name = &current.name;
        let delete = || {
            c.sagemaker
                .delete_feature_group()
                .feature_group_name(name)
                .send()
        };
        match delete().await {
            Ok(_) => {}
            Err(e) if is_not_found(&e) => return Ok(()),
            // Refused while still Creating or updating (e.g. a create stopped by Ctrl-C and
            // now replaced): wait until it settles, then delete it.
            Err(e) if error_code(&e) == Some("ValidationException") => {
                let deleting = |d: Option<DescribeFeatureGroupOutput>| {
                    d.map(|d| d.feature_group_status() == Some(&FeatureGroupStatus::Deleting))
                };
                match deleting(find_feature_group(&c, name).await?) {
                    None => return Ok(()),
                    Some(true) => {}
                    Some(false) => {
                        wait_for_feature_group(ctx, name, Awaited::Settled).await?;
                        match delete().await {
                            Ok(_) => {}
                            Err(e) if is_not_found(&e) => return Ok(()),
                            Err(e) => return Err(api_error("DeleteFeatureGroup", name, &e).into()),
                        }
                    }
                }
            }
            Err(e) => return Err(api_error("DeleteFeatureGroup", name, &e).into()),
        }
        wait_for_feature_group(ctx, name, Awaited::Deletion).await
    }

    async fn import(
        &self,
        _ctx: &mut Ctx<Clients>,
        id: &str,
    ) -> Result<FeatureViewState, Diagnostics> {
        if !regex::Regex::new(GROUP_NAME)
            .map(|r| r.is_match(id))
            .unwrap_or(false)
        {
            return Err(Diagnostic::error(
                "Invalid import ID",
                format!("Import a feature view by its feature group name; got {id:?}."),
            )
            .into());
        }
        Ok(stub(id))
    }
}
