"""Abalone preprocessing (training): split the raw CSV into train/validation/test.

The pipeline's `code` names this file; the provider uploads it at apply under its
content hash (s3://<bucket>/TrainingPipeline/code/<sha256>/preprocess.py).
"""
import os

import numpy as np
import pandas as pd

BASE = "/opt/ml/processing"

if __name__ == "__main__":
    df = pd.read_csv(os.path.join(BASE, "input", "training-data.csv"), header=None)
    df = pd.get_dummies(df, columns=[0], dtype=float)  # sex -> one-hot
    df = df[[8] + [c for c in df.columns if c != 8]]  # label (rings) first
    df = df.sample(frac=1.0, random_state=42)
    n = len(df)
    train, validation, test = np.split(df, [int(0.7 * n), int(0.85 * n)])
    for name, part in (("train", train), ("validation", validation), ("test", test)):
        part.to_csv(os.path.join(BASE, name, f"{name}.csv"), header=False, index=False)
