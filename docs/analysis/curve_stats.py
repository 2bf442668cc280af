"""Statistics of the per-episode median curve of a bohpsh run, per sweep
value: its mean over the frozen episodes, and the first episode from which
it stays below 0.05 (and 0.1). Reads RUN/metrics.csv (metric "error").

    python3 docs/analysis/curve_stats.py runs-engines/oneshot [frozen]
"""
import csv
import statistics
import sys
from collections import defaultdict

run = sys.argv[1]
frozen = int(sys.argv[2]) if len(sys.argv) > 2 else 500
curves = defaultdict(lambda: defaultdict(list))  # sweep value -> episode -> values
with open(f"{run}/metrics.csv") as f:
    rows = csv.reader(f)
    header = next(rows)
    swept = len(header) == 5  # seed, <key>, episode, metric, value
    for row in rows:
        value = row[1] if swept else ""
        episode, metric, v = row[-3:]
        if metric == "error":
            curves[value][int(episode)].append(float(v))

for value, by_episode in curves.items():
    median = [statistics.median(by_episode[e]) for e in sorted(by_episode)]
    tail = median[-frozen:]

    def below(threshold):
        for e in range(len(median)):
            if all(m < threshold for m in median[e:]):
                return e
        return "never"  # the curve ends at or above the threshold

    print(f"{value or run}: median curve over the last {frozen} episodes {sum(tail) / len(tail):.2g}, "
          f"below 0.05 from episode {below(0.05)} ({below(0.1)} for 0.1)")
