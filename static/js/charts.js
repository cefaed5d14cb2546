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

  function niceTicks(min, max, count) {
    if (min === max) { const pad = Math.abs(min) * 0.01 || 1; min -= pad; max += pad; }
    const span = max - min, step0 = span / count;
    const mag = Math.pow(10, Math.floor(Math.log10(step0)));
    const step = [1, 2, 5, 10].map(m => m * mag).find(s => s >= step0);
    const ticks = [];
    for (let v = Math.ceil(min / step) * step; v <= max + 1e-9; v += step) ticks.push(v);
    return ticks;
  }

  function fmt(v) {
    const a = Math.abs(v);
    if (a >= 1e9) return (v / 1e9).toFixed(1) + "G";
    if (a >= 1e6) return (v / 1e6).toFixed(1) + "M";
    if (a >= 1e4) return (v / 1e3).toFixed(1) + "k";
    if (a > 0 && a < 0.01) return v.toExponential(1);
    return (Math.round(v * 100) / 100).toString();
  }

  function axes(g, xmin, xmax, ymin, ymax, timeAxis) {
    const { ctx, w, h, pad } = g;
    ctx.strokeStyle = "#d8dee4"; ctx.fillStyle = "#5b6672"; ctx.lineWidth = 1;
    if (ymin === ymax) { const p = Math.abs(ymin) * 0.01 || 1; ymin -= p; ymax += p; }
    if (xmin === xmax) { const p = timeAxis ? 3600000 : 1; xmin -= p; xmax += p; }
    const sy = v => pad.t + (h - pad.t - pad.b) * (1 - (v - ymin) / (ymax - ymin));
    const sx = v => pad.l + (w - pad.l - pad.r) * ((v - xmin) / (xmax - xmin));
    niceTicks(ymin, ymax, 5).filter(v => v >= ymin && v <= ymax).forEach(v => {
      const y = sy(v);
      ctx.beginPath(); ctx.moveTo(pad.l, y); ctx.lineTo(w - pad.r, y); ctx.stroke();
      ctx.textAlign = "right"; ctx.fillText(fmt(v), pad.l - 6, y + 4);
    });
    for (let i = 0; i <= 4; i++) {
      ctx.textAlign = i === 0 ? "left" : i === 4 ? "right" : "center";
      const v = xmin + (xmax - xmin) * i / 4;
      const label = timeAxis ? new Date(v).toISOString().slice(5, 16).replace("T", " ") : fmt(v);
      ctx.fillText(label, sx(v), h - 8);
    }
    return { sx, sy };
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

  function line(canvas, spec) {
    const g = setup(canvas), series = spec.series || [];
    const xs = [], ys = [];
    series.forEach(s => s.points.forEach(p => { xs.push(p[0]); ys.push(p[1]); }));
    if (!xs.length) { g.ctx.fillStyle = "#5b6672"; g.ctx.fillText("No data yet", g.w / 2 - 30, g.h / 2); return; }
    let ymin = Math.min(...ys), ymax = Math.max(...ys);
    if (spec.zero) ymin = Math.min(0, ymin);
    const { sx, sy } = axes(g, Math.min(...xs), Math.max(...xs), ymin, ymax, spec.time);
    const ctx = g.ctx;
    if (spec.regimes) regimeBands(canvas, g, sx, spec.regimes);
    (spec.bands || []).forEach(b => {
      ctx.fillStyle = "rgba(207,34,46,0.12)";
      ctx.fillRect(sx(b[0]), g.pad.t, Math.max(2, sx(b[1]) - sx(b[0])), g.h - g.pad.t - g.pad.b);
    });
    series.forEach((s, i) => {
      ctx.strokeStyle = s.color || palette[i % palette.length]; ctx.lineWidth = 1.6; ctx.beginPath();
      s.points.forEach((p, k) => { const x = sx(p[0]), y = sy(p[1]); k ? (s.step ? (ctx.lineTo(x, sy(s.points[k - 1][1])), ctx.lineTo(x, y)) : ctx.lineTo(x, y)) : ctx.moveTo(x, y); });
      ctx.stroke();
    });
    (spec.markers || []).forEach(m => {
      ctx.fillStyle = "#cf222e"; ctx.beginPath(); ctx.arc(sx(m[0]), sy(m[1]), 4, 0, 6.3); ctx.fill();
    });
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
    const { sx, sy } = axes(g, ts[0] - step / 2, ts[ts.length - 1] + step / 2, Math.min(...lows), Math.max(...highs), true);
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
    const spec = JSON.parse(data.textContent);
    (canvas.dataset.chart === "candles" ? candles : line)(canvas, spec);
  }

  window.ThermoCharts = { render, line, candles };
  document.addEventListener("DOMContentLoaded", () => document.querySelectorAll("canvas[data-chart]").forEach(render));
  // Canvases are drawn at their width on load; a phone turned sideways (or a resized window) redraws them to fit.
  let resizing = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => document.querySelectorAll("canvas[data-chart]").forEach(render), 150);
  });
})();
