//! The resource policy that shares a model package group with other accounts.

use std::collections::BTreeSet;

/// Model package ARNs name the group in lower case.
pub(super) fn policy_for(
    group_arn: &str,
    name: &str,
    accounts: &BTreeSet<String>,
) -> Option<String> {
    if accounts.is_empty() {
        return None;
    }
    // arn:<partition>:sagemaker:<region>:<account>:model-package-group/<name>
    let parts: Vec<&str> = group_arn.splitn(6, ':').collect();
    let (partition, region, owner) = (parts.get(1)?, parts.get(3)?, parts.get(4)?);
    let principals: Vec<String> = accounts
        .iter()
        .map(|a| format!("arn:{partition}:iam::{a}:root"))
        .collect();
    let packages = format!(
        "arn:{partition}:sagemaker:{region}:{owner}:model-package/{}/*",
        name.to_ascii_lowercase()
    );
    let doc = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "MlopsSharedGroupRead",
                "Effect": "Allow",
                "Principal": {"AWS": principals},
                "Action": ["sagemaker:DescribeModelPackageGroup"],
                "Resource": group_arn,
            },
            {
                "Sid": "MlopsSharedVersionsReadDeploy",
                "Effect": "Allow",
                "Principal": {"AWS": principals},
                "Action": [
                    "sagemaker:DescribeModelPackage",
                    "sagemaker:ListModelPackages",
                    "sagemaker:CreateModel"
                ],
                "Resource": packages,
            }
        ]
    });
    serde_json::to_string(&doc).ok()
}

/// Account IDs named as principals in Allow statements of a policy document.
pub(super) fn accounts_in_policy(policy: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let Ok(doc) = serde_json::from_str::<serde_json::Value>(policy) else {
        return out;
    };
    let stmts = match doc.get("Statement") {
        Some(serde_json::Value::Array(a)) => a.clone(),
        Some(s) => vec![s.clone()],
        None => vec![],
    };
    for s in stmts {
        if s.get("Effect").and_then(|e| e.as_str()) != Some("Allow") {
            continue;
        }
        let p = s.get("Principal").and_then(|p| p.get("AWS")).cloned();
        let list = match p {
            Some(serde_json::Value::String(x)) => vec![x],
            Some(serde_json::Value::Array(a)) => a
                .into_iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect(),
            _ => vec![],
        };
        for p in list {
            // "123456789012" or "arn:aws:iam::123456789012:root"
            let id = p.split(':').nth(4).unwrap_or(&p).to_string();
            if id.len() == 12 && id.chars().all(|c| c.is_ascii_digit()) {
                out.insert(id);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_round_trip() {
        let accts: BTreeSet<String> = ["111111111111", "222222222222"]
            .into_iter()
            .map(String::from)
            .collect();
        let p = policy_for(
            "arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/Churn",
            "Churn",
            &accts,
        )
        .unwrap();
        assert!(p.contains("model-package/churn/*"));
        assert!(p.contains("arn:aws:iam::111111111111:root"));
        assert_eq!(accounts_in_policy(&p), accts);
        assert!(policy_for("arn:aws:x", "n", &BTreeSet::new()).is_none());
    }
}
