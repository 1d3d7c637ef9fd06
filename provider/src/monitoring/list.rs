//! `list "mlops_monitor"` (`terraform query`): the monitors behind the region's SageMaker
//! monitoring schedules. A monitor `churn` runs the schedules `churn-data-quality` and
//! `churn-model-quality`; other schedules are monitors of one check named after themselves.

use std::collections::BTreeSet;

use mlops_framework::list::{Listed, Lister};
use mlops_framework::{async_trait, Diagnostics};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::clients::Clients;
use crate::sagemaker::monitoring::list_schedule_names;

/// Which monitors to list.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct MonitorFilter {
    /// Only monitors whose schedules' names contain this.
    pub name_contains: Option<String>,
    /// Only monitors of this endpoint.
    pub endpoint_name: Option<String>,
}

pub struct MonitorLister;

/// The monitor a schedule belongs to.
fn monitor_of(schedule: &str) -> &str {
    schedule
        .strip_suffix("-data-quality")
        .or_else(|| schedule.strip_suffix("-model-quality"))
        .unwrap_or(schedule)
}

#[async_trait]
impl Lister for MonitorLister {
    type Client = Clients;
    type Config = MonitorFilter;
    const TYPE_NAME: &'static str = "mlops_monitor";

    async fn list(
        &self,
        c: &Clients,
        f: MonitorFilter,
        limit: usize,
    ) -> Result<Vec<Listed>, Diagnostics> {
        // Two schedules per monitor at most.
        let schedules = list_schedule_names(
            c,
            f.name_contains.as_deref(),
            f.endpoint_name.as_deref(),
            limit.saturating_mul(2),
        )
        .await?;
        let mut seen = BTreeSet::new();
        Ok(schedules
            .iter()
            .map(|s| monitor_of(s))
            .filter(|m| seen.insert(m.to_string()))
            .map(Listed::named)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::monitor_of;

    #[test]
    fn schedules_map_to_their_monitor() {
        assert_eq!(monitor_of("churn-data-quality"), "churn");
        assert_eq!(monitor_of("churn-model-quality"), "churn");
        assert_eq!(monitor_of("hand-made"), "hand-made");
    }
}
