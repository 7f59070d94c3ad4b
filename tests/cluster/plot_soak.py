"""The soak's plot: hookbridge's resident memory, open descriptors and
threads over time, with the broker restarts shaded and the warm-up marked."""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(samples_csv, out_png, warm_up_s):
    rows = list(csv.DictReader(open(samples_csv)))
    t = [float(r["seconds"]) for r in rows]
    series = [("resident memory (MiB)", "rss_mib"), ("open descriptors", "open_fds"),
              ("threads", "threads"), ("events acknowledged", "acknowledged")]
    fig, axes = plt.subplots(len(series), 1, figsize=(10, 9), sharex=True)
    for ax, (label, column) in zip(axes, series):
        ax.plot(t, [float(r[column]) for r in rows], linewidth=1)
        ax.set_ylabel(label)
        ax.axvline(float(warm_up_s), color="grey", linestyle="--", linewidth=1)
        for r, x in zip(rows, t):
            if r["restarting_node"] != "0":
                ax.axvspan(x - 0.5, x + 0.5, color="orange", alpha=0.15, linewidth=0)
        ax.grid(True, alpha=0.3)
    axes[0].set_ylim(bottom=0)
    axes[-1].set_xlabel("seconds (dashed: end of warm-up; shaded: a broker restarting)")
    fig.suptitle("hookbridge soak on the three-node cluster")
    fig.tight_layout()
    fig.savefig(out_png, dpi=90)


if __name__ == "__main__":
    main(*sys.argv[1:4])
