// Draws the calculator's chart with uPlot. Python (pycore) computes every value and
// hands over one JSON string: {x, marker, xlabel, ylabel, series: [{key, label, values,
// stepped}]}. This file only turns that into pixels.
(function () {
  "use strict";
  const COLORS = ["#3f51b5", "#e65100", "#2e7d32", "#8e24aa", "#00838f", "#c62828"];
  const charts = new WeakMap();

  function themeColor(el, name, fallback) {
    const value = getComputedStyle(el).getPropertyValue(name).trim();
    return value || fallback;
  }

  // Vertical line and dot at the current position (data.marker, in x units).
  function markerPlugin(state) {
    return {
      hooks: {
        draw: [(u) => {
          const x = Math.round(u.valToPos(state.marker, "x", true));
          const ctx = u.ctx;
          ctx.save();
          ctx.strokeStyle = themeColor(u.root, "--md-accent-fg-color", "#ff6e40");
          ctx.lineWidth = 2 * devicePixelRatio;
          ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
          if (state.markerY !== null) {
            const y = Math.round(u.valToPos(state.markerY, "y", true));
            ctx.setLineDash([]);
            ctx.fillStyle = ctx.strokeStyle;
            ctx.beginPath();
            ctx.arc(x, y, 5 * devicePixelRatio, 0, 2 * Math.PI);
            ctx.fill();
          }
          ctx.restore();
        }],
      },
    };
  }

  function options(el, payload, state) {
    const fg = themeColor(el, "--md-default-fg-color--light", "#666");
    const grid = themeColor(el, "--md-default-fg-color--lightest", "#ddd");
    const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
    return {
      width: Math.max(280, el.clientWidth),
      height: 320,
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false } },
      axes: [
        Object.assign({ label: payload.xlabel }, axis),
        Object.assign({ label: payload.ylabel, size: 70 }, axis),
      ],
      series: [{ label: payload.xlabel }].concat(payload.series.map((s, i) => ({
        label: s.label,
        stroke: COLORS[i % COLORS.length],
        width: i === 0 ? 2.5 : 1.5,
        dash: i === 0 ? undefined : [5, 4],
        paths: s.stepped ? uPlot.paths.stepped({ align: 1 }) : undefined,
        points: { show: false },
      }))),
      plugins: [markerPlugin(state)],
    };
  }

  // The marker's y is the first series' value at the sample nearest to the marker.
  function markerY(payload) {
    let best = 0;
    for (let i = 1; i < payload.x.length; i++) {
      if (Math.abs(payload.x[i] - payload.marker) < Math.abs(payload.x[best] - payload.marker)) best = i;
    }
    return payload.series.length ? payload.series[0].values[best] : null;
  }

  function render(el, json) {
    const payload = JSON.parse(json);
    const data = [payload.x].concat(payload.series.map((s) => s.values));
    let entry = charts.get(el);
    const shape = payload.series.map((s) => s.key + (s.stepped ? "|s" : "")).join(",");
    if (entry && entry.shape !== shape) {
      entry.chart.destroy();
      entry = null;
    }
    if (!entry) {
      const state = { marker: payload.marker, markerY: markerY(payload) };
      entry = { shape, state, chart: new uPlot(options(el, payload, state), data, el) };
      charts.set(el, entry);
    } else {
      entry.state.marker = payload.marker;
      entry.state.markerY = markerY(payload);
      entry.chart.setData(data);
    }
  }

  window.addEventListener("resize", () => {
    document.querySelectorAll("[data-lr-chart]").forEach((el) => {
      const entry = charts.get(el);
      if (entry) entry.chart.setSize({ width: Math.max(280, el.clientWidth), height: 320 });
    });
  });

  window.lrChart = { render };
})();
