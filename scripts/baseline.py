#!/usr/bin/python3
"""Gradient-boosting baseline on the same features and split as the MoE models.

    moed moe features --task contract --data ../shared/data --out /tmp/contract.csv
    scripts/baseline.py contract /tmp/contract.csv
    moed moe features --task fraud --data ../shared/data/eth_fraud_accounts_and_txns --out /tmp/fraud.csv
    scripts/baseline.py fraud /tmp/fraud.csv

Trains sklearn's HistGradientBoostingClassifier on the rows with held_out=0 and reports on the
rows with held_out=1 (the groups `moed moe eval` evaluates), and for contract on the live set
(held_out=2). Fraud figures are per account: the
mean probability of the rows screening its transactions, flagged at 0.5, as moed does.
Fraud trains on exactly what `moed train --task fraud` trains on (the features command writes
its rows: 64 per training account and the generated worlds' rows, with the same options): the
rows marked validation=0, and, as the MoE's early stopping, it keeps the number of boosting
iterations whose class-balanced log loss on the rows marked validation=1 is lowest. With
--validation it reports on the trainer's validation accounts (held_out=3, all their rows, what
`moed moe eval --validation` scores) instead of the held-out ones: the figures choices are made on.
With --cross-validate (contract) it does what `moed train --cross-validate` does, on the `fold`
column: per fold, trains on the training part's other folds and predicts that one; the
predictions are pooled and reported (figures that choices are made on; no held-out, no live set).
Needs python3-sklearn (Debian).
"""
import argparse
import itertools
import sys

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import confusion_matrix, f1_score, log_loss, precision_recall_fscore_support, roc_auc_score

CLASSES = ["erc20", "erc721", "proxy", "wallet", "ponzi", "other", "erc1155", "dex", "factory"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("task", choices=["contract", "fraud"])
    ap.add_argument("csv")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--cross-validate", action="store_true", help="contract: pooled figures over the folds of the training groups")
    ap.add_argument("--validation", action="store_true", help="fraud: report on the trainer's validation accounts, not the held-out ones")
    ap.add_argument("--class-weights", choices=["balanced", "sqrt", "none"], default="balanced",
                    help="fraud: each class's weight, as `moed train --class-weights` (inverse class frequency, its square root, or 1)")
    a = ap.parse_args()
    with open(a.csv) as f:
        header = f.readline().strip().split(",")
    data = np.loadtxt(a.csv, delimiter=",", skiprows=1, dtype=np.float64)
    if data.ndim != 2 or data.shape[0] == 0:
        sys.exit(f"{a.csv}: no rows")
    col = {name: i for i, name in enumerate(header)}
    nfeat = sum(1 for h in header if h.startswith("f") and h[1:].isdigit())
    x, y = data[:, :nfeat], data[:, col["label"]].astype(int)
    held = data[:, col["held_out"]] == 1
    train = data[:, col["held_out"]] == 0
    live = data[:, col["held_out"]] == 2  # contract: the live set, never trained on
    if a.cross_validate:
        if a.task != "contract" or "fold" not in col:
            sys.exit(f"{a.csv}: --cross-validate needs the fold column of contract features")
        fold = data[:, col["fold"]]
        yt, pred = [], []
        for k in sorted(set(fold[train & (fold >= 0)].astype(int))):
            m = HistGradientBoostingClassifier(random_state=a.seed, class_weight="balanced", max_iter=300)
            m.fit(x[train & (fold != k)], y[train & (fold != k)])
            v = train & (fold == k)
            yt.append(y[v])
            pred.append(m.classes_[m.predict_proba(x[v]).argmax(axis=1)])
        yt, pred = np.concatenate(yt), np.concatenate(pred)
        live = np.zeros_like(live)  # counted once, at the end
    elif a.task == "fraud":
        if "validation" not in col:
            sys.exit(f"{a.csv}: no validation column: write it with this moed's `moed moe features --task fraud`")
        marked = data[:, col["validation"]] == 1
        fit, watch = train & ~marked, train & marked
        # Class weights over the rows it fits, as `moed train` weighs its classes (capped alike).
        counts = np.bincount(y[fit], minlength=2).astype(np.float64)
        class_weight = len(y[fit]) / (2 * np.maximum(counts, 1))
        if a.class_weights == "sqrt":
            class_weight = np.sqrt(class_weight)
        elif a.class_weights == "none":
            class_weight = np.ones(2)
        class_weight = np.clip(class_weight, 0.05, 20.0)
        model = HistGradientBoostingClassifier(random_state=a.seed, max_iter=300, early_stopping=False)
        model.fit(x[fit], y[fit], sample_weight=class_weight[y[fit]])
        # Early stopping on the trainer's validation rows: the iteration count with the lowest
        # class-balanced log loss there.
        losses = [log_loss(y[watch], q, sample_weight=class_weight[y[watch]], labels=[0, 1]) for q in model.staged_predict_proba(x[watch])]
        best = int(np.argmin(losses))
        print(f"boosting iterations: {best + 1} of {len(losses)} (validation log loss {losses[best]:.5f})")
        if a.validation:
            held = data[:, col["held_out"]] == 3
        p = next(itertools.islice(model.staged_predict_proba(x[held]), best, None))
        yt = y[held]
    else:
        model = HistGradientBoostingClassifier(random_state=a.seed, class_weight="balanced", max_iter=300)
        model.fit(x[train], y[train])
        p = model.predict_proba(x[held])
        yt = y[held]
    if a.task == "contract":
        if not a.cross_validate:
            pred = model.classes_[p.argmax(axis=1)]
        labels = list(range(len(CLASSES)))
        pr, rc, f1, sup = precision_recall_fscore_support(yt, pred, labels=labels, zero_division=0)
        print(f"{'class':10s} {'precision':>9s} {'recall':>9s} {'f1':>9s} {'support':>8s}")
        for i, name in enumerate(CLASSES):
            print(f"{name:10s} {pr[i]:9.4f} {rc[i]:9.4f} {f1[i]:9.4f} {sup[i]:8d}")
        print("confusion (rows: truth, columns: predicted)")
        print(confusion_matrix(yt, pred, labels=labels))
        present = [i for i in labels if sup[i] > 0]
        if live.any():
            lp = model.classes_[model.predict_proba(x[live]).argmax(axis=1)]
            lt = y[live]
            for t, q in zip(lt, lp):
                print(f"live {CLASSES[t]:8s} -> {CLASSES[q]}")
            print(f"live set: {int((lp == lt).sum())} of {len(lt)} right")
        print(f"macro_f1={np.mean([f1[i] for i in present]):.4f}")
    else:
        acc = data[held, col["account"]].astype(int)
        score = p[:, list(model.classes_).index(1)]
        accounts = np.unique(acc)
        mean = np.array([score[acc == k].mean() for k in accounts])
        truth = np.array([yt[acc == k][0] for k in accounts])
        flagged = (mean >= 0.5).astype(int)
        pr, rc, f1, _ = precision_recall_fscore_support(truth, flagged, average="binary", zero_division=0)
        print(f"accounts {len(accounts)} (fraud {truth.sum()})")
        print(f"precision {pr:.4f} recall {rc:.4f} f1 {f1:.4f} roc_auc {roc_auc_score(truth, mean):.4f}")
        print(f"per screened row: f1 {f1_score(yt, (score >= 0.5).astype(int)):.4f} roc_auc {roc_auc_score(yt, score):.4f}")
        print(f"f1={f1:.4f}")


if __name__ == "__main__":
    main()
