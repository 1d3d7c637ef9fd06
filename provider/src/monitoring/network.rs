//! The `network` block: the VPC, isolation and encryption settings of the monitoring jobs
//! (in a job definition) and the baselining job (in a processing job), and reading them back.

use std::collections::BTreeSet;

use aws_sdk_sagemaker::types::{MonitoringNetworkConfig, NetworkConfig, VpcConfig};

use super::model::{MonitorState, Network};

fn vpc(n: &Network) -> Option<VpcConfig> {
    match (&n.subnet_ids, &n.security_group_ids) {
        (Some(sn), Some(sg)) if !sn.is_empty() && !sg.is_empty() => Some(
            VpcConfig::builder()
                .set_subnets(Some(sn.iter().cloned().collect()))
                .set_security_group_ids(Some(sg.iter().cloned().collect()))
                .build(),
        ),
        _ => None,
    }
}

/// The `network` block as a job definition's network config (the monitoring jobs).
pub(super) fn monitoring_network(s: &MonitorState) -> Option<MonitoringNetworkConfig> {
    s.network.as_ref().map(|n| {
        MonitoringNetworkConfig::builder()
            .enable_network_isolation(n.enable_network_isolation.unwrap_or(false))
            .enable_inter_container_traffic_encryption(
                n.enable_inter_container_traffic_encryption.unwrap_or(false),
            )
            .set_vpc_config(vpc(n))
            .build()
    })
}

/// The `network` block of a definition's network config; `None` when it holds only defaults
/// and the prior state had no block either.
pub(super) fn network_from(
    net: Option<&MonitoringNetworkConfig>,
    prior: Option<&Network>,
) -> Option<Network> {
    let isolation = net
        .and_then(|n| n.enable_network_isolation())
        .unwrap_or(false);
    let encryption = net
        .and_then(|n| n.enable_inter_container_traffic_encryption())
        .unwrap_or(false);
    let v = net.and_then(|n| n.vpc_config());
    let subnets: Option<BTreeSet<String>> = v.map(|v| v.subnets().iter().cloned().collect());
    let groups: Option<BTreeSet<String>> =
        v.map(|v| v.security_group_ids().iter().cloned().collect());
    if prior.is_none() && !isolation && !encryption && subnets.is_none() {
        return None;
    }
    Some(Network {
        subnet_ids: subnets,
        security_group_ids: groups,
        enable_network_isolation: Some(isolation),
        enable_inter_container_traffic_encryption: Some(encryption),
    })
}

/// The `network` block as a processing job's network config (the baselining job).
pub(super) fn processing_network(s: &MonitorState) -> Option<NetworkConfig> {
    s.network.as_ref().map(|n| {
        NetworkConfig::builder()
            .enable_network_isolation(n.enable_network_isolation.unwrap_or(false))
            .enable_inter_container_traffic_encryption(
                n.enable_inter_container_traffic_encryption.unwrap_or(false),
            )
            .set_vpc_config(vpc(n))
            .build()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_reads_back_without_inventing_a_block() {
        assert_eq!(network_from(None, None), None);
        let plain = MonitoringNetworkConfig::builder()
            .enable_network_isolation(false)
            .build();
        assert_eq!(network_from(Some(&plain), None), None);
        let n = network_from(
            Some(&plain),
            Some(&Network {
                subnet_ids: None,
                security_group_ids: None,
                enable_network_isolation: Some(false),
                enable_inter_container_traffic_encryption: None,
            }),
        )
        .unwrap();
        assert_eq!(n.enable_inter_container_traffic_encryption, Some(false));
        let vpc = MonitoringNetworkConfig::builder()
            .vpc_config(
                VpcConfig::builder()
                    .subnets("subnet-1")
                    .security_group_ids("sg-1")
                    .build(),
            )
            .build();
        let n = network_from(Some(&vpc), None).unwrap();
        assert_eq!(n.subnet_ids, Some(BTreeSet::from(["subnet-1".to_string()])));
    }
}
