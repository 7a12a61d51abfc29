// The bench's yardstick (tools/bench.py, never part of the site): the calculator's form
// driven by plain JavaScript instead of PyScript, on a copy of the built calculator page
// with the Python runtime taken out. It does the same work per render as the real page
// (read and check the inputs, compute the result and the comparisons, draw the same chart
// with lrchart.js) and sets the same performance marks, so the bench can compare the time
// to the first result of both.
(function () {
  "use strict";
  const FIELDS = ["lr0", "decay_rate", "epochs", "epoch", "steps_per_epoch", "step_size",
    "gamma", "factor"];
  const CHART_POINTS = 600;
  let ready = false;

  // The form's numbers, or null (with the field marked) when one is not a finite number.
  function readForm() {
    const values = {};
    let ok = true;
    for (const key of FIELDS) {
      const input = document.getElementById(key);
      const value = Number(input.value.trim());
      const bad = input.value.trim() === "" || !Number.isFinite(value) || value < 0;
      document.getElementById(key + "-error").hidden = !bad;
      document.getElementById(key + "-error").textContent = bad ? "Enter a number." : "";
      input.setAttribute("aria-invalid", String(bad));
      ok = ok && !bad;
      values[key] = value;
    }
    values.staircase = document.getElementById("staircase").checked;
    return ok && values.epochs > 0 && values.steps_per_epoch > 0 ? values : null;
  }

  // Inverse-time decay at a (fractional) epoch, per update or once per epoch.
  function inverseTime(v, epoch) {
    const steps = Math.floor(epoch * v.steps_per_epoch);
    const t = v.staircase ? Math.floor(steps / v.steps_per_epoch) : steps / v.steps_per_epoch;
    return v.lr0 / (1 + v.decay_rate * t);
  }

  // The three comparison schedules, each stepped once per epoch.
  function comparisons(v, epoch) {
    const e = Math.floor(epoch);
    return [
      v.lr0 * Math.pow(v.gamma, Math.floor(e / Math.max(v.step_size, 1))),
      v.lr0 * Math.pow(v.factor, e),
      v.lr0 * (1 + Math.cos(Math.PI * Math.min(e, v.epochs) / v.epochs)) / 2,
    ];
  }

  function show(id, value) {
    document.getElementById(id).textContent = value;
  }

  function render(v) {
    const lr = inverseTime(v, v.epoch);
    const out = document.getElementById("lr-result");
    out.textContent = lr.toPrecision(6);
    out.dataset.value = String(lr);
    show("r-epoch", String(v.epoch));
    show("r-step", String(Math.floor(v.epoch * v.steps_per_epoch)));
    show("r-drop", (100 * (1 - lr / v.lr0)).toFixed(1) + " %");
    show("r-end", inverseTime(v, v.epochs).toPrecision(6));
    show("r-total", String(v.epochs * v.steps_per_epoch));
    const [step, exponential, cosine] = comparisons(v, v.epoch);
    show("c-step", step.toPrecision(6));
    show("c-exponential", exponential.toPrecision(6));
    show("c-cosine", cosine.toPrecision(6));
    const x = [];
    const series = [[], [], [], []];
    for (let i = 0; i <= CHART_POINTS; i += 1) {
      const epoch = v.epochs * i / CHART_POINTS;
      x.push(epoch);
      [inverseTime(v, epoch)].concat(comparisons(v, epoch)).forEach((y, k) => series[k].push(y));
    }
    const labels = ["Inverse-time decay", "Step decay", "Exponential decay", "Cosine annealing"];
    window.lrChart.render(document.getElementById("lr-chart"), JSON.stringify({
      x, marker: v.epoch, xlabel: "epoch", ylabel: "learning rate",
      series: series.map((values, k) => ({key: "s" + k, label: labels[k], values,
        stepped: k > 0})),
    }));
  }

  function update() {
    const values = readForm();
    show("lr-status", "");
    if (values === null) {
      return;
    }
    render(values);
    window.performance.mark(ready ? "lr:updated" : "lr:ready");
    ready = true;
  }

  document.getElementById("lr-form").addEventListener("input", update);
  update();
})();
