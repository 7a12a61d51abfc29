// Draws the Learn pages' path figures on a <canvas>: an optimizer's path over a shaded
// loss surface (2-D problems) or along the loss curve (1-D problems). Python (pycore.optim)
// computes every value; this file only turns one JSON payload into pixels.
//
// Payload (pycore.optim.paths_json):
//   {kind: "surface", box: [x0, x1, y0, y1], nx, ny, levels: [nx * ny shade indices, row by
//    row from the top], minimum: [x, y], paths: [{label, color, points: [[x, y], ...]}]}
//   {kind: "curve", box, x: [...], y: [...], paths: [...]}: the loss curve y(x) is drawn
//    and each path's points are (x, loss) on it.
//
// API (window.lrFigures):
//   draw(canvas, jsonText)  keep the payload for this canvas and draw every point;
//   reveal(canvas, k)       redraw showing only the first k + 1 points of each path (an
//                           animation calls this once per frame with a growing k).
// The canvas is redrawn at its displayed size whenever that size changes.
(function () {
  "use strict";
  // The palette of lrchart.js, so a path and its loss curve share a colour.
  const COLORS = ["#3d7dd8", "#e65100", "#388e3c", "#a64dc5", "#00897b", "#e53935"];
  const LEVEL_ALPHA = 0.05; // opacity added per shade band (darker = lower loss)
  const FAR = 1e5; // pixel coordinates are clamped to +-FAR (diverged paths)
  const state = new WeakMap();

  function color(i) {
    return COLORS[((i % COLORS.length) + COLORS.length) % COLORS.length];
  }

  // Maps problem coordinates to canvas pixels for the payload's box.
  function scaler(box, width, height) {
    const [x0, x1, y0, y1] = box;
    const clamp = (v) => Math.max(-FAR, Math.min(FAR, v));
    return {
      x: (x) => clamp(((x - x0) / (x1 - x0)) * width),
      y: (y) => clamp(height - ((y - y0) / (y1 - y0)) * height),
    };
  }

  function inkColor(canvas) {
    return getComputedStyle(canvas).color || "#333";
  }

  function drawSurface(ctx, p, width, height, ink) {
    const cw = width / p.nx;
    const ch = height / p.ny;
    ctx.fillStyle = ink;
    for (let j = 0; j < p.ny; j++) {
      for (let i = 0; i < p.nx; i++) {
        ctx.globalAlpha = LEVEL_ALPHA * p.levels[j * p.nx + i];
        ctx.fillRect(i * cw, j * ch, cw + 0.5, ch + 0.5);
      }
    }
    ctx.globalAlpha = 1;
  }

  function drawCurve(ctx, p, s, ink) {
    ctx.strokeStyle = ink;
    ctx.globalAlpha = 0.5;
    ctx.lineWidth = 2;
    ctx.beginPath();
    p.x.forEach((x, i) => (i ? ctx.lineTo(s.x(x), s.y(p.y[i])) : ctx.moveTo(s.x(x), s.y(p.y[i]))));
    ctx.stroke();
    ctx.globalAlpha = 1;
  }

  function drawMinimum(ctx, p, s, ink) {
    if (!p.minimum) return;
    const x = s.x(p.minimum[0]);
    const y = s.y(p.minimum[1]);
    ctx.strokeStyle = ink;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(x - 6, y - 6); ctx.lineTo(x + 6, y + 6);
    ctx.moveTo(x - 6, y + 6); ctx.lineTo(x + 6, y - 6);
    ctx.stroke();
  }

  function drawPath(ctx, path, s, upto) {
    const pts = path.points.slice(0, upto + 1);
    if (!pts.length) return;
    ctx.strokeStyle = color(path.color);
    ctx.fillStyle = color(path.color);
    ctx.lineWidth = 2;
    ctx.beginPath();
    pts.forEach((q, i) => (i ? ctx.lineTo(s.x(q[0]), s.y(q[1])) : ctx.moveTo(s.x(q[0]), s.y(q[1]))));
    ctx.stroke();
    pts.forEach((q) => {
      ctx.beginPath();
      ctx.arc(s.x(q[0]), s.y(q[1]), 2.2, 0, 2 * Math.PI);
      ctx.fill();
    });
    const last = pts[pts.length - 1];
    ctx.beginPath();
    ctx.arc(s.x(last[0]), s.y(last[1]), 4.5, 0, 2 * Math.PI);
    ctx.fill();
  }

  function paint(canvas) {
    const entry = state.get(canvas);
    if (!entry) return;
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const p = entry.payload;
    const s = scaler(p.box, width, height);
    const ink = inkColor(canvas);
    if (p.kind === "surface") {
      drawSurface(ctx, p, width, height, ink);
      drawMinimum(ctx, p, s, ink);
    } else {
      drawCurve(ctx, p, s, ink);
    }
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, 0, width, height);
    ctx.clip();
    p.paths.forEach((path) => drawPath(ctx, path, s, entry.upto));
    ctx.restore();
  }

  function watchSize(canvas) {
    if (state.has(canvas) || typeof ResizeObserver === "undefined") return;
    new ResizeObserver(() => paint(canvas)).observe(canvas);
  }

  window.lrFigures = {
    draw(canvas, jsonText) {
      watchSize(canvas);
      state.set(canvas, { payload: JSON.parse(jsonText), upto: Infinity });
      paint(canvas);
    },
    reveal(canvas, k) {
      const entry = state.get(canvas);
      if (!entry) return;
      entry.upto = k;
      paint(canvas);
    },
  };
})();
