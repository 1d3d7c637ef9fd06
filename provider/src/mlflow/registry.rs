//! Finders and classifiers of MLflow's model registry: registered models, model versions,
//! aliases. One finder per object: `Ok(None)` when it does not exist, every other error a
//! diagnostic naming the server.

use std::collections::BTreeMap;

use mlops_framework::{Diagnostics, Phase};
use serde::Deserialize;
use serde_json::{json, Value as Json};

use super::{Mlflow, MlflowError};

/// A tag as MLflow sends it.
#[derive(Debug, Clone, Deserialize)]
struct Tag {
    key: String,
    #[serde(default)]
    value: String,
}

#[derive(Debug, Clone, Deserialize)]
struct Alias {
    alias: String,
    version: String,
}

fn tag_map(tags: Vec<Tag>) -> BTreeMap<String, String> {
    tags.into_iter().map(|t| (t.key, t.value)).collect()
}

#[derive(Deserialize)]
struct RawModel {
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    creation_timestamp: Option<i64>,
    #[serde(default)]
    tags: Vec<Tag>,
    #[serde(default)]
    aliases: Vec<Alias>,
}

/// A registered model.
#[derive(Debug, Clone, PartialEq)]
pub struct RegisteredModel {
    pub name: String,
    /// `None` when empty (MLflow drops an empty description).
    pub description: Option<String>,
    /// Milliseconds since the epoch.
    pub created_ms: Option<i64>,
    /// Every tag, the provider's own included.
    pub tags: BTreeMap<String, String>,
    /// Alias to version number.
    pub aliases: BTreeMap<String, i64>,
}

impl From<RawModel> for RegisteredModel {
    fn from(r: RawModel) -> Self {
        RegisteredModel {
            name: r.name,
            description: r.description.filter(|d| !d.is_empty()),
            created_ms: r.creation_timestamp,
            tags: tag_map(r.tags),
            aliases: r
                .aliases
                .into_iter()
                .filter_map(|a| Some((a.alias, a.version.parse().ok()?)))
                .collect(),
        }
    }
}

#[derive(Deserialize)]
struct RawVersion {
    name: String,
    version: String,
    #[serde(default)]
    creation_timestamp: Option<i64>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    run_id: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    status_message: Option<String>,
    #[serde(default)]
    tags: Vec<Tag>,
    #[serde(default)]
    aliases: Vec<String>,
}

/// A model version.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelVersion {
    pub name: String,
    pub version: i64,
    pub created_ms: Option<i64>,
    pub description: Option<String>,
    pub source: String,
    /// `None` when empty.
    pub run_id: Option<String>,
    /// `PENDING_REGISTRATION`, `READY` or `FAILED_REGISTRATION`.
    pub status: String,
    pub status_message: Option<String>,
    pub tags: BTreeMap<String, String>,
    pub aliases: Vec<String>,
}

impl TryFrom<RawVersion> for ModelVersion {
    type Error = String;
    fn try_from(r: RawVersion) -> Result<Self, String> {
        Ok(ModelVersion {
            version: r
                .version
                .parse()
                .map_err(|_| format!("version {:?} is not a number", r.version))?,
            name: r.name,
            created_ms: r.creation_timestamp,
            description: r.description.filter(|d| !d.is_empty()),
            source: r.source.unwrap_or_default(),
            run_id: r.run_id.filter(|d| !d.is_empty()),
            status: r.status.unwrap_or_else(|| "READY".into()),
            status_message: r.status_message.filter(|d| !d.is_empty()),
            tags: tag_map(r.tags),
            aliases: r.aliases,
        })
    }
}

/// `{"key": k, "value": v}` list for a create call.
pub fn tags_json(tags: &BTreeMap<String, String>) -> Json {
    Json::Array(
        tags.iter()
            .map(|(k, v)| json!({"key": k, "value": v}))
            .collect(),
    )
}

fn parse<T: serde::de::DeserializeOwned>(
    m: &Mlflow,
    op: &str,
    what: &str,
    j: Json,
) -> Result<T, Diagnostics> {
    serde_json::from_value(j).map_err(|e| {
        m.error(
            op,
            what,
            &MlflowError::Api(200, "BAD_RESPONSE".into(), e.to_string()),
        )
        .into()
    })
}

/// The registered model `name`.
pub async fn find_model(m: &Mlflow, name: &str) -> Result<Option<RegisteredModel>, Diagnostics> {
    let what = format!("registered model {name}");
    match m.get("registered-models/get", &[("name", name)]).await {
        Ok(j) => {
            let raw: RawModel = parse(m, "Reading", &what, j["registered_model"].clone())?;
            Ok(Some(raw.into()))
        }
        Err(MlflowError::NotFound(_)) => Ok(None),
        Err(e) => Err(m.error("Reading", &what, &e).into()),
    }
}

/// Version `version` of registered model `name`.
pub async fn find_version(
    m: &Mlflow,
    name: &str,
    version: i64,
) -> Result<Option<ModelVersion>, Diagnostics> {
    let what = format!("version {version} of registered model {name}");
    let v = version.to_string();
    match m
        .get("model-versions/get", &[("name", name), ("version", &v)])
        .await
    {
        Ok(j) => version_of(m, &what, j["model_version"].clone()).map(Some),
        Err(MlflowError::NotFound(_)) => Ok(None),
        Err(e) => Err(m.error("Reading", &what, &e).into()),
    }
}

pub(crate) fn version_of(m: &Mlflow, what: &str, j: Json) -> Result<ModelVersion, Diagnostics> {
    let raw: RawVersion = parse(m, "Reading", what, j)?;
    ModelVersion::try_from(raw).map_err(|e| {
        m.error(
            "Reading",
            what,
            &MlflowError::Api(200, "BAD_RESPONSE".into(), e),
        )
        .into()
    })
}

/// The version holding `alias`; `None` when no version does or the model does not exist.
pub async fn find_alias_holder(
    m: &Mlflow,
    name: &str,
    alias: &str,
) -> Result<Option<ModelVersion>, Diagnostics> {
    let what = format!("the version of registered model {name} holding alias {alias}");
    match m
        .get(
            "registered-models/alias",
            &[("name", name), ("alias", alias)],
        )
        .await
    {
        Ok(j) => version_of(m, &what, j["model_version"].clone()).map(Some),
        // a missing alias is 400 INVALID_PARAMETER_VALUE "... alias X not found."
        Err(MlflowError::NotFound(_)) => Ok(None),
        Err(MlflowError::Api(400, code, msg))
            if code == "INVALID_PARAMETER_VALUE" && msg.contains("not found") =>
        {
            Ok(None)
        }
        Err(e) => Err(m.error("Reading", &what, &e).into()),
    }
}

/// Every version matching an MLflow search filter (e.g. `name='churn'`), all pages.
pub async fn search_versions(m: &Mlflow, filter: &str) -> Result<Vec<ModelVersion>, Diagnostics> {
    let what = format!("model versions where {filter}");
    let mut out = Vec::new();
    let mut token = String::new();
    loop {
        let mut q = vec![("filter", filter), ("max_results", "200")];
        if !token.is_empty() {
            q.push(("page_token", &token));
        }
        let j = m
            .get("model-versions/search", &q)
            .await
            .map_err(|e| m.error("Searching", &what, &e))?;
        if let Some(list) = j["model_versions"].as_array() {
            for v in list {
                out.push(version_of(m, &what, v.clone())?);
            }
        }
        match j["next_page_token"].as_str() {
            Some(t) if !t.is_empty() => token = t.to_string(),
            _ => return Ok(out),
        }
    }
}

/// `'text'` for a search filter (single quotes and backslashes escaped).
pub fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// Where a version's files are (its download URI: the artifact location behind a
/// `models:/` or `runs:/` source), e.g. `s3://bucket/1/models/m-.../artifacts`.
pub async fn download_uri(m: &Mlflow, name: &str, version: i64) -> Result<String, Diagnostics> {
    let what = format!("version {version} of registered model {name}");
    let v = version.to_string();
    let j = m
        .get(
            "model-versions/get-download-uri",
            &[("name", name), ("version", &v)],
        )
        .await
        .map_err(|e| m.error("Locating the artifacts of", &what, &e))?;
    Ok(j["artifact_uri"].as_str().unwrap_or_default().to_string())
}

/// A version's registration phase, for the one wait loop.
pub fn version_phase(v: &ModelVersion) -> Phase {
    match v.status.as_str() {
        "READY" => Phase::Target,
        "FAILED_REGISTRATION" => Phase::Failed(
            v.status_message
                .clone()
                .unwrap_or_else(|| "registration failed".into()),
        ),
        other => Phase::Pending(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_models_decode_from_mlflow_answers() {
        let raw: RawVersion = serde_json::from_value(json!({
            "name": "churn", "version": "3", "creation_timestamp": 1796394764023i64,
            "current_stage": "None", "description": "", "source": "models:/m-1",
            "run_id": "", "status": "READY", "run_link": "", "aliases": ["champion"]
        }))
        .unwrap();
        let v = ModelVersion::try_from(raw).unwrap();
        assert_eq!(v.version, 3);
        assert_eq!(v.description, None);
        assert_eq!(v.run_id, None);
        assert_eq!(v.aliases, vec!["champion".to_string()]);
        assert_eq!(version_phase(&v), Phase::Target);
        let raw: RawModel = serde_json::from_value(json!({
            "name": "churn", "tags": [{"key": "a", "value": "b"}],
            "aliases": [{"alias": "champion", "version": "2"}]
        }))
        .unwrap();
        let m = RegisteredModel::from(raw);
        assert_eq!(m.aliases.get("champion"), Some(&2));
        assert_eq!(m.tags.get("a").map(String::as_str), Some("b"));
    }

    #[test]
    fn filters_quote_their_values() {
        assert_eq!(quoted("it's"), r"'it\'s'");
    }
}
