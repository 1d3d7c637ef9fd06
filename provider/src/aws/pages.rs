//! Following an AWS list API's pages up to a limit.

/// The items of a paginated list request (`client.list_x().into_paginator()`), at most
/// `limit`, as `Result<Vec<_>, Diagnostics>`; an API error names the operation.
macro_rules! take_items {
    ($paginator:expr, $limit:expr, $op:expr, $subject:expr) => {{
        let mut stream = $paginator.items().send();
        let mut out = Vec::new();
        let mut failed = None;
        while out.len() < $limit {
            match stream.next().await {
                Some(Ok(item)) => out.push(item),
                Some(Err(e)) => {
                    failed = Some($crate::aws::api_error($op, $subject, &e));
                    break;
                }
                None => break,
            }
        }
        match failed {
            Some(d) => Err(mlops_framework::Diagnostics::from(d)),
            None => Ok(out),
        }
    }};
}

pub(crate) use take_items;
