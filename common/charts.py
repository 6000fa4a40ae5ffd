"""Bar charts as server-rendered SVG (CSP forbids inline styles; classes carry the colours): the
layout computed here, drawn by templates/common/_chart_bars.html. Used by the supervision
reports and boards and by the staffing simulator's pages."""

import math

from django.utils.formats import number_format

CHART_WIDTH, CHART_HEIGHT = 720, 220
_LEFT, _RIGHT, _TOP, _BOTTOM = 44, 8, 12, 28


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def _nice_ceiling(value: float) -> float:
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def bar_chart(
    *,
    chart_id: str,
    title: str,
    labels: list[str],
    series: list[tuple[str, str, list[float | None]]],
    y_max: float | None = None,
    unit: str = "",
    max_labels: int = 12,
) -> dict:
    """Lay out a grouped bar chart: one group per label, one bar per series (label, css class,
    values)."""
    plot_width = CHART_WIDTH - _LEFT - _RIGHT
    plot_height = CHART_HEIGHT - _TOP - _BOTTOM
    values = [v for _label, _css, vs in series for v in vs if v is not None]
    # Counts: at least 0–2, so the middle tick is a whole number.
    top = y_max if y_max is not None else max(2, _nice_ceiling(max(values, default=0)))
    count = max(1, len(labels))
    group_width = plot_width / count
    bar_width = group_width * 0.8 / max(1, len(series))
    label_every = max(1, math.ceil(count / max_labels))
    baseline = _TOP + plot_height
    groups = []
    for index, label in enumerate(labels):
        bars = []
        for position, (series_label, css, series_values) in enumerate(series):
            value = series_values[index]
            if value is None:
                continue
            height = plot_height * min(value, top) / top
            shown = number_format(value, 1) if isinstance(value, float) else str(value)
            bars.append(
                {
                    "x": _fmt(
                        _LEFT + index * group_width + group_width * 0.1 + position * bar_width
                    ),
                    "y": _fmt(baseline - height),
                    "width": _fmt(max(bar_width - 1, 1)),
                    "height": _fmt(height),
                    "css": css,
                    "title": f"{label} – {series_label}: {shown}{unit}",
                }
            )
        groups.append(
            {
                "label": label,
                "show_label": index % label_every == 0,
                "label_x": _fmt(_LEFT + (index + 0.5) * group_width),
                "bars": bars,
            }
        )
    ticks = []
    for fraction in (0, 0.5, 1):
        value = top * fraction
        label = number_format(value, 0 if value == int(value) else 1)
        ticks.append({"y": _fmt(baseline - plot_height * fraction), "label": f"{label}{unit}"})
    return {
        "id": chart_id,
        "title": title,
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "left": _LEFT,
        "right": CHART_WIDTH - _RIGHT,
        "tick_x": _LEFT - 4,
        "label_y": CHART_HEIGHT - 8,
        "baseline": _fmt(baseline),
        "groups": groups,
        "ticks": ticks,
        "series": [{"label": label, "css": css} for label, css, _values in series],
    }
