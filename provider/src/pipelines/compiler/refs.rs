//! The reference syntax of step values: `{{ ... }}` inside any value string.
//!
//! | Reference | Compiles to |
//! | --- | --- |
//! | `{{ parameters.NAME }}` | `{"Get": "Parameters.NAME"}` |
//! | `{{ execution.PipelineExecutionId }}` (also `PipelineExecutionArn`, `PipelineName`, `PipelineArn`, `StartDateTime`, `CurrentDateTime`) | `{"Get": "Execution.…"}` |
//! | `{{ steps.STEP.outputs.NAME }}` (processing output) | `Steps.STEP.ProcessingOutputConfig.Outputs['NAME'].S3Output.S3Uri` |
//! | `{{ steps.STEP.model_artifacts }}` (training) | `Steps.STEP.ModelArtifacts.S3ModelArtifacts` |
//! | `{{ steps.STEP.best_model_artifacts }}` (tuning) | the best training job's `model.tar.gz` |
//! | `{{ steps.STEP.model_name }}` (create_model) | `Steps.STEP.ModelName` |
//! | `{{ steps.STEP.model_package_arn }}` (register_model) | `Steps.STEP.ModelPackageArn` |
//! | `{{ steps.STEP.transform_output }}` (transform) | `Steps.STEP.TransformOutput.S3OutputPath` |
//! | `{{ steps.STEP.files.FILE.json.path }}` (processing property file) | `{"Std:JsonGet": …}` |
//! | `{{ steps.STEP.<SageMaker property path> }}` e.g. `CalculatedBaselineStatistics` | `Steps.STEP.<path>` |
//!
//! A value that is exactly one reference compiles to that reference; text around references
//! makes a `Std:Join` of the pieces. Write `{{"{{"}}` for a literal `{{`.

/// One piece of a value: literal text or a reference expression (trimmed, unparsed).
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    Text(String),
    Ref(String),
}

/// Split a value into text and references. An opening `{{` without a closing `}}` is an
/// error.
pub fn split(s: &str) -> Result<Vec<Piece>, String> {
    let mut out: Vec<Piece> = Vec::new();
    let mut text = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("{{") {
        text.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        // `{{"{{"}}` is a literal `{{`.
        if let Some(r) = after.strip_prefix("\"{{\"}}") {
            text.push_str("{{");
            rest = r;
            continue;
        }
        let Some(j) = after.find("}}") else {
            return Err(format!(
                "`{{{{` at position {} has no closing `}}}}`. Write `{{{{\"{{{{\"}}}}` for a literal `{{{{`.",
                s.len() - rest.len() + i
            ));
        };
        let expr = after[..j].trim();
        if expr.is_empty() {
            return Err("empty reference `{{ }}`".into());
        }
        if !text.is_empty() {
            out.push(Piece::Text(std::mem::take(&mut text)));
        }
        out.push(Piece::Ref(expr.to_string()));
        rest = &after[j + 2..];
    }
    text.push_str(rest);
    if !text.is_empty() {
        out.push(Piece::Text(text));
    }
    Ok(out)
}

/// A parsed reference expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Ref {
    Parameter(String),
    Execution(String),
    /// `steps.STEP.rest` (rest unparsed: it depends on the step's kind).
    Step {
        step: String,
        rest: String,
    },
}

pub const EXECUTION_PROPERTIES: &[&str] = &[
    "PipelineExecutionId",
    "PipelineExecutionArn",
    "PipelineName",
    "PipelineArn",
    "StartDateTime",
    "CurrentDateTime",
];

/// Parse `parameters.X`, `execution.X` or `steps.X.rest`.
pub fn parse(expr: &str) -> Result<Ref, String> {
    let (root, rest) = expr.split_once('.').unwrap_or((expr, ""));
    let bad = || {
        format!(
            "`{{{{ {expr} }}}}` is not a reference: write `parameters.NAME`, `execution.PROPERTY` or `steps.STEP.PROPERTY`."
        )
    };
    match root {
        "parameters" if !rest.is_empty() && !rest.contains('.') => {
            Ok(Ref::Parameter(rest.to_string()))
        }
        "execution" => {
            if EXECUTION_PROPERTIES.contains(&rest) {
                Ok(Ref::Execution(rest.to_string()))
            } else {
                Err(format!(
                    "`{{{{ {expr} }}}}`: the execution has no property {rest:?}; use one of {}.",
                    EXECUTION_PROPERTIES.join(", ")
                ))
            }
        }
        "steps" => {
            let (step, rest) = rest.split_once('.').unwrap_or((rest, ""));
            if step.is_empty() || rest.is_empty() {
                return Err(bad());
            }
            Ok(Ref::Step {
                step: step.to_string(),
                rest: rest.to_string(),
            })
        }
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_text_and_refs() {
        assert_eq!(
            split("s3://b/{{ execution.PipelineExecutionId }}/out").unwrap(),
            vec![
                Piece::Text("s3://b/".into()),
                Piece::Ref("execution.PipelineExecutionId".into()),
                Piece::Text("/out".into())
            ]
        );
        assert_eq!(
            split("{{parameters.X}}").unwrap(),
            vec![Piece::Ref("parameters.X".into())]
        );
        assert_eq!(split("plain").unwrap(), vec![Piece::Text("plain".into())]);
        assert_eq!(split("").unwrap(), vec![]);
        assert_eq!(
            split("a {{\"{{\"}} b").unwrap(),
            vec![Piece::Text("a {{ b".into())]
        );
        assert!(split("a {{ parameters.X")
            .unwrap_err()
            .contains("no closing"));
        assert!(split("{{ }}").is_err());
    }

    #[test]
    fn parses_refs() {
        assert_eq!(parse("parameters.X").unwrap(), Ref::Parameter("X".into()));
        assert_eq!(
            parse("execution.PipelineExecutionId").unwrap(),
            Ref::Execution("PipelineExecutionId".into())
        );
        assert_eq!(
            parse("steps.Train.ModelArtifacts.S3ModelArtifacts").unwrap(),
            Ref::Step {
                step: "Train".into(),
                rest: "ModelArtifacts.S3ModelArtifacts".into()
            }
        );
        assert!(parse("execution.Nope").unwrap_err().contains("no property"));
        assert!(parse("steps.Train").is_err());
        assert!(parse("parameter.X").is_err());
        assert!(parse("parameters.X.Y").is_err());
    }
}
