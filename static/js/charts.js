/* Small dependency-free canvas charts for the portal: line charts (several series, optional markers) and
   candlesticks. Data comes from a <script type="application/json"> block next to the canvas. */
(function () {
  "use strict";
  const css = getComputedStyle(document.documentElement);
  const brand = (css.getPropertyValue("--brand") || "#1f6feb").trim();
  const palette = [brand, "#cf222e", "#1a7f37", "#8250df", "#bf8700", "#0a7ea4"];

  function setup(canvas) {
    const ratio = window.devicePixelRatio || 1;
    const w = canvas.clientWidth || 800, h = canvas.clientHeight || 260;
    canvas.width = w * ratio; canvas.height = h * ratio;
    const ctx = canvas.getContext("2d");
    ctx.scale(ratio, ratio);
    ctx.font = "12px system-ui, sans-serif";
    return { ctx, w, h, pad: { l: 64, r: 16, t: 14, b: 28 } };
  }

  /* Ticks at a "nice" step (1, 2 or 5 × 10^k), each computed from its index so no rounding error builds up. */
  function niceTicks(min, max, count) {
    if (min === max) { const pad = Math.abs(min) * 0.01 || 1; min -= pad; max += pad; }
    const span = max - min, step0 = span / count;
    const mag = Math.pow(10, Math.floor(Math.log10(step0)));
    const step = [1, 2, 5, 10].map(m => m * mag).find(s => s >= step0 * (1 - 1e-9));
    const first = Math.ceil(min / step - 1e-9), ticks = [];
    for (let i = first; i * step <= max + step * 1e-9; i++) ticks.push(i * step);
    return { ticks, step };
  }

  /* Enough decimals that labels one `step` apart never read the same: 0.1301 / 0.1302 rather than 0.13 / 0.13.
     Large values take a k/M/G suffix only when the step keeps at most two decimals of it; scientific notation is
     left to steps below a millionth. */
  function decimalsFor(step) { return Math.max(0, -Math.floor(Math.log10(step) + 1e-9)); }

  function fmt(v, step) {
    if (!(step > 0)) step = Math.abs(v) || 1;
    if (Math.abs(v) < step / 2) return "0";
    if (step < 1e-6) return v.toExponential(Math.max(1, Math.floor(Math.log10(Math.abs(v))) - Math.floor(Math.log10(step))));
    const a = Math.abs(v);
    for (const [unit, suffix] of [[1e9, "G"], [1e6, "M"], [1e4, "k"]]) {
      const scale = suffix === "k" ? 1e3 : unit;
      if (a >= unit && step >= scale / 100) return (v / scale).toFixed(decimalsFor(step / scale)) + suffix;
    }
    const d = decimalsFor(step);
    return v.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
  }

  function axes(g, xmin, xmax, ymin, ymax, timeAxis) {
    const { ctx, w, h, pad } = g;
    ctx.strokeStyle = "#d8dee4"; ctx.fillStyle = "#5b6672"; ctx.lineWidth = 1;
    if (ymin === ymax) { const p = Math.abs(ymin) * 0.01 || 1; ymin -= p; ymax += p; }
    if (xmin === xmax) { const p = timeAxis ? 3600000 : 1; xmin -= p; xmax += p; }
    const sy = v => pad.t + (h - pad.t - pad.b) * (1 - (v - ymin) / (ymax - ymin));
    const sx = v => pad.l + (w - pad.l - pad.r) * ((v - xmin) / (xmax - xmin));
    const yt = niceTicks(ymin, ymax, 5), ylabels = [];
    yt.ticks.filter(v => v >= ymin - yt.step * 1e-9 && v <= ymax + yt.step * 1e-9).forEach(v => {
      const y = sy(v), label = fmt(v, yt.step);
      ctx.beginPath(); ctx.moveTo(pad.l, y); ctx.lineTo(w - pad.r, y); ctx.stroke();
      ctx.textAlign = "right"; ctx.fillText(label, pad.l - 6, y + 4);
      ylabels.push(label);
    });
    // As many x labels as fit (a "MM-DD HH:MM" label needs ~110 px): five on a desktop, fewer on a phone. Ranges
    // of several days whose ends fall on midnight (daily series) are labelled by date alone.
    const n = Math.max(1, Math.min(4, Math.floor((w - pad.l - pad.r) / 110)));
    const daily = timeAxis && xmax - xmin >= 2 * 86400000 && xmin % 86400000 === 0 && xmax % 86400000 === 0;
    for (let i = 0; i <= n; i++) {
      ctx.textAlign = i === 0 ? "left" : i === n ? "right" : "center";
      const v = daily ? xmin + Math.round((xmax - xmin) * i / n / 86400000) * 86400000 : xmin + (xmax - xmin) * i / n;
      const label = timeAxis ? new Date(v).toISOString().slice(5, daily ? 10 : 16).replace("T", " ") : fmt(v, (xmax - xmin) / n);
      ctx.fillText(label, sx(v), h - 8);
    }
    return { sx, sy, ylabels };
  }

  /* Regimes as shaded DOM bands over the canvas (so they carry a tooltip and can be inspected): positioned in
     percent of the canvas width, each [start ms, end ms, label]; the canvas's parent must be positioned. */
  function regimeBands(canvas, g, sx, regimes) {
    const host = canvas.parentElement;
    host.querySelectorAll(".regime-band").forEach(el => el.remove());
    regimes.forEach((r, i) => {
      const x0 = Math.max(g.pad.l, sx(r[0])), x1 = Math.min(g.w - g.pad.r, sx(r[1]));
      if (x1 <= x0) return;
      const band = document.createElement("div");
      band.className = "regime-band " + (i % 2 ? "odd" : "even");
      band.setAttribute("data-testid", "regime-band");
      band.dataset.start = r[0]; band.dataset.end = r[1]; band.title = r[2] || "";
      Object.assign(band.style, { left: (100 * x0 / g.w) + "%", width: (100 * (x1 - x0) / g.w) + "%",
                                  top: g.pad.t + "px", height: (g.h - g.pad.t - g.pad.b) + "px" });
      host.appendChild(band);
    });
  }

  /* Alerts as DOM marks over the canvas, each [ms, kind, tooltip]: a thin line through the plot with a head on top,
     shaped by kind ("anomaly" or "regime_change") in css/stream.css. Marks outside the plot's range are skipped. */
  function alertMarks(canvas, g, sx, alerts) {
    const host = canvas.parentElement;
    host.querySelectorAll(".alert-marker").forEach(el => el.remove());
    alerts.forEach(a => {
      const x = sx(a[0]);
      if (x < g.pad.l - 0.5 || x > g.w - g.pad.r + 0.5) return;
      const mark = document.createElement("div");
      mark.className = "alert-marker " + a[1];
      mark.setAttribute("data-testid", "alert-marker");
      mark.setAttribute("role", "img"); mark.setAttribute("aria-label", a[2] || a[1]);
      mark.dataset.kind = a[1]; mark.dataset.ts = a[0]; mark.title = a[2] || "";
      Object.assign(mark.style, { left: (100 * x / g.w) + "%", top: g.pad.t + "px",
                                  height: (g.h - g.pad.t - g.pad.b) + "px" });
      host.appendChild(mark);
    });
  }

  /* Drag across a chart to zoom: the host (not the canvas, which regime bands and marks cover) takes the pointer,
     and on release the page reloads with ?from=&to= in Unix seconds, the range every chart then shows. */
  function zoomable(canvas) {
    const host = canvas.parentElement;
    if (host.dataset.zoomable) return;
    host.dataset.zoomable = "1";
    host.style.touchAction = "pan-y";  // a vertical swipe still scrolls a phone's page; a sideways one selects
    let x0 = null, box = null;
    const local = e => Math.min(Math.max(e.clientX - host.getBoundingClientRect().left, canvas._scale.l), canvas._scale.r);
    const stop = () => { if (box) box.remove(); box = null; x0 = null; };
    host.addEventListener("pointerdown", e => {
      if (!canvas._scale || e.button) return;
      x0 = local(e); host.setPointerCapture(e.pointerId);
      box = document.createElement("div"); box.className = "zoom-select"; box.setAttribute("data-testid", "zoom-select");
      Object.assign(box.style, { left: x0 + "px", width: "0px", top: "0px", height: canvas.clientHeight + "px" });
      host.appendChild(box);
    });
    host.addEventListener("pointermove", e => {
      if (x0 === null) return;
      const x = local(e);
      Object.assign(box.style, { left: Math.min(x0, x) + "px", width: Math.abs(x - x0) + "px" });
    });
    host.addEventListener("pointerup", e => {
      if (x0 === null) return;
      const a = Math.min(x0, local(e)), b = Math.max(x0, local(e)), s = canvas._scale;
      stop();
      if (b - a < 6) return;  // a click or a tap, not a selection
      const t = x => s.xmin + (x - s.l) / (s.r - s.l) * (s.xmax - s.xmin);
      let from = Math.floor(t(a) / 1000), to = Math.ceil(t(b) / 1000);
      if (to - from < 60) { const mid = Math.round((from + to) / 2); from = mid - 30; to = mid + 30; }  // the page's shortest range
      const query = new URLSearchParams({ from: from, to: to });
      window.location.search = query.toString();
    });
    host.addEventListener("pointercancel", stop);
  }

  /* A point is [t, v], or [t, min, max] for a down-sampled bucket, drawn as a vertical stroke from min to max. */
  function extent(series) {
    const xs = [], ys = [];
    series.forEach(s => s.points.forEach(p => { xs.push(p[0]); ys.push(p[1]); if (p.length > 2) ys.push(p[2]); }));
    return { xs, ys };
  }

  function line(canvas, spec) {
    const g = setup(canvas), series = (spec.series || []).map(s => Object.assign({}, s, {
      points: (s.points || []).filter(p => p[1] !== null && p[1] !== undefined) }));
    const { xs, ys } = extent(series);
    if (!xs.length) {
      g.ctx.fillStyle = "#5b6672"; g.ctx.textAlign = "center";
      g.ctx.fillText(spec.range ? "No data in this range" : "No data yet", g.w / 2, g.h / 2);
      return;
    }
    let ymin = Math.min(...ys), ymax = Math.max(...ys);
    if (spec.zero) ymin = Math.min(0, ymin);
    // Every chart of a page shares the page's range, so their time axes line up whatever each series holds.
    const xmin = spec.range ? spec.range[0] : Math.min(...xs), xmax = spec.range ? spec.range[1] : Math.max(...xs);
    const { sx, sy, ylabels } = axes(g, xmin, xmax, ymin, ymax, spec.time);
    const ctx = g.ctx;
    canvas._yLabels = ylabels;  // what the y axis reads, for tests and for anyone inspecting the chart
    canvas._scale = { xmin: xmin, xmax: xmax === xmin ? xmin + 1 : xmax, l: g.pad.l, r: g.w - g.pad.r };
    if (spec.regimes) regimeBands(canvas, g, sx, spec.regimes);
    ctx.save(); ctx.beginPath(); ctx.rect(g.pad.l, 0, g.w - g.pad.l - g.pad.r, g.h); ctx.clip();
    (spec.bands || []).forEach(b => {
      ctx.fillStyle = "rgba(207,34,46,0.12)";
      ctx.fillRect(sx(b[0]), g.pad.t, Math.max(2, sx(b[1]) - sx(b[0])), g.h - g.pad.t - g.pad.b);
    });
    series.forEach((s, i) => {
      ctx.strokeStyle = s.color || palette[i % palette.length]; ctx.lineWidth = 1.6; ctx.beginPath();
      s.points.forEach((p, k) => {
        const x = sx(p[0]), y = sy(p[1]);
        if (!k) ctx.moveTo(x, y);
        else if (s.step) { ctx.lineTo(x, sy(s.points[k - 1][1])); ctx.lineTo(x, y); }
        else ctx.lineTo(x, y);
        if (p.length > 2) ctx.lineTo(x, sy(p[2]));
      });
      ctx.stroke();
    });
    ctx.restore();
    (spec.markers || []).forEach(m => {
      ctx.fillStyle = "#cf222e"; ctx.beginPath(); ctx.arc(sx(m[0]), sy(m[1]), 4, 0, 6.3); ctx.fill();
    });
    if (spec.alerts) alertMarks(canvas, g, sx, spec.alerts);
    if (spec.zoom) zoomable(canvas);
    let lx = g.pad.l + 8;
    series.forEach((s, i) => {
      ctx.fillStyle = s.color || palette[i % palette.length]; ctx.fillRect(lx, 4, 10, 3);
      ctx.fillStyle = "#1b1f24"; ctx.textAlign = "left"; ctx.fillText(s.name || "", lx + 14, 10);
      lx += 24 + ctx.measureText(s.name || "").width;
    });
  }

  function candles(canvas, spec) {
    const g = setup(canvas), rows = spec.candles || [];
    if (!rows.length) { g.ctx.fillStyle = "#5b6672"; g.ctx.fillText("No trades yet", g.w / 2 - 30, g.h / 2); return; }
    const lows = rows.map(r => r[3]), highs = rows.map(r => r[2]), ts = rows.map(r => r[0]);
    const step = rows.length > 1 ? (ts[ts.length - 1] - ts[0]) / (rows.length - 1) : 60000;
    const { sx, sy, ylabels } = axes(g, ts[0] - step / 2, ts[ts.length - 1] + step / 2, Math.min(...lows), Math.max(...highs), true);
    canvas._yLabels = ylabels;
    const ctx = g.ctx, bw = Math.max(2, (sx(ts[0] + step) - sx(ts[0])) * 0.6);
    rows.forEach(([t, o, hi, lo, c]) => {
      const up = c >= o; ctx.strokeStyle = ctx.fillStyle = up ? "#1a7f37" : "#cf222e";
      ctx.beginPath(); ctx.moveTo(sx(t), sy(hi)); ctx.lineTo(sx(t), sy(lo)); ctx.stroke();
      const y1 = sy(Math.max(o, c)), y2 = sy(Math.min(o, c));
      ctx.fillRect(sx(t) - bw / 2, y1, bw, Math.max(1, y2 - y1));
    });
  }

  function render(canvas) {
    const data = document.getElementById(canvas.dataset.source);
    if (!data) return;
    const spec = JSON.parse(data.textContent) || {};
    (canvas.dataset.chart === "candles" ? candles : line)(canvas, spec);
  }

  window.ThermoCharts = { render, line, candles, niceTicks, fmt };
  document.addEventListener("DOMContentLoaded", () => document.querySelectorAll("canvas[data-chart]").forEach(render));
  // Canvases are drawn at their width on load; a phone turned sideways (or a resized window) redraws them to fit.
  let resizing = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => document.querySelectorAll("canvas[data-chart]").forEach(render), 150);
  });
})();
