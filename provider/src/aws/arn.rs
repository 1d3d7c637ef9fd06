//! Amazon Resource Names: `arn:<partition>:<service>:<region>:<account>:<resource>`.

/// The parts of an ARN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account_id: &'a str,
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// Split an ARN; the error says what is wrong in words a user can act on.
    pub fn parse(s: &'a str) -> Result<Arn<'a>, String> {
        let parts: Vec<&str> = s.splitn(6, ':').collect();
        if parts.len() != 6 || parts[0] != "arn" {
            return Err(format!(
                "{s:?} is not an ARN: an ARN has six parts, arn:<partition>:<service>:<region>:<account>:<resource>"
            ));
        }
        let arn = Arn {
            partition: parts[1],
            service: parts[2],
            region: parts[3],
            account_id: parts[4],
            resource: parts[5],
        };
        if !arn.partition.starts_with("aws") {
            return Err(format!(
                "{s:?} has partition {:?}: AWS partitions are aws, aws-cn, aws-us-gov...",
                arn.partition
            ));
        }
        if !arn.account_id.is_empty()
            && (arn.account_id.len() != 12 || !arn.account_id.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(format!(
                "{s:?} has account {:?}: an AWS account ID is 12 digits",
                arn.account_id
            ));
        }
        Ok(arn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_the_six_parts_and_keeps_colons_in_the_resource() {
        let a = Arn::parse("arn:aws:logs:eu-west-1:123456789012:log-group:/aws/x:*").unwrap();
        assert_eq!(a.service, "logs");
        assert_eq!(a.region, "eu-west-1");
        assert_eq!(a.account_id, "123456789012");
        assert_eq!(a.resource, "log-group:/aws/x:*");
        assert!(Arn::parse("arn:aws:iam::123456789012:role/x")
            .unwrap()
            .region
            .is_empty());
    }

    #[test]
    fn refuses_what_is_not_an_arn() {
        assert!(Arn::parse("churn/1").unwrap_err().contains("six parts"));
        assert!(Arn::parse("arn:gcp:s:r:123456789012:x")
            .unwrap_err()
            .contains("partition"));
        assert!(Arn::parse("arn:aws:s:r:1234:x")
            .unwrap_err()
            .contains("12 digits"));
    }
}
