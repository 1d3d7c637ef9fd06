//! Unit tests of the on_approval hook's pure parts (names, request, validation).

use super::*;

fn hook(url: Option<&str>, project: &str) -> OnApproval {
    OnApproval {
        gitlab_url: url.map(String::from),
        project: project.into(),
        git_ref: "main".into(),
        trigger_token: Some("glptt-secret".into()),
        trigger_token_wo: None,
        trigger_token_wo_version: None,
        variables: Some(
            [("ENV".to_string(), "prod \"x\"".to_string())]
                .into_iter()
                .collect(),
        ),
        rule_arn: None,
        connection_arn: None,
        api_destination_arn: None,
        role_arn: None,
    }
}

#[test]
fn hook_endpoint_round_trip() {
    let h = hook(None, "ml-platform/churn deploy");
    let e = hook_endpoint(&h);
    assert_eq!(
        e,
        "https://gitlab.com/api/v4/projects/ml-platform%2Fchurn%20deploy/trigger/pipeline"
    );
    assert_eq!(
        parse_endpoint(&e),
        Some((
            "https://gitlab.com".into(),
            "ml-platform/churn deploy".into()
        ))
    );
    // a trailing slash is the same GitLab
    let slash = hook(Some("https://gitlab.example.com/"), "4711");
    assert_eq!(
        hook_endpoint(&slash),
        "https://gitlab.example.com/api/v4/projects/4711/trigger/pipeline"
    );
    assert_eq!(
        hook_inputs(&slash),
        hook_inputs(&hook(Some("https://gitlab.example.com"), "4711"))
    );
    assert_eq!(parse_endpoint("https://example.com/hook"), None);
}

#[test]
fn hook_body_round_trip() {
    let h = hook(None, "1");
    let body = hook_body(&h);
    let j: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(j["ref"], "main");
    assert_eq!(j["variables"]["MODEL_PACKAGE_ARN"], "<model_package_arn>");
    assert_eq!(
        j["variables"]["MODEL_PACKAGE_VERSION"],
        "<model_package_version>"
    );
    assert_eq!(j["variables"]["ENV"], "prod \"x\"");
    assert!(
        !body.contains("glptt"),
        "the token never goes into the body"
    );
    let (r, vars) = parse_body(&body).unwrap();
    assert_eq!(r, "main");
    assert_eq!(Some(vars), h.variables);
}

#[test]
fn hook_names_and_policy() {
    assert_eq!(hook_name("churn"), "mlops_churn_on-approval");
    let long = "g".repeat(63);
    assert!(hook_name(&long).len() <= 64);
    assert_ne!(hook_name(&long), hook_name(&"g".repeat(62)));
    let p = hook_policy(
        "arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/churn",
        "mlops_churn_on-approval",
    )
    .unwrap();
    let j: serde_json::Value = serde_json::from_str(&p).unwrap();
    assert_eq!(j["Statement"][0]["Action"], "events:InvokeApiDestination");
    assert_eq!(
        j["Statement"][0]["Resource"],
        "arn:aws:events:eu-west-1:123456789012:api-destination/mlops_churn_on-approval/*"
    );
}

#[test]
fn hook_validation() {
    let cfg = Value::Object(
        [(
            "on_approval".to_string(),
            Value::Object(
                [(
                    "variables".to_string(),
                    Value::Map(
                        [
                            ("MODEL_PACKAGE_ARN".to_string(), Value::string("x")),
                            ("bad-name".to_string(), Value::string("x")),
                            ("GOOD_1".to_string(), Value::string("x")),
                        ]
                        .into_iter()
                        .collect(),
                    ),
                )]
                .into_iter()
                .collect(),
            ),
        )]
        .into_iter()
        .collect(),
    );
    let mut d = Diagnostics::new();
    validate_hook(&cfg, &mut d);
    let got: Vec<String> =
        d.0.iter()
            .map(|x| {
                format!(
                    "{}: {}",
                    x.path.as_ref().map(|p| p.to_string()).unwrap_or_default(),
                    x.summary
                )
            })
            .collect();
    assert_eq!(
        got,
        vec![
            // no token at all
            "on_approval.trigger_token_wo: Missing trigger token".to_string(),
            "on_approval.variables[\"MODEL_PACKAGE_ARN\"]: Reserved variable".to_string(),
            "on_approval.variables[\"bad-name\"]: Invalid variable name".to_string(),
        ]
    );
}

#[test]
fn token_checks_wait_for_unknown_values() {
    let hook = |pairs: &[(&str, Value)]| {
        Value::Object(
            [(
                "on_approval".to_string(),
                Value::Object(
                    pairs
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.clone()))
                        .collect(),
                ),
            )]
            .into_iter()
            .collect(),
        )
    };
    let unknown = Value::Unknown { refinement: None };
    let summaries = |cfg: &Value| {
        let mut d = Diagnostics::new();
        validate_hook(cfg, &mut d);
        d.0.into_iter().map(|x| x.summary).collect::<Vec<_>>()
    };
    // a module input at validate: either token may still turn out null
    assert!(summaries(&hook(&[
        ("trigger_token", unknown.clone()),
        ("trigger_token_wo", unknown.clone()),
        ("trigger_token_wo_version", unknown.clone()),
    ]))
    .is_empty());
    assert_eq!(
        summaries(&hook(&[
            ("trigger_token", Value::string("a")),
            ("trigger_token_wo", Value::string("b")),
        ])),
        vec!["Two trigger tokens"]
    );
    assert_eq!(
        summaries(&hook(&[
            ("trigger_token", Value::string("a")),
            (
                "trigger_token_wo_version",
                Value::Number(mlops_framework::Number::from_i64(1))
            ),
        ])),
        vec!["Version without a write-only token"]
    );
    assert!(summaries(&hook(&[
        ("trigger_token_wo", Value::string("b")),
        (
            "trigger_token_wo_version",
            Value::Number(mlops_framework::Number::from_i64(1))
        ),
    ]))
    .is_empty());
}
