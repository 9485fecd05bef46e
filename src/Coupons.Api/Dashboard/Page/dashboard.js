// The live dashboard (DashboardApi.cs): asks for an admin token, then reads /dashboard/data every
// second. Rates are the growth of the node's counts between two readings; campaigns' claims/s the
// growth of their issued coupons. Text goes into the page through textContent only.
"use strict";

(() => {
  const tokenKey = "coupons.dashboard.token";
  const history = 120;
  const el = (id) => document.getElementById(id);
  const sum = (counts) => Object.values(counts).reduce((a, b) => a + b, 0);
  const format = (n) => n.toLocaleString("en-US");
  const series = { t: [], claims: [], redemptions: [], p99: [] };
  let charts = null;
  let previous = null;
  let timer = null;

  function setStatus(text, error) {
    el("status").textContent = text;
    el("status").classList.toggle("error", !!error);
  }

  function signedOut(message) {
    sessionStorage.removeItem(tokenKey);
    clearTimeout(timer);
    previous = null;
    el("live").hidden = true;
    el("sign-out").hidden = true;
    el("sign-in").hidden = false;
    el("sign-in-error").textContent = message || "";
    setStatus("Waiting for an admin token");
  }

  async function poll() {
    const token = sessionStorage.getItem(tokenKey);
    if (!token) {
      return;
    }
    try {
      const response = await fetch("/dashboard/data", { headers: { Authorization: "Bearer " + token }, cache: "no-store" });
      if (response.status === 401) {
        return signedOut("The token was refused: it is expired, malformed or not signed with this service's key.");
      }
      if (response.status === 403) {
        return signedOut("The token is not an admin's: the dashboard is for admins only.");
      }
      if (!response.ok) {
        setStatus("The service answered " + response.status + "; trying again", true);
      } else {
        show(await response.json());
      }
    } catch (error) {
      setStatus("The service cannot be reached; trying again", true);
    }
    timer = setTimeout(poll, 1000);
  }

  function show(snapshot) {
    el("sign-in").hidden = true;
    el("live").hidden = false;
    el("sign-out").hidden = false;
    const at = Date.parse(snapshot.at);
    setStatus((snapshot.ready ? "Store ready" : "Store NOT ready") + " · updated " + new Date(at).toLocaleTimeString(), !snapshot.ready);
    const seconds = previous ? (at - Date.parse(previous.at)) / 1000 : 0;
    const rate = (now, before) => (seconds > 0 ? Math.max(0, now - before) / seconds : 0);
    const claims = previous ? rate(sum(snapshot.claims), sum(previous.claims)) : 0;
    const redemptions = previous ? rate(sum(snapshot.redemptions) + sum(snapshot.orders), sum(previous.redemptions) + sum(previous.orders)) : 0;
    el("claims-rate").textContent = claims.toFixed(1);
    el("redemptions-rate").textContent = redemptions.toFixed(1);
    el("requests-rate").textContent = snapshot.requests.perSecond.toFixed(1);
    el("p99").textContent = snapshot.requests.p99Ms === null ? "–" : snapshot.requests.p99Ms.toFixed(2) + " ms";
    const shed = previous ? rate(snapshot.requests.shed, previous.requests.shed) : 0;
    el("shed-rate").textContent = shed.toFixed(1) + " (" + snapshot.requests.inFlight + ")";
    if (previous) {
      record(at / 1000, claims, redemptions, snapshot.requests.p99Ms);
    }
    campaigns(snapshot, seconds);
    outcomes("claim-outcomes", snapshot.claims);
    outcomes("redemption-outcomes", snapshot.redemptions);
    outcomes("order-outcomes", snapshot.orders);
    previous = snapshot;
  }

  function record(t, claims, redemptions, p99) {
    series.t.push(t);
    series.claims.push(claims);
    series.redemptions.push(redemptions);
    series.p99.push(p99);
    for (const values of Object.values(series)) {
      if (values.length > history) {
        values.shift();
      }
    }
    if (!charts) {
      charts = makeCharts();
    }
    charts.rates.setData([series.t, series.claims, series.redemptions]);
    charts.p99.setData([series.t, series.p99]);
    el("rates-chart").dataset.points = series.t.length;
  }

  function makeCharts() {
    const size = (id) => ({ width: Math.max(300, el(id).clientWidth), height: 220 });
    const line = (label, stroke) => ({ label, stroke, width: 2, points: { show: false } });
    // The last two minutes, however few readings there are yet.
    const scales = { x: { time: true, range: (u, min, max) => [max - history, max] }, y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } };
    const options = (id, lines) => ({ ...size(id), scales, series: [{}, ...lines] });
    const rates = new uPlot(options("rates-chart", [line("Claims/s", "#2563eb"), line("Redemptions/s", "#16a34a")]), [[], [], []], el("rates-chart"));
    const p99 = new uPlot(options("p99-chart", [line("p99 ms", "#dc2626")]), [[], []], el("p99-chart"));
    window.addEventListener("resize", () => {
      rates.setSize(size("rates-chart"));
      p99.setSize(size("p99-chart"));
    });
    return { rates, p99 };
  }

  function cell(row, text, numeric) {
    const td = row.insertCell();
    td.textContent = text;
    if (numeric) {
      td.className = "num";
    }
    return td;
  }

  function campaigns(snapshot, seconds) {
    const before = new Map((previous ? previous.campaigns : []).map((c) => [c.id, c]));
    const body = el("campaigns").tBodies[0];
    body.replaceChildren();
    for (const c of snapshot.campaigns) {
      const row = body.insertRow();
      row.dataset.campaign = c.id;
      cell(row, c.name).title = c.id;
      const remaining = cell(row, "");
      const meter = document.createElement("meter");
      meter.min = 0;
      meter.max = Math.max(1, c.totalStock);
      meter.value = c.remainingStock;
      meter.low = meter.max * 0.1;
      remaining.append(meter, format(c.remainingStock));
      remaining.classList.add("remaining");
      cell(row, format(c.totalStock), true);
      cell(row, format(c.issued), true).classList.add("issued");
      const was = before.get(c.id);
      cell(row, was && seconds > 0 ? (Math.max(0, c.issued - was.issued) / seconds).toFixed(1) : "–", true).classList.add("claims-rate");
      cell(row, format(c.locked), true);
      cell(row, format(c.used), true);
      cell(row, format(c.rejected), true);
    }
    el("no-campaigns").hidden = snapshot.campaigns.length > 0;
    el("more-campaigns").hidden = !snapshot.moreCampaigns;
  }

  function outcomes(id, counts) {
    const body = el(id).tBodies[0];
    body.replaceChildren();
    for (const [code, count] of Object.entries(counts)) {
      const row = body.insertRow();
      row.dataset.outcome = code;
      cell(row, code);
      cell(row, format(count), true);
    }
  }

  el("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const token = el("token").value.trim().replace(/^Bearer\s+/i, "");
    el("token").value = "";
    if (token) {
      sessionStorage.setItem(tokenKey, token);
      el("sign-in-error").textContent = "";
      setStatus("Connecting…");
      clearTimeout(timer);
      poll();
    }
  });
  el("sign-out").addEventListener("click", () => signedOut(""));
  if (sessionStorage.getItem(tokenKey)) {
    poll();
  }
})();
