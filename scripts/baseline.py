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
With --thresholds (fraud; the CSV written with `moed moe features --traffic`) it also puts the
baseline at the chain's operating point: scores as the chain gives them (0..10000), the flag and
reject thresholds chosen on the validation traffic by decision 005's rule (as `moed train` chooses
the model's), then the held-out figures `moed moe eval` prints without abstention (boosting has no
envelope): held-back worlds flagged and rejected, the held-out accounts' transactions, fraud
accounts with a transaction rejected, the drainers' transactions.
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
    ap.add_argument("--thresholds", action="store_true",
                    help="fraud: choose flag and reject on the validation traffic by decision 005's rule and count the held-out traffic at them")
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
        if a.thresholds:
            part = data[:, col["held_out"]]
            if not (part == 4).any():
                sys.exit(f"{a.csv}: no validation traffic: write it with `moed moe features --task fraud --traffic`")
            def scores(rows):
                q = next(itertools.islice(model.staged_predict_proba(x[rows]), best, None))[:, list(model.classes_).index(1)]
                return np.floor(q * 10000 + 0.5).astype(np.int64)  # the chain's score: lround(p * 10000)
            operating_point(data, col, y, part, scores)
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


REJECT_ACCOUNT_BUDGET = 500  # moe/offline/task_eval.hpp kRejectAccountBudget
FLAG_BUDGET = 0.005          # kFlagBudget


def choose_thresholds(generated, benign_rows, benign_account_max):
    """Decision 005's rule, as nn::choose_thresholds: reject above every generated ordinary row
    and every row of all but 1 in 500 benign accounts; flag at the lowest score flagging at most
    0.5% of either the generated rows or the benign accounts' rows."""
    g, b, acc = np.sort(generated), np.sort(benign_rows), np.sort(benign_account_max)
    allowed = len(acc) // REJECT_ACCOUNT_BUDGET
    top_benign = acc[len(acc) - 1 - allowed] if len(acc) > allowed else 0
    reject = min(max(int(g[-1]) if len(g) else 0, int(top_benign)) + 1, 10001)

    def lowest(v):
        n = int(FLAG_BUDGET * len(v))
        return 0 if len(v) <= n else int(v[len(v) - 1 - n]) + 1
    return min(reject, max(lowest(g), lowest(b))), reject


def operating_point(data, col, y, part, scores):
    account = data[:, col["account"]].astype(np.int64)
    val = part == 3
    s_val = scores(val)
    benign_val = y[val] == 0
    acc_val = account[val]
    benign_max = [s_val[benign_val & (acc_val == k)].max() for k in np.unique(acc_val[benign_val])]
    flag, reject = choose_thresholds(scores(part == 4), s_val[benign_val], benign_max)
    print(f"thresholds from validation: flag_score={flag} reject_score={reject}")

    def line(name, s):
        n = len(s)
        print(f"  {name:34s} {n:7d} rows: flagged {(s >= flag).sum():6d} ({(s >= flag).sum() / max(n, 1):.5f}), "
              f"rejected {(s >= reject).sum():6d} ({(s >= reject).sum() / max(n, 1):.5f})")
    held = part == 1
    s_held, acc_held, y_held = scores(held), account[held], y[held]
    s_worlds, s_drained = scores(part == 6), scores(part == 7)
    line("held-back generated worlds", s_worlds)
    line("held-out benign accounts' txs", s_held[y_held == 0])
    line("held-out fraud accounts' txs", s_held[y_held == 1])
    line("held-back drainers' transactions", s_drained)
    fraud_accounts = np.unique(acc_held[y_held == 1])
    benign_accounts = np.unique(acc_held[y_held == 0])
    fraud_max = np.array([s_held[acc_held == k].max() for k in fraud_accounts])
    benign_max_held = np.array([s_held[acc_held == k].max() for k in benign_accounts])
    print(f"  held-out fraud accounts with a transaction flagged {(fraud_max >= flag).sum()}/{len(fraud_accounts)} "
          f"({(fraud_max >= flag).mean():.4f}), rejected {(fraud_max >= reject).sum()}/{len(fraud_accounts)} ({(fraud_max >= reject).mean():.4f})")
    print(f"  held-out benign accounts with a transaction at the reject score {(benign_max_held >= reject).sum()}/{len(benign_accounts)}")
    print(f"false_flag={(s_worlds >= flag).mean():.5f} false_reject={(s_worlds >= reject).mean():.5f} "
          f"fraud_recall_at_reject={(fraud_max >= reject).mean():.4f} drainer_recall_at_reject={(s_drained >= reject).mean():.4f}")


if __name__ == "__main__":
    main()
