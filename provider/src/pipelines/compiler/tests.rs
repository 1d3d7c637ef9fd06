use super::*;

fn step(name: &str, body: Json) -> Step {
    let mut j = json!({"name": name});
    if let (Some(o), Some(b)) = (j.as_object_mut(), body.as_object()) {
        o.extend(b.clone());
    }
    serde_json::from_value(j).expect("step fixture")
}

fn fail(name: &str, msg: &str) -> Step {
    step(name, json!({"fail": {"error_message": msg}}))
}

fn compile_steps(params: &[Parameter], steps: &[Step]) -> Result<Json, Diagnostics> {
    compile(&Spec {
        pipeline_name: "P",
        role_arn: "arn:aws:iam::123456789012:role/R",
        default_bucket: Some("b"),
        region: Some("eu-west-1"),
        parameters: params,
        steps,
    })
}

fn errors(r: Result<Json, Diagnostics>) -> Vec<String> {
    r.err()
        .map(|d| {
            d.0.iter()
                .map(|x| format!("{}: {}", x.summary, x.detail))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn join_merges_text_and_keeps_single_refs() {
    assert_eq!(join(vec![json!("a"), json!("b")]), json!("ab"));
    assert_eq!(join(vec![json!({"Get": "X"})]), json!({"Get": "X"}));
    assert_eq!(join(vec![]), json!(""));
    assert_eq!(
        join(vec![
            json!("s3://b/"),
            json!({"Get": "X"}),
            json!(""),
            json!("/o")
        ]),
        json!({"Std:Join": {"On": "", "Values": ["s3://b/", {"Get": "X"}, "/o"]}})
    );
}

#[test]
fn parameter_defaults_are_typed() {
    assert_eq!(typed_literal("Integer", "3"), Some(json!(3)));
    assert_eq!(typed_literal("Integer", "3.5"), None);
    assert_eq!(
        typed_literal("Float", "10.0").map(|j| j.to_string()),
        Some("10.0".into())
    );
    assert_eq!(typed_literal("Boolean", "true"), Some(json!(true)));
    assert_eq!(typed_literal("Boolean", "yes"), None);
    assert_eq!(typed_literal("String", "x"), Some(json!("x")));
}

#[test]
fn condition_branches_are_nested_and_removed_from_the_top() {
    let steps = vec![
        step(
            "C",
            json!({"condition": {"comparison": [{"type": "Equals", "left": "1", "right": "true"}], "if_steps": ["A"], "else_steps": ["B"]}}),
        ),
        fail("A", "a"),
        fail("B", "{{ execution.PipelineExecutionId }}"),
    ];
    let d = compile_steps(&[], &steps).expect("compiles");
    let top = d["Steps"].as_array().expect("steps");
    assert_eq!(top.len(), 1);
    let a = &top[0]["Arguments"];
    assert_eq!(a["IfSteps"][0]["Name"], "A");
    assert_eq!(
        a["ElseSteps"][0]["Arguments"]["ErrorMessage"],
        json!({"Get": "Execution.PipelineExecutionId"})
    );
    assert_eq!(a["Conditions"][0]["LeftValue"], json!(1));
    assert_eq!(a["Conditions"][0]["RightValue"], json!(true));
}

#[test]
fn cycles_through_branches_are_found() {
    // C branches to A, and C waits for A: a cycle.
    let steps = vec![
        step(
            "C",
            json!({"depends_on": ["A"], "condition": {"comparison": [{"type": "Equals", "left": "1", "right": "1"}], "if_steps": ["A"]}}),
        ),
        fail("A", "a"),
    ];
    let e = errors(compile_steps(&[], &steps));
    assert!(e.iter().any(|x| x.contains("Dependency cycle")), "{e:?}");
}

#[test]
fn a_step_in_two_branches_is_rejected() {
    let cond = |n: &str| {
        step(
            n,
            json!({"condition": {"comparison": [{"type": "Equals", "left": "1", "right": "1"}], "if_steps": ["A"]}}),
        )
    };
    let e = errors(compile_steps(
        &[],
        &[cond("C1"), cond("C2"), fail("A", "a")],
    ));
    assert!(
        e.iter().any(|x| x.contains("more than one branch")),
        "{e:?}"
    );
}

#[test]
fn best_model_of_a_tuning_step() {
    let steps = vec![
        step(
            "Tune",
            json!({"tuning": {
                "training": {"image_uri": "i", "instance_type": "ml.m5.xlarge", "output_path": "s3://b/models/"},
                "objective_metric": "validation:rmse", "objective_type": "Minimize", "max_jobs": 4,
                "continuous_range": [{"name": "eta", "min": "0", "max": "1"}]
            }}),
        ),
        step(
            "Eval",
            json!({"fail": {"error_message": "{{ steps.Tune.best_model_artifacts }}"}}),
        ),
    ];
    let d = compile_steps(&[], &steps).expect("compiles");
    assert_eq!(
        d["Steps"][1]["Arguments"]["ErrorMessage"],
        json!({"Std:Join": {"On": "", "Values": ["s3://b/models/", {"Get": "Steps.Tune.TrainingJobSummaries[0].TrainingJobName"}, "/output/model.tar.gz"]}})
    );
    let cfg = &d["Steps"][0]["Arguments"]["HyperParameterTuningJobConfig"];
    assert_eq!(
        cfg["ParameterRanges"]["ContinuousParameterRanges"][0]["MinValue"],
        "0"
    );
    assert!(d["Steps"][0]["Arguments"]["TrainingJobDefinition"]
        ["HyperParameterTuningResourceConfig"]
        .is_object());
}

#[test]
fn unknown_values_pass_checks_and_mark_the_definition() {
    let steps = vec![step(
        "Train",
        json!({"training": {"image_uri": UNKNOWN, "instance_type": UNKNOWN, "output_path": UNKNOWN}}),
    )];
    let d = compile_steps(&[], &steps).expect("compiles");
    assert!(contains_unknown(&d));
}
