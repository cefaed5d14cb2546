/* Asset graph on <canvas data-graph="ID">: a force layout (Fruchterman-Reingold, fixed seed so the picture is
   stable between visits), arrows from source to target, nodes coloured by kind, or by heat over time when a cascade is given
   (data-cascade="ID", with an <input type="range" data-frames>), and a highlighted path (data-path="ID").
   Data come from {{ x|json_script:ID }} blocks: graph {nodes:[{id,key,kind,alerts}], links:[{source,target,weight}]}
   with ids, cascade {nodes, links (indexes), times, heat[frame][node], coherence[frame]}. */
(function () {
  "use strict";
  var KIND_COLOURS = {site: "#6e7781", host: "#0969da", service: "#8250df", sensor: "#1a7f37",
                      equipment: "#bf8700", network: "#57606a"};

  function read(id) {
    var el = id && document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function rng(seed) {  // mulberry32: a deterministic start for the layout
    return function () {
      seed |= 0; seed = (seed + 0x6D2B79F5) | 0;
      var t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function layout(n, edges, width, height) {
    // k: the ideal edge length; a little gravity keeps loose components from drifting to the walls.
    var random = rng(n * 7919 + edges.length), pos = [], i, k = 0.5 * Math.sqrt((width * height) / Math.max(n, 1));
    var cx = width / 2, cy = height / 2, gravity = 0.02;
    for (i = 0; i < n; i++) pos.push({x: width * (0.1 + 0.8 * random()), y: height * (0.1 + 0.8 * random())});
    var iterations = n > 1000 ? 15 : n > 300 ? 60 : 200, temperature = width / 10;
    for (var it = 0; it < iterations; it++) {
      var disp = pos.map(function () { return {x: 0, y: 0}; });
      for (i = 0; i < n; i++) {
        for (var j = i + 1; j < n; j++) {
          var dx = pos[i].x - pos[j].x, dy = pos[i].y - pos[j].y, d = Math.max(Math.hypot(dx, dy), 0.01);
          var f = (k * k) / d;
          disp[i].x += (dx / d) * f; disp[i].y += (dy / d) * f;
          disp[j].x -= (dx / d) * f; disp[j].y -= (dy / d) * f;
        }
      }
      edges.forEach(function (e) {
        var a = pos[e[0]], b = pos[e[1]], dx = a.x - b.x, dy = a.y - b.y, d = Math.max(Math.hypot(dx, dy), 0.01);
        var f = (d * d) / k;
        disp[e[0]].x -= (dx / d) * f; disp[e[0]].y -= (dy / d) * f;
        disp[e[1]].x += (dx / d) * f; disp[e[1]].y += (dy / d) * f;
      });
      for (i = 0; i < n; i++) {
        disp[i].x -= gravity * k * (pos[i].x - cx) / 10; disp[i].y -= gravity * k * (pos[i].y - cy) / 10;
        var len = Math.max(Math.hypot(disp[i].x, disp[i].y), 0.01), step = Math.min(len, temperature);
        pos[i].x = Math.min(width - 90, Math.max(30, pos[i].x + (disp[i].x / len) * step));
        pos[i].y = Math.min(height - 30, Math.max(30, pos[i].y + (disp[i].y / len) * step));
      }
      temperature *= 0.97;
    }
    return pos;
  }

  function heatColour(h) {  // log scale: under 0.1 % of the disturbance is pale, half of it or more deep red
    var t = h <= 0 ? 0 : Math.min(1, Math.max(0, (Math.log10(h) + 3) / (3 - Math.log10(2))));
    var r = 255, g = Math.round(245 - 200 * t), b = Math.round(220 - 200 * t);
    return "rgb(" + r + "," + g + "," + b + ")";
  }

  function arrow(ctx, a, b, colour) {  // links are directed (source -> target); a cascade's are not
    var dx = b.x - a.x, dy = b.y - a.y, d = Math.hypot(dx, dy);
    if (d < 24) return;
    var ux = dx / d, uy = dy / d, tipX = b.x - ux * 9, tipY = b.y - uy * 9, size = 7;
    ctx.fillStyle = colour;
    ctx.beginPath(); ctx.moveTo(tipX, tipY);
    ctx.lineTo(tipX - ux * size - uy * size * 0.5, tipY - uy * size + ux * size * 0.5);
    ctx.lineTo(tipX - ux * size + uy * size * 0.5, tipY - uy * size - ux * size * 0.5);
    ctx.closePath(); ctx.fill();
  }

  function draw(canvas, model, frame) {
    var ctx = canvas.getContext("2d"), ratio = window.devicePixelRatio || 1;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, model.width, model.height);
    model.edges.forEach(function (e, i) {
      var a = model.pos[e[0]], b = model.pos[e[1]];
      ctx.strokeStyle = model.pathEdges[i] ? "#cf222e" : "rgba(87,96,106,0.45)";
      ctx.lineWidth = model.pathEdges[i] ? 3 : 0.5 + 1.5 * e[2];
      ctx.beginPath(); ctx.moveTo(a.x, a.y); ctx.lineTo(b.x, b.y); ctx.stroke();
      if (!model.heat && model.nodes.length <= 150) arrow(ctx, a, b, ctx.strokeStyle);
    });
    model.nodes.forEach(function (node, i) {
      var p = model.pos[i], heat = model.heat ? model.heat[frame][i] : null;
      ctx.fillStyle = heat === null ? (KIND_COLOURS[node.kind] || "#57606a") : heatColour(heat);
      ctx.strokeStyle = node.alerts ? "#cf222e" : (model.pathNodes[node.id] ? "#cf222e" : "#24292f");
      ctx.lineWidth = node.alerts || model.pathNodes[node.id] ? 2.5 : 1;
      ctx.beginPath(); ctx.arc(p.x, p.y, model.nodes.length > 150 ? 4 : 7, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
      if (model.nodes.length <= 60) {
        ctx.fillStyle = "#24292f"; ctx.font = "11px system-ui, sans-serif";
        ctx.fillText(node.key, p.x + 9, p.y + 4);
      }
    });
  }

  function build(canvas) {
    var graph = read(canvas.dataset.graph), cascade = read(canvas.dataset.cascade), path = read(canvas.dataset.path);
    var width = canvas.clientWidth || 800, height = canvas.clientHeight || 500, ratio = window.devicePixelRatio || 1;
    canvas.width = width * ratio; canvas.height = height * ratio;
    var nodes, edges;
    if (cascade) {
      nodes = cascade.nodes;
      edges = cascade.links.map(function (l) { return [l.source, l.target, l.weight]; });
    } else {
      nodes = graph.nodes;
      var index = {};
      nodes.forEach(function (n, i) { index[n.id] = i; });
      edges = graph.links.filter(function (l) { return l.source in index && l.target in index; })
        .map(function (l) { return [index[l.source], index[l.target], l.weight]; });
    }
    var pathNodes = {}, pathEdges = {}, ids = (path && path.ids) || [];
    ids.forEach(function (id) { pathNodes[id] = true; });
    edges.forEach(function (e, i) {
      var a = nodes[e[0]].id, b = nodes[e[1]].id, at = ids.indexOf(a), bt = ids.indexOf(b);
      pathEdges[i] = at >= 0 && bt >= 0 && Math.abs(at - bt) === 1;
    });
    return {nodes: nodes, edges: edges, width: width, height: height, heat: cascade ? cascade.heat : null,
            pos: layout(nodes.length, edges, width, height), pathNodes: pathNodes, pathEdges: pathEdges,
            cascade: cascade};
  }

  function bindSlider(canvas, model) {
    var slider = document.querySelector("input[data-frames]"), label = document.querySelector("[data-frame-label]");
    var play = document.querySelector("[data-play]"), timer = null;
    if (!slider || !model.cascade) return;
    slider.max = String(model.cascade.times.length - 1);
    function show() {
      var f = Number(slider.value);
      draw(canvas, model, f);
      if (label) label.textContent = "t = " + model.cascade.times[f].toFixed(2) + " · coherence " +
        model.cascade.coherence[f].toFixed(3);
    }
    slider.addEventListener("input", show);
    if (play) play.addEventListener("click", function () {
      if (timer) { clearInterval(timer); timer = null; return; }
      timer = setInterval(function () {
        slider.value = String((Number(slider.value) + 1) % model.cascade.times.length);
        show();
      }, 150);
    });
    show();
  }

  document.querySelectorAll("canvas[data-graph]").forEach(function (canvas) {
    var model = build(canvas);
    draw(canvas, model, 0);
    bindSlider(canvas, model);
  });
})();
