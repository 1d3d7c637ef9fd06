//! SageMaker catalog data: which instance types each job kind accepts (generated from
//! botocore, [`instance_types`](crate::sagemaker::instance_types)) and the regional Model
//! Monitor analyzer images. Used by the pipeline compiler, endpoints and monitors.

pub use super::instance_types::{PROCESSING, REALTIME, TRAINING, TRANSFORM};

/// SageMaker's Model Monitor analyzer image for a region (from the SageMaker Python SDK's
/// image table).
pub fn analyzer_image(region: &str) -> Option<String> {
    let account = MONITOR_ACCOUNTS.iter().find(|(r, _)| *r == region)?.1;
    let domain = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    Some(format!(
        "{account}.dkr.ecr.{region}.{domain}/sagemaker-model-monitor-analyzer"
    ))
}

/// Region -> account of the Model Monitor analyzer image (the SageMaker Python SDK's
/// `image_uri_config/model-monitor.json`, sagemaker 2.257.7).
const MONITOR_ACCOUNTS: &[(&str, &str)] = &[
    ("af-south-1", "875698925577"),
    ("ap-east-1", "001633400207"),
    ("ap-northeast-1", "574779866223"),
    ("ap-northeast-2", "709848358524"),
    ("ap-northeast-3", "990339680094"),
    ("ap-south-1", "126357580389"),
    ("ap-southeast-1", "245545462676"),
    ("ap-southeast-2", "563025443158"),
    ("ap-southeast-3", "669540362728"),
    ("ca-central-1", "536280801234"),
    ("cn-north-1", "453000072557"),
    ("cn-northwest-1", "453252182341"),
    ("eu-central-1", "048819808253"),
    ("eu-central-2", "590183933784"),
    ("eu-north-1", "895015795356"),
    ("eu-south-1", "933208885752"),
    ("eu-south-2", "437450045455"),
    ("eu-west-1", "468650794304"),
    ("eu-west-2", "749857270468"),
    ("eu-west-3", "680080141114"),
    ("il-central-1", "843974653677"),
    ("me-central-1", "588750061953"),
    ("me-south-1", "607024016150"),
    ("sa-east-1", "539772159869"),
    ("us-east-1", "156813124566"),
    ("us-east-2", "777275614652"),
    ("us-west-1", "890145073186"),
    ("us-west-2", "159807026194"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_analyzer_image_follows_the_region() {
        assert_eq!(
            analyzer_image("eu-west-1").as_deref(),
            Some("468650794304.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-model-monitor-analyzer")
        );
        assert!(analyzer_image("cn-north-1")
            .is_some_and(|i| i.ends_with(".amazonaws.com.cn/sagemaker-model-monitor-analyzer")));
        assert_eq!(analyzer_image("mars-1"), None);
    }
}
