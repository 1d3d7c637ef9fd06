//! Job definitions: one per check, immutable and content-named (`<name>-dq-<hash>`,
//! `<name>-mq-<hash>`), so a change creates a new one, switches the schedule to it and
//! deletes the old one. Creating, listing, deleting and reading back data and model quality
//! job definitions.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_sagemaker::types::{
    BatchTransformInput, DataQualityAppSpecification, DataQualityBaselineConfig,
    DataQualityJobInput, EndpointInput, ModelQualityAppSpecification, ModelQualityBaselineConfig,
    ModelQualityJobInput, MonitoringClusterConfig, MonitoringConstraintsResource,
    MonitoringCsvDatasetFormat, MonitoringDatasetFormat, MonitoringGroundTruthS3Input,
    MonitoringJsonDatasetFormat, MonitoringNetworkConfig, MonitoringOutput, MonitoringOutputConfig,
    MonitoringParquetDatasetFormat, MonitoringProblemType, MonitoringResources, MonitoringS3Output,
    MonitoringStatisticsResource, MonitoringStoppingCondition,
};
use mlops_framework::{Diagnostic, Diagnostics};

use super::analyzer::{analyzer_image, JobResources, OUTPUT_PATH, PUBLISH_METRICS};
use super::baseline::read_baseline_dataset;
use super::model::{
    without_trailing_slash, BatchTransform, CheckKind, DataQuality, ModelQuality, MonitorState,
};
use super::network::{monitoring_network, network_from};
use crate::aws::{api_error, arn_parts, found, sdk_tags, stable_hash};
use crate::clients::Clients;
use crate::sagemaker::monitoring::{
    created, find_data_quality_job_definition, find_model_quality_job_definition, Created,
};

/// A definition this monitor created (content-named `<name>-dq-<hash>`): only those are
/// deleted, never one a schedule was pointed at out of band.
pub(super) fn is_ours(name: &str, kind: CheckKind, definition: &str) -> bool {
    definition
        .strip_prefix(&format!("{name}-{}-", kind.tag()))
        .is_some_and(|h| h.len() == 10 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Whether a check's job definition publishes CloudWatch metrics: when alarms watch them.
pub(super) fn publishes_metrics(s: &MonitorState, kind: CheckKind) -> bool {
    let a = s.alerts.as_ref();
    let thresholds = match kind {
        CheckKind::Data => a.and_then(|a| a.drift_thresholds.as_ref()),
        CheckKind::Model => a.and_then(|a| a.metric_thresholds.as_ref()),
    };
    thresholds.is_some_and(|t| !t.is_empty())
}

/// Content name of a check's job definition: everything the definition holds.
pub(super) fn definition_name(s: &MonitorState, kind: CheckKind) -> Option<String> {
    let common = serde_json::json!([
        s.role_arn,
        s.endpoint_name,
        s.batch_transform,
        s.output_s3_uri,
        s.instance_type,
        s.instance_count,
        s.volume_size_gb,
        s.max_runtime_seconds,
        s.network,
        publishes_metrics(s, kind)
    ]);
    let content = match kind {
        CheckKind::Data => {
            let d = s.data_quality.as_ref()?;
            serde_json::json!([
                common,
                d.baseline_statistics,
                d.baseline_constraints,
                s.baselining_job_name
            ])
        }
        CheckKind::Model => {
            let m = s.model_quality.as_ref()?;
            serde_json::json!([
                common,
                m.problem_type,
                m.ground_truth_s3_uri,
                m.inference_attribute,
                m.probability_attribute,
                m.probability_threshold,
                m.baseline_constraints
            ])
        }
    };
    let h = stable_hash(&content.to_string()) & 0xff_ffff_ffff;
    Some(format!("{}-{}-{h:010x}", s.name, kind.tag()))
}

fn dataset_format(b: &BatchTransform) -> MonitoringDatasetFormat {
    let f = MonitoringDatasetFormat::builder();
    match b.format.as_str() {
        "json" => f.json(
            MonitoringJsonDatasetFormat::builder()
                .set_line(b.json_lines)
                .build(),
        ),
        "parquet" => f.parquet(MonitoringParquetDatasetFormat::builder().build()),
        _ => f.csv(
            MonitoringCsvDatasetFormat::builder()
                .set_header(b.csv_header)
                .build(),
        ),
    }
    .build()
}

fn batch_from(i: &BatchTransformInput) -> BatchTransform {
    let f = i.dataset_format();
    let (format, csv_header, json_lines) = match f {
        Some(f) if f.json().is_some() => ("json", None, f.json().and_then(|j| j.line())),
        Some(f) if f.parquet().is_some() => ("parquet", None, None),
        Some(f) => ("csv", f.csv().and_then(|c| c.header()), None),
        None => ("csv", None, None),
    };
    BatchTransform {
        data_captured_destination_s3_uri: i
            .data_captured_destination_s3_uri()
            .unwrap_or_default()
            .to_string(),
        format: format.into(),
        csv_header,
        json_lines,
    }
}

/// The ARN of a job definition, from the ARN of a schedule in the same account and region.
pub(super) fn definition_arn(
    schedule_arn: &str,
    kind: CheckKind,
    definition: &str,
) -> Option<String> {
    let (partition, region, account) = arn_parts(schedule_arn)?;
    let ty = match kind {
        CheckKind::Data => "data-quality-job-definition",
        CheckKind::Model => "model-quality-job-definition",
    };
    Some(format!(
        "arn:{partition}:sagemaker:{region}:{account}:{ty}/{}",
        definition.to_ascii_lowercase()
    ))
}

/// Create the check's job definition `name` (one of that name exists already when an
/// earlier apply was interrupted: same name, same content).
pub(super) async fn create_definition(
    c: &Clients,
    s: &MonitorState,
    kind: CheckKind,
    name: &str,
    tags: &BTreeMap<String, String>,
) -> Result<(), Diagnostics> {
    let output = MonitoringOutputConfig::builder()
        .monitoring_outputs(
            MonitoringOutput::builder()
                .s3_output(
                    MonitoringS3Output::builder()
                        .s3_uri(s.output())
                        .local_path(OUTPUT_PATH)
                        .build(),
                )
                .build(),
        )
        .build();
    let size = JobResources::of(s);
    let resources = MonitoringResources::builder()
        .cluster_config(
            MonitoringClusterConfig::builder()
                .instance_count(size.instance_count)
                .instance_type(size.instance_type)
                .volume_size_in_gb(size.volume_size_gb)
                .build(),
        )
        .build();
    let network = monitoring_network(s);
    let stop = MonitoringStoppingCondition::builder()
        .max_runtime_in_seconds(size.max_runtime_seconds)
        .build();
    let image = analyzer_image(&c.region)?;
    let env = publishes_metrics(s, kind)
        .then(|| HashMap::from([(PUBLISH_METRICS.to_string(), "Enabled".to_string())]));
    let endpoint = |m: Option<&ModelQuality>| {
        s.endpoint_name.as_ref().map(|e| {
            let mut b = EndpointInput::builder()
                .endpoint_name(e)
                .local_path("/opt/ml/processing/input/endpoint");
            if let Some(m) = m {
                b = b
                    .inference_attribute(&m.inference_attribute)
                    .set_probability_attribute(m.probability_attribute.clone())
                    .set_probability_threshold_attribute(m.probability_threshold);
            }
            b.build()
        })
    };
    let batch = |m: Option<&ModelQuality>| {
        s.batch_transform.as_ref().map(|t| {
            let mut b = BatchTransformInput::builder()
                .data_captured_destination_s3_uri(&t.data_captured_destination_s3_uri)
                .dataset_format(dataset_format(t))
                .local_path("/opt/ml/processing/input/batch");
            if let Some(m) = m {
                b = b
                    .inference_attribute(&m.inference_attribute)
                    .set_probability_attribute(m.probability_attribute.clone())
                    .set_probability_threshold_attribute(m.probability_threshold);
            }
            b.build()
        })
    };
    let answer =
        match kind {
            CheckKind::Data => {
                let d = s.data_quality.clone().ok_or_else(|| {
                    Diagnostics::from(Diagnostic::error("No data quality check", name))
                })?;
                let baseline =
                    (d.baseline_statistics.is_some() || d.baseline_constraints.is_some()).then(
                        || {
                            DataQualityBaselineConfig::builder()
                                .set_baselining_job_name(s.baselining_job_name.clone())
                                .set_constraints_resource(d.baseline_constraints.as_ref().map(
                                    |u| MonitoringConstraintsResource::builder().s3_uri(u).build(),
                                ))
                                .set_statistics_resource(d.baseline_statistics.as_ref().map(|u| {
                                    MonitoringStatisticsResource::builder().s3_uri(u).build()
                                }))
                                .build()
                        },
                    );
                let answer = c
                    .sagemaker
                    .create_data_quality_job_definition()
                    .job_definition_name(name)
                    .set_data_quality_baseline_config(baseline)
                    .data_quality_app_specification(
                        DataQualityAppSpecification::builder()
                            .image_uri(image)
                            .set_environment(env)
                            .build(),
                    )
                    .data_quality_job_input(
                        DataQualityJobInput::builder()
                            .set_endpoint_input(endpoint(None))
                            .set_batch_transform_input(batch(None))
                            .build(),
                    )
                    .data_quality_job_output_config(output)
                    .job_resources(resources)
                    .set_network_config(network)
                    .role_arn(s.role())
                    .stopping_condition(stop)
                    .set_tags(sdk_tags(tags))
                    .send()
                    .await;
                created("CreateDataQualityJobDefinition", name, answer)?
            }
            CheckKind::Model => {
                let m = s.model_quality.clone().ok_or_else(|| {
                    Diagnostics::from(Diagnostic::error("No model quality check", name))
                })?;
                let baseline = m.baseline_constraints.as_ref().map(|u| {
                    ModelQualityBaselineConfig::builder()
                        .constraints_resource(
                            MonitoringConstraintsResource::builder().s3_uri(u).build(),
                        )
                        .build()
                });
                let answer = c
                    .sagemaker
                    .create_model_quality_job_definition()
                    .job_definition_name(name)
                    .set_model_quality_baseline_config(baseline)
                    .model_quality_app_specification(
                        ModelQualityAppSpecification::builder()
                            .image_uri(image)
                            .problem_type(MonitoringProblemType::from(m.problem_type.as_str()))
                            .set_environment(env)
                            .build(),
                    )
                    .model_quality_job_input(
                        ModelQualityJobInput::builder()
                            .set_endpoint_input(endpoint(Some(&m)))
                            .set_batch_transform_input(batch(Some(&m)))
                            .ground_truth_s3_input(
                                MonitoringGroundTruthS3Input::builder()
                                    .s3_uri(&m.ground_truth_s3_uri)
                                    .build(),
                            )
                            .build(),
                    )
                    .model_quality_job_output_config(output)
                    .job_resources(resources)
                    .set_network_config(network)
                    .role_arn(s.role())
                    .stopping_condition(stop)
                    .set_tags(sdk_tags(tags))
                    .send()
                    .await;
                created("CreateModelQualityJobDefinition", name, answer)?
            }
        };
    match answer {
        Created::New => tracing::info!(definition = %name, "monitoring job definition created"),
        // Same name = same content: left over from an earlier, interrupted apply.
        Created::Existing => {}
    }
    Ok(())
}

/// Delete a job definition (a missing one is fine).
pub(super) async fn delete_definition(
    c: &Clients,
    kind: CheckKind,
    name: &str,
) -> Result<(), Diagnostics> {
    let sm = &c.sagemaker;
    match kind {
        CheckKind::Data => found(
            "DeleteDataQualityJobDefinition",
            name,
            sm.delete_data_quality_job_definition()
                .job_definition_name(name)
                .send()
                .await,
        )
        .map(|_| ()),
        CheckKind::Model => found(
            "DeleteModelQualityJobDefinition",
            name,
            sm.delete_model_quality_job_definition()
                .job_definition_name(name)
                .send()
                .await,
        )
        .map(|_| ()),
    }
}

/// The job definitions of this monitor (content-named `<name>-dq-<hash>` /
/// `<name>-mq-<hash>`) that exist.
pub(super) async fn own_definitions(
    c: &Clients,
    name: &str,
    kind: CheckKind,
) -> Result<Vec<String>, Diagnostics> {
    let prefix = format!("{name}-{}-", kind.tag());
    let mut out = vec![];
    let mut token: Option<String> = None;
    loop {
        let (summaries, next) = match kind {
            CheckKind::Data => c
                .sagemaker
                .list_data_quality_job_definitions()
                .name_contains(&prefix)
                .set_next_token(token.take())
                .send()
                .await
                .map(|r| {
                    (
                        r.job_definition_summaries().to_vec(),
                        r.next_token().map(String::from),
                    )
                })
                .map_err(|e| api_error("ListDataQualityJobDefinitions", &prefix, &e))?,
            CheckKind::Model => c
                .sagemaker
                .list_model_quality_job_definitions()
                .name_contains(&prefix)
                .set_next_token(token.take())
                .send()
                .await
                .map(|r| {
                    (
                        r.job_definition_summaries().to_vec(),
                        r.next_token().map(String::from),
                    )
                })
                .map_err(|e| api_error("ListModelQualityJobDefinitions", &prefix, &e))?,
        };
        out.extend(
            summaries
                .iter()
                .filter_map(|d| d.monitoring_job_definition_name().map(String::from))
                .filter(|d| is_ours(name, kind, d)),
        );
        match next {
            Some(t) if !t.is_empty() => token = Some(t),
            _ => break,
        }
    }
    Ok(out)
}

/// Whether a job definition exists.
pub(super) async fn definition_exists(
    c: &Clients,
    kind: CheckKind,
    name: &str,
) -> Result<bool, Diagnostics> {
    Ok(match kind {
        CheckKind::Data => find_data_quality_job_definition(c, name).await?.is_some(),
        CheckKind::Model => find_model_quality_job_definition(c, name).await?.is_some(),
    })
}

/// Read the check's job definition `definition` (the one its schedule runs) into `s`; a
/// definition that is gone leaves `s` as it is.
pub(super) async fn read_definition(
    c: &Clients,
    s: &mut MonitorState,
    prior: &MonitorState,
    kind: CheckKind,
    definition: &str,
) -> Result<(), Diagnostics> {
    match kind {
        CheckKind::Data => {
            let Some(j) = find_data_quality_job_definition(c, definition).await? else {
                return Ok(());
            };
            let b = j.data_quality_baseline_config();
            let job = b.and_then(|b| b.baselining_job_name()).map(String::from);
            let dataset = read_baseline_dataset(c, job.as_deref(), prior).await?;
            s.baselining_job_name = job.filter(|_| dataset.is_some());
            s.data_quality = Some(DataQuality {
                baseline_statistics: b
                    .and_then(|b| b.statistics_resource())
                    .and_then(|r| r.s3_uri())
                    .map(String::from),
                baseline_constraints: b
                    .and_then(|b| b.constraints_resource())
                    .and_then(|r| r.s3_uri())
                    .map(String::from),
                baseline_dataset: dataset,
            });
            let input = j.data_quality_job_input();
            read_job_settings(
                s,
                prior,
                JobSettings {
                    role: j.role_arn(),
                    endpoint: input.and_then(|i| i.endpoint_input()),
                    batch: input.and_then(|i| i.batch_transform_input()),
                    output: j.data_quality_job_output_config(),
                    resources: j.job_resources(),
                    network: j.network_config(),
                    stop: j.stopping_condition(),
                },
            );
        }
        CheckKind::Model => {
            let Some(j) = find_model_quality_job_definition(c, definition).await? else {
                return Ok(());
            };
            let input = j.model_quality_job_input();
            let ep = input.and_then(|i| i.endpoint_input());
            let bt = input.and_then(|i| i.batch_transform_input());
            let inference = ep
                .and_then(|i| i.inference_attribute())
                .or(bt.and_then(|i| i.inference_attribute()));
            let probability = ep
                .and_then(|i| i.probability_attribute())
                .or(bt.and_then(|i| i.probability_attribute()));
            let threshold = ep
                .and_then(|i| i.probability_threshold_attribute())
                .or(bt.and_then(|i| i.probability_threshold_attribute()));
            s.model_quality = Some(ModelQuality {
                problem_type: j
                    .model_quality_app_specification()
                    .and_then(|a| a.problem_type())
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_default(),
                ground_truth_s3_uri: input
                    .and_then(|i| i.ground_truth_s3_input())
                    .and_then(|g| g.s3_uri())
                    .unwrap_or_default()
                    .to_string(),
                inference_attribute: inference.unwrap_or_default().to_string(),
                probability_attribute: probability.map(String::from),
                probability_threshold: threshold,
                baseline_constraints: j
                    .model_quality_baseline_config()
                    .and_then(|b| b.constraints_resource())
                    .and_then(|r| r.s3_uri())
                    .map(String::from),
            });
            read_job_settings(
                s,
                prior,
                JobSettings {
                    role: j.role_arn(),
                    endpoint: ep,
                    batch: bt,
                    output: j.model_quality_job_output_config(),
                    resources: j.job_resources(),
                    network: j.network_config(),
                    stop: j.stopping_condition(),
                },
            );
        }
    }
    Ok(())
}

/// What data and model quality job definitions have in common.
struct JobSettings<'a> {
    role: Option<&'a str>,
    endpoint: Option<&'a EndpointInput>,
    batch: Option<&'a BatchTransformInput>,
    output: Option<&'a MonitoringOutputConfig>,
    resources: Option<&'a MonitoringResources>,
    network: Option<&'a MonitoringNetworkConfig>,
    stop: Option<&'a MonitoringStoppingCondition>,
}

/// The monitor-wide attributes back from a job definition's settings.
fn read_job_settings(s: &mut MonitorState, prior: &MonitorState, j: JobSettings<'_>) {
    if let Some(r) = j.role {
        s.role_arn = Some(r.to_string());
    }
    if let Some(e) = j.endpoint.and_then(|i| i.endpoint_name()) {
        s.endpoint_name = Some(e.to_string());
        s.batch_transform = None;
    }
    if let Some(b) = j.batch {
        s.batch_transform = Some(batch_from(b));
        s.endpoint_name = None;
    }
    if let Some(u) = j
        .output
        .and_then(|o| o.monitoring_outputs().first())
        .and_then(|o| o.s3_output())
        .and_then(|o| o.s3_uri())
    {
        // keep the user's spelling (a trailing slash) when it is the same location
        if without_trailing_slash(u) != without_trailing_slash(s.output()) {
            s.output_s3_uri = Some(u.to_string());
        }
    }
    if let Some(cl) = j.resources.and_then(|r| r.cluster_config()) {
        s.instance_type = cl
            .instance_type()
            .map(|t| t.as_str().to_string())
            .or(s.instance_type.take());
        s.instance_count = cl.instance_count().map(i64::from).or(s.instance_count);
        s.volume_size_gb = cl.volume_size_in_gb().map(i64::from).or(s.volume_size_gb);
    }
    s.network = network_from(j.network, prior.network.as_ref());
    if let Some(m) = j.stop.and_then(|x| x.max_runtime_in_seconds()) {
        s.max_runtime_seconds = Some(i64::from(m));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitoring::model::{churn_on_endpoint, Network};

    #[test]
    fn only_own_definitions_are_deleted() {
        assert!(is_ours("churn", CheckKind::Data, "churn-dq-0123456789"));
        assert!(!is_ours("churn", CheckKind::Model, "churn-dq-0123456789"));
        assert!(!is_ours("churn", CheckKind::Data, "hand-made-dq"));
        assert!(!is_ours("churn", CheckKind::Data, "churn-dq-nothexxxxx"));
        assert!(!is_ours("churn-a", CheckKind::Data, "churn-dq-0123456789"));
    }

    #[test]
    fn definitions_change_with_what_they_hold() {
        let mut s = churn_on_endpoint();
        assert_eq!(definition_name(&s, CheckKind::Data), None);
        s.data_quality = Some(DataQuality {
            baseline_statistics: None,
            baseline_constraints: None,
            baseline_dataset: None,
        });
        let a = definition_name(&s, CheckKind::Data).unwrap();
        assert!(is_ours("churn", CheckKind::Data, &a));
        s.network = Some(Network {
            subnet_ids: None,
            security_group_ids: None,
            enable_network_isolation: Some(true),
            enable_inter_container_traffic_encryption: Some(false),
        });
        assert_ne!(definition_name(&s, CheckKind::Data).unwrap(), a);
    }
}
