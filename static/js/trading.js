/* The portal trading page: polls the market's event feed every 2 s and redraws the book, trades, candles, the
   signed-in tenant's open orders and fills; the order form and cancel buttons call the API with the session
   cookie and its CSRF token. Amounts travel as integer minor units and are shown as decimals. */
(function () {
  "use strict";
  const bootEl = document.getElementById("market-boot");
  if (!bootEl) return;
  const market = JSON.parse(bootEl.textContent);
  const api = "/api/v1/markets/";
  const POLL_MS = 2000;
  const state = { seq: 0, orders: new Map(), fills: [], trades: [], failures: 0 };

  function csrf() {
    const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function decimal(minor, scale) {
    if (minor === null || minor === undefined) return "—";
    const neg = minor < 0, s = String(Math.abs(minor)).padStart(scale + 1, "0");
    let out = scale ? s.slice(0, -scale) + "." + s.slice(-scale) : s;
    if (scale) out = out.replace(/0+$/, "").replace(/\.$/, "");
    return (neg ? "-" : "") + out;
  }
  const price = v => decimal(v, market.quote_scale);
  const qty = v => decimal(v, market.base_scale);

  // "2.5" -> 2500 at scale 3, without floating point; null when not a plain decimal within the scale.
  function toMinor(text, scale) {
    const m = String(text).trim().match(/^(\d+)(?:\.(\d*))?$/);
    if (!m || (m[2] || "").length > scale) return null;
    return Number(m[1] + (m[2] || "").padEnd(scale, "0"));
  }

  async function call(path, options) {
    const response = await fetch(api + path, Object.assign({
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
    }, options || {}));
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw body;
    return body;
  }

  function cell(text, cls) {
    const td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    return td;
  }

  function fill(tbody, rows, empty, columns) {
    tbody.replaceChildren();
    if (!rows.length) {
      const tr = document.createElement("tr");
      const td = cell(empty, "muted"); td.colSpan = columns; tr.appendChild(td); tbody.appendChild(tr);
    }
    rows.forEach(r => tbody.appendChild(r));
  }

  function row(cells, cls) {
    const tr = document.createElement("tr");
    if (cls) tr.className = cls;
    cells.forEach(c => tr.appendChild(c));
    return tr;
  }

  function drawBook(depth) {
    const asks = depth.asks.slice(0, 12).reverse().map(l =>
      row([cell(price(l.price), "num"), cell(qty(l.quantity), "num"), cell(l.orders, "num")], "ask"));
    const bids = depth.bids.slice(0, 12).map(l =>
      row([cell(price(l.price), "num"), cell(qty(l.quantity), "num"), cell(l.orders, "num")], "bid"));
    fill(document.getElementById("book-asks"), asks, "No asks", 3);
    fill(document.getElementById("book-bids"), bids, "No bids", 3);
    const spread = depth.asks.length && depth.bids.length ? depth.asks[0].price - depth.bids[0].price : null;
    document.getElementById("book-spread").textContent = spread === null ? "—" : "spread " + price(spread);
  }

  const time = iso => new Date(iso).toLocaleTimeString();

  function drawTrades() {
    fill(document.getElementById("trades"), state.trades.slice(0, 30).map(t =>
      row([cell(time(t.created_at)), cell(price(t.price), "num"), cell(qty(t.quantity), "num"), cell(t.taker_side)])),
    "No trades yet", 4);
    if (state.trades.length) document.getElementById("stat-last").textContent = price(state.trades[0].price);
  }

  function cancelButton(order) {
    const td = document.createElement("td");
    const button = document.createElement("button");
    button.type = "button"; button.className = "link"; button.textContent = "Cancel";
    button.addEventListener("click", () => call("orders/" + order.id + "/cancel/", { method: "POST" })
      .then(o => { state.orders.set(o.id, o); drawOrders(); }).catch(showError));
    td.appendChild(button);
    return td;
  }

  function drawOrders() {
    const open = [...state.orders.values()].filter(o => o.status === "open").sort((a, b) => b.sequence - a.sequence);
    fill(document.getElementById("orders"), open.map(o => row([
      cell(time(o.created_at)), cell(o.client_id), cell(o.side), cell(o.type), cell(price(o.price), "num"),
      cell(qty(o.quantity), "num"), cell(qty(o.filled_quantity), "num"), cell(o.status),
      document.getElementById("order-form") ? cancelButton(o) : cell("")])), "No open orders", 9);
  }

  function drawFills() {
    fill(document.getElementById("fills"), state.fills.slice(0, 50).map(f => row([
      cell(time(f.created_at)), cell(f.side), cell(f.role), cell(price(f.price), "num"), cell(qty(f.quantity), "num"),
      cell(price(f.fee), "num")])), "No fills yet", 6);
  }

  async function drawCandles() {
    const rows = await call(market.id + "/candles/?interval=1m&limit=120");
    const scale = Math.pow(10, market.quote_scale);
    const spec = { candles: rows.map(c => [Date.parse(c.time), c.open / scale, c.high / scale, c.low / scale, c.close / scale]) };
    const canvas = document.getElementById("candles");
    if (window.ThermoCharts && canvas) window.ThermoCharts.candles(canvas, spec);
  }

  function merge(list, incoming) {
    const known = new Set(list.map(x => x.id));
    return incoming.filter(x => !known.has(x.id)).concat(list).sort((a, b) => b.id - a.id);
  }

  async function poll() {
    try {
      const feed = await call(market.id + "/events/?after=" + state.seq);
      state.seq = feed.seq;
      document.getElementById("market-state").textContent = feed.state;
      drawBook(feed.depth);
      feed.orders.forEach(o => state.orders.set(o.id, o));
      state.fills = merge(state.fills, feed.fills);
      state.trades = merge(state.trades, feed.trades);
      drawOrders(); drawFills(); drawTrades();
      if (feed.trades.length) await drawCandles();
      state.failures = 0;
    } catch (error) {
      state.failures += 1;
    }
    setTimeout(poll, POLL_MS * Math.min(8, 1 + state.failures));
  }

  async function loadTables() {
    const [orders, fills, trades] = await Promise.all([
      call(market.id + "/orders/?status=open&page_size=100"),
      call("fills/?market=" + market.id + "&page_size=50"),
      call(market.id + "/trades/?page_size=30"),
    ]);
    orders.results.forEach(o => state.orders.set(o.id, o));
    state.fills = fills.results; state.trades = trades.results;
    drawOrders(); drawFills(); drawTrades();
  }

  function showError(body) {
    const out = document.getElementById("order-result");
    if (!out) return;
    const fields = body && body.extra && body.extra.fields ? " " + Object.entries(body.extra.fields)
      .map(([k, v]) => k + ": " + [].concat(v).join(" ")).join("; ") : "";
    out.textContent = ((body && body.message) || "Request failed.") + fields + (body && body.code ? " (" + body.code + ")" : "");
    out.className = "error";
  }

  function orderBody(form) {
    const data = new FormData(form), body = {
      client_id: "web-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 8),
      side: data.get("side"), type: data.get("type"), stp_mode: data.get("stp_mode"),
      post_only: data.get("post_only") === "on",
      quantity: toMinor(data.get("quantity"), market.base_scale),
    };
    if (body.type === "limit") body.price = toMinor(data.get("price"), market.quote_scale);
    if (data.get("time_in_force")) body.time_in_force = data.get("time_in_force");
    if (data.get("expires_at")) body.expires_at = new Date(data.get("expires_at")).toISOString();
    return body;
  }

  const form = document.getElementById("order-form");
  if (form) {
    form.addEventListener("submit", event => {
      event.preventDefault();
      const body = orderBody(form), out = document.getElementById("order-result");
      if (body.quantity === null || body.price === null) {
        return showError({ message: "Enter plain decimal numbers (no more decimals than the token has)." });
      }
      call(market.id + "/orders/", { method: "POST", body: JSON.stringify(body) }).then(o => {
        state.orders.set(o.id, o); drawOrders();
        out.className = "muted";
        out.textContent = "Order #" + o.sequence + " " + o.status + ", filled " + qty(o.filled_quantity) + " " + market.base;
      }).catch(showError);
    });
    const all = document.getElementById("cancel-all");
    if (all) all.addEventListener("click", () => call(market.id + "/orders/cancel-all/", { method: "POST" })
      .then(list => { list.forEach(o => state.orders.set(o.id, o)); drawOrders(); }).catch(showError));
  }

  // Learn the current seq first, then load the lists: anything that changes in between arrives on the next poll.
  call(market.id + "/events/?after=" + Number.MAX_SAFE_INTEGER)
    .then(feed => { state.seq = feed.seq; drawBook(feed.depth); })
    .then(loadTables).catch(() => {}).finally(() => setTimeout(poll, POLL_MS));
})();
