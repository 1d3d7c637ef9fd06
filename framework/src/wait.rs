//! Waiting for remote state changes with a timeout, cancellation (StopProvider) and
//! progress logs.

use std::future::Future;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use crate::diag::{Diagnostic, Diagnostics};
use crate::timeouts::format_duration;

/// One observation while waiting.
pub enum Check<T> {
    /// Finished, with a result.
    Done(T),
    /// Not yet; the string describes the current status for the progress log.
    Pending(String),
}

/// Polling intervals: start small, back off to `max`.
#[derive(Clone, Copy, Debug)]
pub struct Backoff {
    pub initial: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        // MLOPS_POLL_INTERVAL_MS shortens polling against local emulators.
        let initial = std::env::var("MLOPS_POLL_INTERVAL_MS")
            .ok()
            .and_then(|s| s.parse().ok())
            .map(Duration::from_millis)
            .unwrap_or(Duration::from_secs(2));
        Backoff {
            initial,
            max: std::cmp::max(initial, Duration::from_secs(20)),
        }
    }
}

/// Poll until `check` says done, the timeout passes, or the provider is stopped.
pub async fn wait_for<T, F, Fut>(
    what: &str,
    timeout: Duration,
    cancel: &CancellationToken,
    backoff: Backoff,
    mut check: F,
) -> Result<T, Diagnostics>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Check<T>, Diagnostics>>,
{
    let start = Instant::now();
    let mut interval = backoff.initial;
    loop {
        let status = tokio::select! {
            r = check() => r?,
            _ = cancel.cancelled() => return Err(cancelled(what)),
        };
        match status {
            Check::Done(t) => {
                tracing::info!(what, elapsed = %format_duration(start.elapsed()), "done waiting");
                return Ok(t);
            }
            Check::Pending(s) => {
                let elapsed = start.elapsed();
                if elapsed >= timeout {
                    return Err(Diagnostic::error(
                        format!("Timed out waiting for {what}"),
                        format!(
                            "Still {s} after {}. Raise the timeout in the resource's `timeouts` block if this operation legitimately takes longer; the object is kept in state.",
                            format_duration(elapsed)
                        ),
                    )
                    .into());
                }
                tracing::info!(what, status = %s, elapsed = %format_duration(elapsed), "still waiting");
                let sleep = std::cmp::min(interval, timeout.saturating_sub(elapsed));
                tokio::select! {
                    _ = tokio::time::sleep(sleep) => {}
                    _ = cancel.cancelled() => return Err(cancelled(what)),
                }
                interval = std::cmp::min(interval * 2, backoff.max);
            }
        }
    }
}

/// What a pure status classifier says about one observation of a remote object (the
/// shape of kube-runtime's `Condition`, or the AWS provider's pending/target statuses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// The object reached the status the wait is for.
    Target,
    /// Still on its way; the text is its status for the progress log.
    Pending(String),
    /// A terminal failure; the text is the service's reason.
    Failed(String),
}

/// What a wait is for: the object to settle in its target status, or to be gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// The object must exist; its disappearance is an error.
    Present,
    /// The object must go away; `None` from the finder ends the wait.
    Absent,
}

/// How a [`wait_until`] ended (timeouts and cancellation are `Err`).
#[derive(Debug)]
pub enum Waited<O> {
    /// Reached: the last observation (`None` when waiting for absence).
    Reached(Option<O>),
    /// The classifier said [`Phase::Failed`]: the reason and the object as last seen.
    Failed { reason: String, object: O },
}

/// The one wait loop for remote objects: `find` is the object's finder (`Ok(None)` when it
/// does not exist, every other error surfaces), `classify` its pure status classifier.
/// Timeout, cancellation and progress logs come from [`wait_for`].
pub async fn wait_until<O, F, Fut>(
    what: &str,
    timeout: Duration,
    cancel: &CancellationToken,
    want: Want,
    mut find: F,
    classify: impl Fn(&O) -> Phase,
) -> Result<Waited<O>, Diagnostics>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<O>, Diagnostics>>,
{
    wait_for(what, timeout, cancel, Backoff::default(), || {
        let found = find();
        let classify = &classify;
        async move {
            Ok(match (found.await?, want) {
                (None, Want::Absent) => Check::Done(Waited::Reached(None)),
                (None, Want::Present) => {
                    return Err(Diagnostic::error(
                        "Object vanished",
                        format!("It was deleted by someone else while waiting for {what}."),
                    )
                    .into())
                }
                (Some(o), _) => match classify(&o) {
                    Phase::Target if want == Want::Present => Check::Done(Waited::Reached(Some(o))),
                    Phase::Target => Check::Pending("still there".into()),
                    Phase::Pending(s) => Check::Pending(s),
                    Phase::Failed(reason) => Check::Done(Waited::Failed { reason, object: o }),
                },
            })
        }
    })
    .await
}

/// The diagnostic for an operation interrupted by StopProvider.
pub fn cancelled(what: &str) -> Diagnostics {
    Diagnostic::error(
        "Operation cancelled",
        format!("Terraform stopped the provider while waiting for {what}. The object is kept in state; run apply again to continue."),
    )
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn times_out_and_cancels() {
        let cancel = CancellationToken::new();
        let b = Backoff {
            initial: Duration::from_millis(5),
            max: Duration::from_millis(10),
        };
        let r: Result<(), _> = wait_for("x", Duration::from_millis(40), &cancel, b, || async {
            Ok(Check::Pending("Creating".into()))
        })
        .await;
        assert!(r.unwrap_err().0[0].summary.contains("Timed out"));

        let c2 = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(30)).await;
            c2.cancel();
        });
        let t = Instant::now();
        let r: Result<(), _> = wait_for("y", Duration::from_secs(60), &cancel, b, || async {
            Ok(Check::Pending("Creating".into()))
        })
        .await;
        assert!(r.unwrap_err().0[0].summary.contains("cancelled"));
        assert!(t.elapsed() < Duration::from_secs(2));

        let mut n = 0;
        let r = wait_for(
            "z",
            Duration::from_secs(5),
            &CancellationToken::new(),
            b,
            || {
                n += 1;
                let done = n >= 3;
                async move {
                    Ok(if done {
                        Check::Done(n)
                    } else {
                        Check::Pending("p".into())
                    })
                }
            },
        )
        .await
        .unwrap();
        assert_eq!(r, 3);
    }

    #[derive(Debug, Clone, PartialEq)]
    enum Obj {
        Creating,
        InService,
        Failed,
    }

    fn classify(o: &Obj) -> Phase {
        match o {
            Obj::Creating => Phase::Pending("Creating".into()),
            Obj::InService => Phase::Target,
            Obj::Failed => Phase::Failed("bad image".into()),
        }
    }

    async fn run(seq: Vec<Option<Obj>>, want: Want) -> Result<Waited<Obj>, Diagnostics> {
        std::env::set_var("MLOPS_POLL_INTERVAL_MS", "1");
        let seq = std::sync::Mutex::new(seq.into_iter());
        wait_until(
            "the object",
            Duration::from_secs(5),
            &CancellationToken::new(),
            want,
            || {
                let next = seq.lock().unwrap().next().unwrap_or(None);
                async move { Ok(next) }
            },
            classify,
        )
        .await
    }

    #[tokio::test]
    async fn wait_until_classifies() {
        let r = run(
            vec![Some(Obj::Creating), Some(Obj::InService)],
            Want::Present,
        )
        .await;
        assert!(matches!(r, Ok(Waited::Reached(Some(Obj::InService)))));
        let r = run(vec![Some(Obj::Creating), Some(Obj::Failed)], Want::Present).await;
        assert!(
            matches!(r, Ok(Waited::Failed { ref reason, object: Obj::Failed }) if reason == "bad image")
        );
        let r = run(vec![Some(Obj::Creating), None], Want::Present).await;
        assert!(r.unwrap_err().0[0].summary.contains("vanished"));
        let r = run(
            vec![Some(Obj::InService), Some(Obj::Creating), None],
            Want::Absent,
        )
        .await;
        assert!(matches!(r, Ok(Waited::Reached(None))));
    }
}
