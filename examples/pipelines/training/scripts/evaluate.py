"""Abalone model evaluation: writes evaluation.json with regression_metrics.mse.value.

Read by the pipelines' PropertyFile "EvaluationReport" (JsonGet
"regression_metrics.mse.value").
"""
import json
import os
import tarfile

import pandas as pd
import xgboost

BASE = "/opt/ml/processing"

if __name__ == "__main__":
    with tarfile.open(os.path.join(BASE, "model", "model.tar.gz")) as tar:
        tar.extractall(path=".")
    model = xgboost.Booster()
    model.load_model("xgboost-model")
    df = pd.read_csv(os.path.join(BASE, "test", "test.csv"), header=None)
    y = df.iloc[:, 0].to_numpy()
    predictions = model.predict(xgboost.DMatrix(df.iloc[:, 1:].values))
    mse = float(((y - predictions) ** 2).mean())
    report = {"regression_metrics": {"mse": {"value": mse, "standard_deviation": float(y.std())}}}
    os.makedirs(os.path.join(BASE, "evaluation"), exist_ok=True)
    with open(os.path.join(BASE, "evaluation", "evaluation.json"), "w") as f:
        json.dump(report, f)
