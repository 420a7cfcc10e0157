"""The benchmark's picture: talk minutes per agent hour against abandonment, one marker per controller."""

from __future__ import annotations

from pathlib import Path

from dialer.pacing.bench import Result
from dialer.pacing.registry import MARKERS


def plot_results(results: list[Result], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display: render straight to the file
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(11, 6), dpi=110)
    scenarios = sorted({str(r["scenario"]) for r in results})
    colours = {name: plt.get_cmap("tab10")(i % 10) for i, name in enumerate(scenarios)}
    for result in results:
        axes.scatter(
            100 * float(result["abandon_rate"]),
            float(result["talk_minutes_per_agent_hour"]),
            marker=MARKERS.get(str(result["controller"]), "x"),
            color=colours[str(result["scenario"])],
            s=90 if result["controller"] == "tierdial" else 55,
            edgecolors="black",
            linewidths=0.5,
        )
    caps = {float(r["abandon_cap"]) for r in results}
    for cap in caps:
        axes.axvline(100 * cap, color="grey", linestyle="--", linewidth=1)
    for name in scenarios:
        axes.scatter([], [], color=colours[name], label=name)
    for controller, marker in MARKERS.items():
        axes.scatter([], [], marker=marker, color="white", edgecolors="black", label=controller)
    axes.set_xlabel("abandoned calls, % of live answers (dashed: the cap)")
    axes.set_ylabel("talk minutes per agent hour")
    axes.set_title("Pacing controllers on the shipped scenarios")
    axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    axes.grid(alpha=0.3)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
