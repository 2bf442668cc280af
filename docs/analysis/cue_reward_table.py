"""The cue-reward table of docs/results.md from a sweep's metrics.csv: per
value of plasticity, the final reward (mean reward per trial over the last
FINAL updates) median [q25, q75] over seeds, the runs that learned (final
reward > 0.3), the take-off updates (first update at which the mean over
the preceding 250 updates exceeds 0.3, counted in updates done) and the
saturation (the fraction of P at ±c, mean over the last FINAL updates;
median over seeds); then every run's final reward.

    python3 docs/analysis/cue_reward_table.py runs/cue_reward [final]
"""
import csv
import statistics
import sys
from collections import defaultdict

run = sys.argv[1]
final = int(sys.argv[2]) if len(sys.argv) > 2 else 500
series = defaultdict(dict)  # (value, seed, metric) -> {update: v}
with open(f"{run}/metrics.csv") as f:
    rows = csv.reader(f)
    next(rows)
    for seed, value, update, metric, v in rows:
        series[(value, int(seed), metric)][int(update)] = float(v)


def quartiles(xs):
    q = statistics.quantiles(xs, n=4, method="inclusive")
    return statistics.median(xs), q[0], q[2]


def takeoff(curve, window=250, level=0.3):
    total = 0.0
    for u in range(len(curve)):
        total += curve[u]
        if u >= window:
            total -= curve[u - window]
        if u >= window - 1 and total / window > level:
            return u + 1  # updates done
    return None


values = sorted({k[0] for k in series}, key=["none", "hebb", "modulated", "retroactive"].index)
print("| `plasticity` | final reward, median [q25, q75] | learned | take-off (updates) | plastic entries at ±c (median) |")
print("| --- | --- | --- | --- | --- |")
per_seed = {}
for value in values:
    seeds = sorted(s for (v, s, m) in series if v == value and m == "reward")
    finals, takeoffs, sats = [], [], []
    for s in seeds:
        r = series[(value, s, "reward")]
        curve = [r[u] for u in sorted(r)]
        finals.append(statistics.fmean(curve[-final:]))
        t = takeoff(curve)
        if t is not None and finals[-1] > 0.3:
            takeoffs.append(t)
        sat = series[(value, s, "saturation")]
        sats.append(statistics.fmean(sat[u] for u in sorted(sat)[-final:]))
    per_seed[value] = finals
    m, q1, q3 = quartiles(finals)
    learned = sum(f > 0.3 for f in finals)
    to = f"{min(takeoffs):,}–{max(takeoffs):,}" if takeoffs else "—"
    sat = "—" if value == "none" else f"{100 * statistics.median(sats):.2g} %"
    print(f"| {value} | {m:.4g} [{q1:.4g}, {q3:.4g}] | {learned} / {len(finals)} | {to} | {sat} |")
print()
for value, finals in per_seed.items():
    print(value, ", ".join(f"{f:.3f}" for f in finals))
