// Draws learning-rate charts with uPlot (1.6.x, global `uPlot`). Python (pycore) computes
// every value and formats every number a user reads; this file only turns one JSON
// payload into pixels and reports where the cursor is.
//
// Two payloads are accepted:
//   seed calculator: {x, marker, xlabel, ylabel, series: [{key, label, values, stepped}]}
//   explorer (version 2): {version: 2, xlabel, ylabel, log, marker,
//     curves: [{key, label, x, y, stepped, axis: "lr" | "momentum", pinned, color}], drops,
//     xlog, points}
//   Optional in version 2: `xlog: true` puts the x axis on a log10 scale (every x must be
//   > 0; others become gaps), `points: [{x, y, label}]` draws labelled point markers on top
//   of the curves (y on the left axis), each in the next palette colour after curve 0's,
//   `xrange: [lo, hi]` makes the x axis span at least lo..hi (the whole planned sweep of a
//   range test that is still running, so the axis stays put while the curve grows).
// Both are normalised into one model (see `normalise`) and drawn by the same code.
//
// Events, dispatched on the chart element: "lr:hover" with detail {curve: 0, index: k},
// k the index into curves[0].x / .y (series[0].values for the seed payload) of the
// sample nearest to the mouse or keyboard cursor, and detail null when the cursor leaves.
(function () {
  "use strict";
  // Readable (contrast >= 3.4:1) on white and on the dark palette's #1e2129 background.
  const COLORS = ["#3d7dd8", "#e65100", "#388e3c", "#a64dc5", "#00897b", "#e53935"];
  const HEIGHT = 320;
  const MIN_WIDTH = 280;
  const entries = new Map();

  // ---- the model ----------------------------------------------------------------------

  // One model for both payloads, so the seed calculator keeps its look: same curves,
  // comparisons dashed, uPlot's legend (the explorer draws its own legend in HTML).
  function normalise(payload) {
    if (payload.version === 2) {
      return {
        xlabel: payload.xlabel, ylabel: payload.ylabel, log: !!payload.log,
        xlog: !!payload.xlog, points: payload.points || [],
        xrange: Array.isArray(payload.xrange) ? payload.xrange : null,
        marker: payload.marker == null ? null : payload.marker,
        drops: payload.drops || [], legend: false,
        curves: payload.curves.map((c) => ({
          key: c.key, label: c.label, x: c.x, y: c.y, stepped: !!c.stepped,
          axis: c.axis === "momentum" ? "momentum" : "lr", pinned: !!c.pinned,
          color: c.color == null ? 0 : c.color,
        })),
      };
    }
    return {
      xlabel: payload.xlabel, ylabel: payload.ylabel, log: false, xlog: false, points: [],
      xrange: null,
      marker: payload.marker == null ? null : payload.marker, drops: [], legend: true,
      curves: payload.series.map((s, i) => ({
        key: s.key, label: s.label, x: payload.x, y: s.values, stepped: !!s.stepped,
        axis: "lr", pinned: i > 0, color: i,
      })),
    };
  }

  // A curve's colour: its palette index, wrapped around the palette.
  function curveColor(curve) {
    return COLORS[((curve.color % COLORS.length) + COLORS.length) % COLORS.length];
  }

  // The right-hand momentum axis exists only when a momentum curve does.
  function hasMomentum(model) {
    return model.curves.some((c) => c.axis === "momentum");
  }

  // Log scale only when some LR value is positive (a log axis of nothing cannot be drawn).
  function useLog(model) {
    return model.log && model.curves.some((c) => c.axis === "lr" && c.y.some((v) => v > 0));
  }

  // Non-positive LRs have no place on a log axis: they become gaps (null).
  function plottedY(curve, log) {
    if (!log || curve.axis !== "lr") return curve.y;
    return curve.y.map((v) => (v != null && v > 0 ? v : null));
  }

  // On a log x axis, samples at x <= 0 cannot be placed: they are left out.
  function plottedTable(curve, log, xlog) {
    const ys = plottedY(curve, log);
    if (!xlog) return [curve.x, ys];
    const keep = curve.x.map((x, i) => i).filter((i) => curve.x[i] > 0);
    return [keep.map((i) => curve.x[i]), keep.map((i) => ys[i])];
  }

  // One aligned table for uPlot. Curves with different x grids are merged with uPlot.join;
  // the holes it leaves (undefined) are spanned, real gaps (null) are kept.
  function alignedData(model, log) {
    const tables = model.curves.map((c) => plottedTable(c, log, model.xlog));
    if (tables.length === 0) return [[]];
    return uPlot.join(tables);
  }

  // Everything that needs a new uPlot instance rather than setData when it changes.
  function shapeOf(model) {
    return JSON.stringify([model.legend, useLog(model), model.xlog, hasMomentum(model),
      model.xlabel, model.ylabel, model.curves.map((c) => [c.key, c.stepped, c.axis,
        c.pinned, c.color, model.legend ? c.label : ""])]);
  }

  // Index of the sample of xs (ascending) nearest to value; on a log axis nearest by ratio.
  function nearestIndex(xs, value, xlog) {
    let lo = 0;
    let hi = xs.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (xs[mid] <= value) lo = mid; else hi = mid;
    }
    const gap = xlog ? (x) => Math.abs(Math.log(x / value)) : (x) => Math.abs(x - value);
    return gap(xs[hi]) < gap(xs[lo]) ? hi : lo;
  }

  // ---- tick labels ----------------------------------------------------------------------

  // "0.500" -> "0.5", "2.00" -> "2": %g drops trailing zeros.
  function trimZeros(text) {
    return text.indexOf(".") < 0 ? text : text.replace(/0+$/, "").replace(/\.$/, "");
  }

  // Python's "%.3g" (pycore.numfmt.format_sig(x, 3)), so the canvas and the SVG export
  // label their axes alike: 0.0001, 1e-05, 2.5e+06.
  function sig3(v) {
    if (v === 0) return "0";
    const parts = v.toExponential(2).split("e");
    const exp = Number(parts[1]);
    if (exp < -4 || exp >= 3) {
      const digits = String(Math.abs(exp)).padStart(2, "0");
      return trimZeros(parts[0]) + "e" + (exp < 0 ? "-" : "+") + digits;
    }
    return trimZeros(v.toFixed(Math.max(0, 2 - exp)));
  }

  // Steps and epochs: whole numbers with thousands separators (pycore.numfmt.format_int),
  // fractions of an epoch as "%.3g".
  function xTick(v) {
    if (Number.isInteger(v) && Math.abs(v) < 1e15) {
      return (v < 0 ? "-" : "") + String(Math.abs(v)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    }
    return sig3(v);
  }

  // ---- log axes --------------------------------------------------------------------------
  // uPlot's own log ticks step through every 1..9 of each decade and can loop on float
  // round-off across many decades (RangeError: Invalid array length). Log axes here get a
  // range snapped to whole decades and one tick per decade (every k-th past 12 decades).

  const MAX_DECADE_TICKS = 12;

  function decade(k) {
    return Number("1e" + k);  // exact, unlike 10 ** k
  }

  function logRange(u, min, max) {
    if (!(min > 0) || !(max > 0)) return [1, 10];
    let lo = Math.floor(Math.log10(min) + 1e-9);
    let hi = Math.ceil(Math.log10(max) - 1e-9);
    if (hi <= lo) { lo -= 1; hi += 1; }
    return [decade(lo), decade(hi)];
  }

  function logSplits(u, axisIdx, min, max) {
    const lo = Math.ceil(Math.log10(min) - 1e-9);
    const hi = Math.floor(Math.log10(max) + 1e-9);
    const every = Math.max(1, Math.ceil((hi - lo + 1) / MAX_DECADE_TICKS));
    const out = [];
    for (let k = lo; k <= hi; k += every) out.push(decade(k));
    return out;
  }

  // uPlot's axis `values` callback with our formatter (filtered-out splits stay blank).
  function tickLabels(format) {
    return (u, splits) => splits.map((v) => (v == null ? "" : format(v)));
  }

  // ---- theme ----------------------------------------------------------------------------

  // A CSS variable of Material's palette as seen from el, so both palettes work.
  function themeColor(el, name, fallback) {
    const value = getComputedStyle(el).getPropertyValue(name).trim();
    return value || fallback;
  }

  // The colours read once per chart build (rebuilt when the palette changes).
  function theme(el) {
    return {
      fg: themeColor(el, "--md-default-fg-color--light", "#666"),
      text: themeColor(el, "--md-default-fg-color", "#222"),
      grid: themeColor(el, "--md-default-fg-color--lightest", "#ddd"),
      bg: themeColor(el, "--md-default-bg-color", "#fff"),
      accent: themeColor(el, "--md-accent-fg-color", "#ff6e40"),
    };
  }

  // ---- drawing hooks --------------------------------------------------------------------

  // Dashed vertical line at the marker, with a dot on curve 0 at its nearest sample.
  function drawMarker(u, entry) {
    const model = entry.model;
    if (model.marker == null || !model.curves.length || !model.curves[0].x.length) return;
    const dpr = devicePixelRatio;
    const x = Math.round(u.valToPos(model.marker, "x", true));
    const ctx = u.ctx;
    ctx.save();
    ctx.strokeStyle = entry.theme.accent;
    ctx.lineWidth = 2 * dpr;
    ctx.setLineDash([6 * dpr, 4 * dpr]);
    ctx.beginPath();
    ctx.moveTo(x, u.bbox.top);
    ctx.lineTo(x, u.bbox.top + u.bbox.height);
    ctx.stroke();
    const c0 = model.curves[0];
    const y = plottedY(c0, entry.log)[nearestIndex(c0.x, model.marker, model.xlog)];
    if (y != null) {
      ctx.setLineDash([]);
      ctx.fillStyle = entry.theme.accent;
      ctx.beginPath();
      ctx.arc(x, Math.round(u.valToPos(y, scaleOf(c0), true)), 5 * dpr, 0, 2 * Math.PI);
      ctx.fill();
    }
    ctx.restore();
  }

  // A small downward triangle above curve 0 at every reduction (ReduceLROnPlateau).
  function drawDrops(u, entry) {
    const model = entry.model;
    if (!model.drops.length || !model.curves.length || !model.curves[0].x.length) return;
    const c0 = model.curves[0];
    const ys = plottedY(c0, entry.log);
    const dpr = devicePixelRatio;
    const size = 5 * dpr;
    const ctx = u.ctx;
    ctx.save();
    ctx.fillStyle = curveColor(c0);
    ctx.strokeStyle = entry.theme.bg;
    ctx.lineWidth = dpr;
    model.drops.forEach((dropX) => {
      const y = ys[nearestIndex(c0.x, dropX, model.xlog)];
      if (y == null) return;
      const px = u.valToPos(dropX, "x", true);
      const py = u.valToPos(y, scaleOf(c0), true) - 3 * dpr;
      ctx.beginPath();
      ctx.moveTo(px, py);
      ctx.lineTo(px - size, py - 1.6 * size);
      ctx.lineTo(px + size, py - 1.6 * size);
      ctx.closePath();
      ctx.fill();
      ctx.stroke();
    });
    ctx.restore();
  }

  // The colour of labelled point k: the palette after curve 0's colour.
  function pointColor(k) {
    return COLORS[(k + 1) % COLORS.length];
  }

  // Where a point's label goes: the first of a few spots above (then below) the dot whose
  // box overlaps no label placed before, else the first spot.
  function labelSpot(ctx, text, px, py, box, placed, dpr) {
    const width = ctx.measureText(text).width;
    const height = 14 * dpr;
    const right = px + 8 * dpr + width < box.left + box.width;
    const x0 = right ? px + 8 * dpr : px - 8 * dpr - width;
    const spots = [-12, -26, -40, 14, 28].map((dy) => ({ x: x0, y: py + dy * dpr, width: width,
      height: height, align: right ? "left" : "right", tx: right ? x0 : x0 + width }));
    const free = spots.find((s) => !placed.some((o) => s.x < o.x + o.width &&
      o.x < s.x + s.width && s.y - height / 2 < o.y + o.height / 2 &&
      o.y - o.height / 2 < s.y + height / 2));
    return free || spots[0];
  }

  // Labelled point markers (payload `points`): a ringed dot at (x, y) and its label beside
  // it, above the curves. Points outside the plotted range are skipped.
  function drawPoints(u, entry) {
    const points = entry.model.points;
    if (!points.length) return;
    const dpr = devicePixelRatio;
    const ctx = u.ctx;
    const placed = [];
    ctx.save();
    ctx.font = 12 * dpr + "px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    points.forEach((p, k) => {
      if (p.x == null || p.y == null || (entry.model.xlog && p.x <= 0)) return;
      if (entry.log && p.y <= 0) return;
      const px = u.valToPos(p.x, "x", true);
      const py = u.valToPos(p.y, "y", true);
      const box = u.bbox;
      if (px < box.left || px > box.left + box.width || py < box.top ||
          py > box.top + box.height) return;
      ctx.fillStyle = pointColor(k);
      ctx.strokeStyle = entry.theme.bg;
      ctx.lineWidth = 2 * dpr;
      ctx.beginPath();
      ctx.arc(px, py, 5 * dpr, 0, 2 * Math.PI);
      ctx.fill();
      ctx.stroke();
      if (p.label) {
        const spot = labelSpot(ctx, p.label, px, py, box, placed, dpr);
        placed.push(spot);
        ctx.textAlign = spot.align;
        ctx.fillStyle = entry.theme.text;
        ctx.fillText(p.label, spot.tx, spot.y);
      }
    });
    ctx.restore();
  }

  // ---- cursor read-out ------------------------------------------------------------------

  // Send "lr:hover" when the sample under the cursor changes (null: the cursor left).
  function dispatchHover(entry, index) {
    if (index === entry.hoverIndex) return;
    entry.hoverIndex = index;
    const detail = index == null ? null : { curve: 0, index: index };
    entry.el.dispatchEvent(new CustomEvent("lr:hover", { detail: detail }));
  }

  // uPlot's setCursor hook: the mouse moved, left, or the keyboard placed the cursor.
  function onCursor(u, entry) {
    const c0 = entry.model.curves[0];
    const left = u.cursor.left;
    if (!c0 || !c0.x.length || left == null || left < 0) {
      entry.keyIndex = null;
      dispatchHover(entry, null);
    } else if (entry.keyIndex != null) {
      dispatchHover(entry, Math.min(entry.keyIndex, c0.x.length - 1));
    } else {
      dispatchHover(entry, nearestIndex(c0.x, u.posToVal(left, "x"), entry.model.xlog));
    }
  }

  // Where the next key press takes the keyboard cursor, or undefined for other keys.
  function keyTarget(key, shift, current, last) {
    const stride = shift ? 10 : 1;
    if (key === "ArrowRight") return current == null ? 0 : Math.min(last, current + stride);
    if (key === "ArrowLeft") return current == null ? last : Math.max(0, current - stride);
    if (key === "Home") return 0;
    if (key === "End") return last;
    return undefined;
  }

  // Left/Right (Shift: 10 samples), Home and End walk a cursor over curve 0's samples.
  function onKey(entry, event) {
    const c0 = entry.model.curves[0];
    if (!c0 || !c0.x.length || !entry.chart) return;
    const start = entry.keyIndex != null ? entry.keyIndex : entry.hoverIndex;
    const k = keyTarget(event.key, event.shiftKey, start, c0.x.length - 1);
    if (k === undefined) return;
    event.preventDefault();
    placeKeyCursor(entry, k);
  }

  // Put uPlot's cursor (crosshair and points) on curve 0's sample k.
  function placeKeyCursor(entry, k) {
    const u = entry.chart;
    const c0 = entry.model.curves[0];
    const y = plottedY(c0, entry.log)[k];
    entry.keyIndex = k;
    u.setCursor({
      left: u.valToPos(c0.x[k], "x"),
      top: y == null ? u.over.clientHeight / 2 : u.valToPos(y, scaleOf(c0)),
    });
  }

  // The keyboard cursor disappears when the chart loses focus.
  function hideKeyCursor(entry) {
    if (entry.keyIndex == null || !entry.chart) return;
    entry.chart.setCursor({ left: -10, top: -10 });
  }

  // ---- uPlot options --------------------------------------------------------------------

  // uPlot scale key of a curve: "y" for learning rates, "m" for momentum.
  function scaleOf(curve) {
    return curve.axis === "momentum" ? "m" : "y";
  }

  // Curve 0 (the schedule) is drawn thicker; pinned curves are dashed.
  function seriesOptions(curve, i) {
    return {
      label: curve.label,
      scale: scaleOf(curve),
      stroke: curveColor(curve),
      width: i === 0 ? 2.5 : 1.5,
      dash: curve.pinned ? [5, 4] : undefined,
      paths: curve.stepped ? uPlot.paths.stepped({ align: 1 }) : undefined,
      points: { show: false },
    };
  }

  // x axis, LR axis on the left, and the momentum axis on the right when needed.
  function axesOptions(model, colors, log) {
    const base = { stroke: colors.fg, grid: { stroke: colors.grid, width: 1 },
      ticks: { stroke: colors.grid } };
    const lrAxis = Object.assign({ label: model.ylabel, size: 70, values: tickLabels(sig3) },
      base);
    if (log) lrAxis.splits = logSplits;
    const xTicks = tickLabels(model.xlog ? sig3 : xTick);
    const xAxis = Object.assign({ label: model.xlabel, values: xTicks }, base);
    if (model.xlog) xAxis.splits = logSplits;
    const axes = [xAxis, lrAxis];
    if (hasMomentum(model)) {
      axes.push(Object.assign({}, base, { scale: "m", side: 1, label: "momentum", size: 60,
        values: tickLabels(sig3), grid: { show: false } }));
    }
    return axes;
  }

  // The x scale's range: the data's, widened to the model's xrange when it has one (read
  // at each redraw, so a new payload's xrange applies without a new chart).
  function xRange(entry) {
    return (u, min, max) => {
      const want = entry.model.xrange;
      if (want) {
        min = min == null ? want[0] : Math.min(min, want[0]);
        max = max == null ? want[1] : Math.max(max, want[1]);
      }
      if (entry.model.xlog) return logRange(u, min, max);
      return min === max ? [min - 1, max + 1] : [min, max];
    };
  }

  // The uPlot options for the entry's current model.
  function options(el, entry) {
    const model = entry.model;
    const scales = {
      x: model.xlog ? { time: false, distr: 3, log: 10, range: xRange(entry) }
        : { time: false, range: xRange(entry) },
      y: entry.log ? { distr: 3, log: 10, range: logRange } : {} };
    if (hasMomentum(model)) scales.m = {};
    return {
      width: Math.max(MIN_WIDTH, el.clientWidth),
      height: HEIGHT,
      legend: model.legend ? { live: false } : { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: scales,
      axes: axesOptions(model, entry.theme, entry.log),
      series: [{ label: model.xlabel }].concat(model.curves.map(seriesOptions)),
      hooks: {
        draw: [(u) => { drawMarker(u, entry); drawDrops(u, entry); drawPoints(u, entry); }],
        setCursor: [(u) => onCursor(u, entry)],
      },
    };
  }

  // ---- lifecycle ------------------------------------------------------------------------

  // The per-element state; listeners are attached once and live until destroy(el).
  function entryFor(el) {
    let entry = entries.get(el);
    if (entry) return entry;
    entry = { el: el, chart: null, shape: null, model: null, log: false, theme: null,
      hoverIndex: null, keyIndex: null };
    entry.onKey = (event) => onKey(entry, event);
    entry.onBlur = () => hideKeyCursor(entry);
    entry.onMouse = () => { entry.keyIndex = null; };
    el.addEventListener("keydown", entry.onKey);
    el.addEventListener("blur", entry.onBlur);
    el.addEventListener("mousemove", entry.onMouse, true);
    entry.resize = new ResizeObserver(() => fitWidth(entry));
    entry.resize.observe(el);
    entries.set(el, entry);
    return entry;
  }

  // Follow the container's width; the height is fixed.
  function fitWidth(entry) {
    const width = Math.max(MIN_WIDTH, entry.el.clientWidth);
    if (entry.chart && entry.chart.width !== width) {
      entry.chart.setSize({ width: width, height: HEIGHT });
    }
  }

  // A new uPlot instance for the entry's model (first render, new shape, new palette).
  function build(entry) {
    if (entry.chart) entry.chart.destroy();
    entry.theme = theme(entry.el);
    entry.log = useLog(entry.model);
    entry.keyIndex = null;
    entry.chart = new uPlot(options(entry.el, entry), alignedData(entry.model, entry.log),
      entry.el);
  }

  // Draw a payload (a JSON string) into el, reusing the chart when only values changed.
  // Indices of the old data mean nothing now: the read-out is cleared ("lr:hover" null).
  function render(el, json) {
    const payload = JSON.parse(json);
    const entry = entryFor(el);
    hideKeyCursor(entry);
    dispatchHover(entry, null);
    entry.model = normalise(payload);
    if (payload.version === 2 && !el.hasAttribute("tabindex")) el.setAttribute("tabindex", "0");
    const shape = shapeOf(entry.model);
    if (!entry.chart || entry.shape !== shape) {
      entry.shape = shape;
      build(entry);
    } else {
      entry.chart.setData(alignedData(entry.model, entry.log));
    }
  }

  // A PNG data URL of the chart: the page background filled in, and a legend under the
  // plot with the curves' labels (they come from Python, numbers already formatted).
  function png(el) {
    const entry = entries.get(el);
    if (!entry || !entry.chart) return null;
    const source = entry.chart.ctx.canvas;
    const dpr = source.width / entry.chart.width;
    const rowHeight = 20 * dpr;
    const labels = entry.model.curves;
    const canvas = document.createElement("canvas");
    canvas.width = source.width;
    canvas.height = source.height + (labels.length ? rowHeight * labels.length + 8 * dpr : 0);
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = entry.theme.bg;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(source, 0, 0);
    ctx.font = 12 * dpr + "px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    labels.forEach((curve, i) => {
      const y = source.height + 4 * dpr + rowHeight * (i + 0.5);
      ctx.strokeStyle = curveColor(curve);
      ctx.lineWidth = 2.5 * dpr;
      ctx.setLineDash(curve.pinned ? [5 * dpr, 4 * dpr] : []);
      ctx.beginPath();
      ctx.moveTo(16 * dpr, y);
      ctx.lineTo(40 * dpr, y);
      ctx.stroke();
      ctx.fillStyle = entry.theme.text;
      ctx.fillText(curve.label, 48 * dpr, y);
    });
    return canvas.toDataURL("image/png");
  }

  // Remove the chart from el and forget everything about it.
  function destroy(el) {
    const entry = entries.get(el);
    if (!entry) return;
    if (entry.chart) entry.chart.destroy();
    entry.resize.disconnect();
    el.removeEventListener("keydown", entry.onKey);
    el.removeEventListener("blur", entry.onBlur);
    el.removeEventListener("mousemove", entry.onMouse, true);
    entries.delete(el);
  }

  // Material's palette toggle changes the CSS variables: redraw with the new colours.
  function onPaletteChange() {
    entries.forEach((entry, el) => {
      if (!el.isConnected) destroy(el);
      else if (entry.chart) build(entry);
    });
  }

  new MutationObserver(onPaletteChange).observe(document.body || document.documentElement,
    { attributes: true, attributeFilter: ["data-md-color-scheme"] });

  // The drawn x axis's [min, max] (for tests and read-outs), null before a first render.
  function xScale(el) {
    const entry = entries.get(el);
    if (!entry || !entry.chart) return null;
    return [entry.chart.scales.x.min, entry.chart.scales.x.max];
  }

  window.lrChart = { render: render, png: png, destroy: destroy, xScale: xScale,
    colors: COLORS.slice() };
})();
