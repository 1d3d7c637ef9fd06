"""Abalone preprocessing (batch inference): same feature encoding as training.

Writes inference/inference.csv with the label (rings) as the first column, the
features after it: the transform drops the label (input_filter "$[1:]") and
joins it back to the prediction (output_filter "$[0,-1]") for the model-quality
check.
"""
import os

import pandas as pd

BASE = "/opt/ml/processing"

if __name__ == "__main__":
    df = pd.read_csv(os.path.join(BASE, "input", "inference-data.csv"), header=None)
    df = pd.get_dummies(df, columns=[0], dtype=float)
    df = df[[8] + [c for c in df.columns if c != 8]]
    os.makedirs(os.path.join(BASE, "inference"), exist_ok=True)
    df.to_csv(os.path.join(BASE, "inference", "inference.csv"), header=False, index=False)
