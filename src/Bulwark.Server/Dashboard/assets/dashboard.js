// Bulwark dashboard: reads the HTTP API with the key entered once (kept in this tab's sessionStorage), follows the
// event stream (EventSource with a short-lived ticket, since EventSource cannot send an Authorization header), and
// redraws what an event touches. Charts are inline SVG drawn here. Nothing is invented: a part the server does not
// serve or the configuration leaves out says so.

const KEY = "bulwark.key";
const $ = (id) => document.getElementById(id);
const ns = "http://www.w3.org/2000/svg";

const ui = { key: sessionStorage.getItem(KEY), who: null, stream: null, timers: new Map(), status: null };

// ---------- HTTP ----------

async function api(path, init = {}) {
  const headers = { Accept: "application/json", ...(init.headers || {}) };
  if (ui.key) headers.Authorization = "Bearer " + ui.key;
  if (init.body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { ...init, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  } catch (error) {
    return { status: 0, body: null, problem: "the server does not answer (" + error.message + ")" };
  }
  let body = null;
  const type = response.headers.get("Content-Type") || "";
  if (type.includes("json")) {
    try { body = await response.json(); } catch { body = null; }
  }
  if (response.status === 401 && path !== "/api/v1/whoami") {
    signOut("The key was refused: " + problemText(body, response.status));
  }
  return { status: response.status, body, problem: response.ok ? null : problemText(body, response.status) };
}

function problemText(body, status) {
  if (status === 404 && !(body && body.detail)) return "not served by this server (this build does not have it yet)";
  if (body && (body.detail || body.title)) return (body.title ? body.title + ": " : "") + (body.detail || "");
  return "HTTP " + status;
}

// ---------- DOM helpers ----------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(ns, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function fill(id, ...children) {
  const target = $(id);
  target.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined));
}

const note = (text) => el("p", { class: "note", text });
const pill = (value, prefix = "") => el("span", { class: "pill", "data-state": value ?? "", text: prefix + (value ?? "unknown") });

function when(value) {
  if (!value) return "—";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return date.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}

function ago(value) {
  if (!value) return "";
  const seconds = Math.round((Date.now() - new Date(value).getTime()) / 1000);
  if (!Number.isFinite(seconds)) return "";
  if (seconds < 60) return seconds + " s ago";
  if (seconds < 3600) return Math.round(seconds / 60) + " min ago";
  return Math.round(seconds / 3600) + " h ago";
}

const pick = (obj, ...names) => {
  if (!obj) return undefined;
  for (const name of names) if (obj[name] !== undefined && obj[name] !== null) return obj[name];
  return undefined;
};

const number = (value, digits = 2) => (typeof value === "number" && Number.isFinite(value) ? value.toFixed(digits) : "—");
const percent = (value, digits = 3) => (typeof value === "number" && Number.isFinite(value) ? (value * 100).toFixed(digits) + " %" : "—");

function list(body, ...names) {
  if (Array.isArray(body)) return body;
  const found = pick(body, ...names, "items");
  return Array.isArray(found) ? found : [];
}

// A part the server answered with an error, or a section the configuration leaves out: say which.
function unavailable(result, what) {
  if (result.status === 0) return note(what + ": " + result.problem);
  if (result.status >= 400) return note(what + ": " + result.problem);
  if (result.body && result.body.configured === false) {
    return note(what + ": not configured" + (result.body.reason ? " (" + result.body.reason + ")" : "") + ".");
  }
  return null;
}

function table(rows, columns) {
  if (rows.length === 0) return note("none yet");
  return el("div", { class: "scroll" }, el("table", {},
    el("thead", {}, el("tr", {}, columns.map(([title]) => el("th", { text: title })))),
    el("tbody", {}, rows.map((row) => el("tr", {}, columns.map(([, cell]) => {
      const value = cell(row);
      return el("td", {}, value instanceof Node ? value : String(value ?? "—"));
    }))))));
}

// ---------- charts (inline SVG) ----------

const conditionState = { Passing: "Healthy", Warning: "Degraded", Recovering: "Recovering", Unknown: "Unknown", Failing: "Failed" };

const stateColour = {
  Healthy: "#1f8a4c", Degraded: "#b7791f", Recovering: "#b7791f", Unknown: "#8a94a3", Critical: "#c0392b", Failed: "#7b241c",
};

// Bars with a label each, an optional limit line (an SLA, a budget), values in `unit`.
function barChart(items, { unit = "", limit = null, limitLabel = "", max = null, width = 520 } = {}) {
  const rowHeight = 22, left = 150, right = 70;
  const top = limit === null ? 4 : 16;
  const height = top + items.length * rowHeight + 4;
  const scaleMax = Math.max(max ?? 0, limit ?? 0, ...items.map((i) => i.value || 0)) || 1;
  const x = (v) => left + (Math.max(0, v) / scaleMax) * (width - left - right);
  const chart = svg("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img" });
  items.forEach((item, index) => {
    const y = top + index * rowHeight;
    chart.append(
      svg("text", { x: left - 6, y: y + 15, "text-anchor": "end" }, item.label),
      svg("rect", { x: left, y: y + 3, width: Math.max(1, x(item.value || 0) - left), height: rowHeight - 8, fill: item.colour || "#2b6cb0", rx: 2 },
        svg("title", {}, `${item.label}: ${number(item.value)} ${unit}`)),
      svg("text", { x: x(item.value || 0) + 4, y: y + 15 }, `${number(item.value)}${unit ? " " + unit : ""}`));
  });
  if (limit !== null) {
    chart.append(
      svg("line", { x1: x(limit), x2: x(limit), y1: 10, y2: height, stroke: "#c0392b", "stroke-dasharray": "4 3" }),
      svg("text", { x: x(limit), y: 10, "text-anchor": "middle" }, limitLabel));
  }
  return chart;
}

// A component's states over a window, one coloured span per state, from its transitions (oldest first).
function strip(transitions, current, from, to) {
  const width = 600;
  const chart = svg("svg", { class: "strip", viewBox: `0 0 ${width} 14`, preserveAspectRatio: "none", role: "img" });
  const span = to - from || 1;
  const spans = [];
  let state = transitions.length > 0 ? (transitions[0].from || "Unknown") : current;
  let start = from;
  for (const t of transitions) {
    const at = Math.max(from, new Date(t.time).getTime());
    spans.push([start, at, state]);
    start = at;
    state = t.to;
  }
  spans.push([start, to, state]);
  for (const [a, b, s] of spans) {
    if (b <= a) continue;
    chart.append(svg("rect", { x: ((a - from) / span) * width, y: 0, width: ((b - a) / span) * width, height: 14, fill: stateColour[s] || "#8a94a3" },
      svg("title", {}, `${s} from ${when(new Date(a))} to ${when(new Date(b))}`)));
  }
  return chart;
}

// ---------- sections ----------

async function loadStatus() {
  const result = await api("/api/v1/status");
  if (result.status !== 200) {
    fill("system-summary", note("status: " + result.problem));
    return;
  }
  const status = result.body;
  ui.status = status;
  const system = status.system || {};
  const header = $("system-state");
  header.dataset.state = system.state || "";
  header.textContent = "system: " + (system.state || "unknown");
  fill("system-summary", el("dl", { class: "kv" },
    el("dt", { text: "State" }), el("dd", {}, pill(system.state)),
    el("dt", { text: "Since" }), el("dd", { text: when(system.since) + " " + ago(system.since) }),
    el("dt", { text: "Held at Critical by" }), el("dd", { text: (system.holds || []).join("; ") || "nothing" }),
    el("dt", { text: "Store" }), el("dd", { text: system.storeFault ? "failing: " + system.storeFault : "writable" })));
  renderComponents(status);
  renderTrading(status);
  renderFailoverGroups(status);
  $("updated").textContent = "updated " + when(new Date());
}

let history = { transitions: [], problem: null, loadedAt: 0 };

async function loadHistory() {
  const result = await api("/api/v1/events?kind=component.state&limit=1000");
  history = result.status === 200
    ? { transitions: list(result.body, "events"), problem: null, loadedAt: Date.now() }
    : { transitions: [], problem: result.problem, loadedAt: Date.now() };
  if (ui.status) renderComponents(ui.status);
}

function renderComponents(status) {
  const components = status.components || [];
  if (components.length === 0) {
    fill("components", note("no components in the configuration"));
    return;
  }
  const to = Date.now(), from = to - 60 * 60 * 1000;
  const rows = components.map((c) => {
    const mine = history.transitions.filter((t) => t.subject === c.name && new Date(t.time).getTime() <= to);
    const inWindow = mine.filter((t) => new Date(t.time).getTime() >= from);
    const before = mine.filter((t) => new Date(t.time).getTime() < from).pop();
    const timeline = history.problem ? note("history: " + history.problem)
      : strip(before ? [{ ...before, time: new Date(from).toISOString() }, ...inWindow] : inWindow, c.state, from, to);
    return el("tr", { "data-component": c.name },
      el("td", {}, el("strong", { text: c.name }), el("div", { class: "muted", text: c.criticality || "" })),
      el("td", {}, el("span", { class: "pill", "data-state": c.state, "data-testid": "component-state", text: c.state })),
      el("td", {}, el("div", { text: "since " + when(c.since) }), el("div", { class: "muted", text: "checked " + ago(c.lastCheckAt) })),
      el("td", {}, (c.checks || []).map((k) => el("div", {}, el("span", { text: (k.name || k.type) + " " }),
        el("span", { class: "pill small", "data-state": conditionState[k.condition] || "", text: k.condition || "?" }),
        el("span", { class: "muted", text: " " + [k.lastDescription, k.lastException].filter((v) => v).join(" — ") })))),
      el("td", { class: "history" }, timeline));
  });
  fill("components", el("div", { class: "scroll" }, el("table", {},
    el("thead", {}, el("tr", {}, ["Component", "State", "When", "Checks", "Last hour"].map((t) => el("th", { text: t })))),
    el("tbody", {}, rows))));
}

function renderTrading(status) {
  const trading = status.trading || {};
  const header = $("trading-state");
  header.dataset.state = trading.configured ? (trading.state || "") : "";
  header.textContent = "trading: " + (trading.configured ? trading.state : "not configured");
  if (!trading.configured) {
    fill("trading", note("Trading is not configured: the configuration has no trading: section, so there is no risk gate."));
    renderKillSwitch(status);
    return;
  }
  const scopes = trading.scopes || [];
  fill("trading",
    el("dl", { class: "kv" },
      el("dt", { text: "Firm" }), el("dd", {}, el("span", { class: "pill", id: "firm-state", "data-state": trading.state, text: trading.state }))),
    el("h3", { text: "Scopes held" }),
    table(scopes, [["Scope", (s) => s.scope], ["State", (s) => pill(s.state)], ["Held by", (s) => (s.heldBy || []).join(", ")]]),
    el("h3", { text: "Kill switches engaged" }),
    table(trading.killSwitches || [], [["Scope", (k) => k.scope], ["By", (k) => k.engagedBy], ["Reason", (k) => k.reason], ["At", (k) => when(k.engagedAt)]]));
  renderKillSwitch(status);
}

function renderKillSwitch(status) {
  const trading = status.trading || {};
  const role = ui.who ? ui.who.role : "viewer";
  const operator = role === "operator" || role === "admin";
  const why = !trading.configured ? "trading is not configured"
    : !operator ? `your key (${ui.who ? ui.who.name : "?"}) has the ${role} role; the kill switch needs an operator key`
    : null;
  const engaged = (trading.killSwitches || []).some((k) => k.scope === "firm");
  const engage = el("button", { type: "button", id: "engage-kill", class: "danger", disabled: why !== null, title: why || "", onclick: () => openKill(true) }, "Engage kill switch…");
  const release = el("button", { type: "button", id: "release-kill", class: "secondary", disabled: why !== null || !engaged, title: why || "", onclick: () => openKill(false) }, "Release…");
  fill("kill-switch",
    el("p", {}, "Firm kill switch: ", el("strong", { id: "kill-state", text: engaged ? "engaged" : "released" })),
    el("div", { class: "actions" }, release, engage),
    why ? el("p", { class: "note", id: "kill-why", text: "Disabled: " + why + "." }) : null);
}

function openKill(engage) {
  const dialog = $("confirm-kill");
  dialog.dataset.engage = engage ? "true" : "false";
  $("kill-title").textContent = engage ? "Engage the kill switch" : "Release the kill switch";
  $("kill-text").textContent = engage
    ? "Every new order in this scope is rejected and its working orders are cancelled, until an operator releases it."
    : "Orders in this scope may be sent again (other holds still apply).";
  $("kill-confirm").textContent = engage ? "Engage" : "Release";
  $("kill-reason").value = "";
  $("kill-error").textContent = "";
  dialog.showModal();
  $("kill-reason").focus();
}

async function submitKill(event) {
  event.preventDefault();
  const dialog = $("confirm-kill");
  const reason = $("kill-reason").value.trim();
  const scope = $("kill-scope").value.trim();
  if (!reason) {
    $("kill-error").textContent = "A reason is required: it is recorded with your key's name.";
    return;
  }
  const engage = dialog.dataset.engage === "true";
  $("kill-confirm").disabled = true;
  const result = await api("/api/v1/kill-switch", { method: "POST", body: { scope, engage, reason } });
  $("kill-confirm").disabled = false;
  if (result.status >= 200 && result.status < 300) {
    dialog.close();
    await loadStatus();
  } else {
    $("kill-error").textContent = result.problem;
  }
}

function renderFailoverGroups(status) {
  const failover = status.failover || {};
  if (!failover.configured) {
    fill("failover-groups", note("Failover is not configured: the configuration has no failover: section."));
    return;
  }
  fill("failover-groups",
    el("p", { class: "muted", text: "This Bulwark is replica " + failover.replica }),
    table(failover.groups || [], [["Group", (g) => g.group], ["Role here", (g) => (g.unknown ? "unknown: " + g.unknown : g.leader ? "leader" : "observer / follower")], ["Token", (g) => g.fencingToken]]));
}

async function loadFailovers() {
  const result = await api("/api/v1/failovers");
  const problem = unavailable(result, "Failovers");
  if (problem) return fill("failovers", problem);
  const body = result.body || {};
  const failovers = list(body, "failovers");
  const sla = pick(body.recoveryTime, "maxRecoveryTimeSeconds") ?? null;
  const seconds = (f) => pick(f, "recoverySeconds", "recoveryTimeSeconds", "durationSeconds") ?? null;
  const timed = failovers.filter((f) => typeof seconds(f) === "number").slice(0, 15).reverse();
  fill("failovers",
    el("h3", { text: "Leadership" }),
    table(list(body.groups || []), [["Group", (g) => g.group], ["Leader", (g) => g.leader ?? (g.error ? "unknown: " + g.error : "none")], ["Token", (g) => g.token], ["Lease until", (g) => when(g.expiresAt).slice(11)]]),
    el("h3", { text: "Failovers of this Bulwark's groups" }),
    timed.length === 0 ? note("none recorded by this Bulwark's own electors (an observed group's takeovers are measured by the drills below)")
      : barChart(timed.map((f) => ({ label: `${when(pick(f, "at", "completedAt", "time")).slice(11, 19)} ${f.group ?? ""}`, value: seconds(f),
        colour: sla !== null && seconds(f) > sla ? "#c0392b" : "#2b6cb0" })), { unit: "s", limit: sla, limitLabel: sla !== null ? `SLA ${sla} s` : "" }),
    body.recoveryTime ? el("p", { class: "muted", text: `recovery-time SLA ${sla} s: ${body.recoveryTime.count} failover(s), ${body.recoveryTime.violations} over it` }) : null);
}

async function loadSla() {
  const result = await api("/api/v1/sla");
  const problem = unavailable(result, "SLOs");
  if (problem) return fill("slos", problem);
  const slos = list(result.body, "slos");
  if (slos.length === 0) return fill("slos", note("no SLO in the configuration"));
  fill("slos", slos.map((s) => {
    const budget = pick(s, "errorBudgetRemainingRatio");
    const burn = Object.entries(pick(s, "burnRates") || {});
    const alerts = list(pick(s, "activeAlerts") || []);
    return el("div", { class: "slo", "data-slo": s.name },
      el("h3", {}, s.name + " ", pill(s.currentAvailability === null || s.currentAvailability === undefined ? "no data" : s.slaMet ? "met" : "missed"), alerts.length ? el("span", { class: "pill", "data-state": "Failed", text: `${alerts.length} alert(s)` }) : null),
      el("dl", { class: "kv" },
        el("dt", { text: "Subject" }), el("dd", { text: s.subject ?? "—" }),
        el("dt", { text: "Objective" }), el("dd", { text: percent(pick(s, "target", "objective")) + " over " + (s.window ?? "?") }),
        el("dt", { text: "Availability" }), el("dd", { text: s.currentAvailability === null || s.currentAvailability === undefined ? "no data yet" : percent(s.currentAvailability) }),
        el("dt", { text: "Error budget left" }), el("dd", { text: `${percent(budget, 1)} (${s.errorBudgetRemaining ?? "?"} of ${s.errorBudget ?? "?"})` })),
      typeof budget === "number" ? barChart([{ label: "budget left", value: Math.max(0, budget) * 100, colour: budget < 0.1 ? "#c0392b" : "#1f8a4c" }], { unit: "%", max: 100 }) : null,
      burn.length === 0 ? note("no burn rates yet") : barChart(burn.map(([window, rate]) => ({
        label: "burn " + window, value: typeof rate === "number" ? rate : 0, colour: rate > 1 ? "#c0392b" : "#2b6cb0",
      })), { limit: 1, limitLabel: "1× budget" }));
  }));
}

async function loadIncidents() {
  const result = await api("/api/v1/incidents");
  const problem = unavailable(result, "Incidents");
  if (problem) return fill("incidents", problem);
  const incidents = list(result.body, "incidents").slice(0, 15);
  if (incidents.length === 0) return fill("incidents", note("no incident recorded"));
  fill("incidents", incidents.map((i) => el("details", { open: i.isOpen },
    el("summary", {}, pill(i.isOpen ? "open" : "resolved"), " ",
      el("strong", { text: `${i.id} ${i.subject ?? ""}` }), " ",
      el("span", { class: "muted", text: `${i.severity ?? ""} · opened ${when(i.openedAt)}${i.resolvedAt ? " · resolved " + when(i.resolvedAt).slice(11) + (i.resolvedBy ? " by " + i.resolvedBy : "") : ""}` })),
    el("ul", { class: "timeline" }, list(i.timeline || []).map((t) =>
      el("li", {}, el("span", { class: "muted", text: when(t.at).slice(11) + " " }), t.what ?? "", t.who ? el("span", { class: "muted", text: " — " + t.who }) : null))))));
}

async function loadRedundancy() {
  const result = await api("/api/v1/redundancy");
  const problem = unavailable(result, "Redundancy");
  if (problem) return fill("redundancy", problem);
  const body = result.body;
  const services = list(body, "services");
  fill("redundancy",
    el("p", {}, `Level N+${body.level ?? "?"}, N+${body.required ?? "?"} required `, pill(body.met ? "met" : "missed")),
    services.map((s) => el("div", {},
      el("h3", {}, `${s.name} (${s.type ?? ""}) `, pill(s.met ? "met" : "missed")),
      el("p", { class: "muted", text: `N+${s.level} of N+${s.required} required · ${s.healthy}/${s.total} healthy · capacity ${s.capacity}` }),
      table(list(s.replicas || []), [["Replica", (r) => r.name], ["Healthy", (r) => pill(r.healthy ? "Healthy" : "Failed")], ["Leader", (r) => (r.leader ? "yes" : "")],
        ["Where", (r) => `${r.host ?? "?"} / ${r.zone ?? "?"}`], ["Evidence", (r) => r.evidence]]))),
    el("h3", { text: "Findings" }),
    table(list(body.findings || []), [["Severity", (f) => f.severity], ["Kind", (f) => f.kind], ["Finding", (f) => f.message]]));
}

async function loadDrills() {
  const result = await api("/api/v1/drills");
  const problem = unavailable(result, "Drills");
  if (problem) return fill("drills", problem);
  const drills = list(result.body, "drills").slice(0, 10);
  const sla = drills.find((d) => typeof d.maxRecoveryTimeSeconds === "number")?.maxRecoveryTimeSeconds ?? null;
  const timed = drills.filter((d) => typeof d.recoverySeconds === "number").slice().reverse();
  fill("drills",
    timed.length === 0 ? note("no drill has measured a recovery yet") : [el("h3", { text: "Recovery time of the last drills" }), barChart(timed.map((d) => ({
      label: `${when(d.startedAt).slice(11, 19)} ${d.target}`, value: d.recoverySeconds, colour: sla !== null && d.recoverySeconds > sla ? "#c0392b" : "#2b6cb0",
    })), { unit: "s", limit: sla, limitLabel: sla !== null ? `SLA ${sla} s` : "" })],
    table(drills, [
      ["At", (d) => when(d.startedAt)], ["Drill", (d) => `${d.kind} ${d.target}`], ["By", (d) => d.by],
      ["Verdict", (d) => el("span", { class: "pill", "data-state": d.verdict === "passed" ? "met" : "missed", text: d.verdict })],
      ["Leader", (d) => (d.leaderBefore ? `${d.leaderBefore} #${d.tokenBefore} → ${d.leaderAfter ?? "?"} #${d.tokenAfter ?? "?"}` : "—")],
      ["Recovery", (d) => (typeof d.recoverySeconds === "number" ? number(d.recoverySeconds, 3) + " s" : (d.reasons || []).join("; ") || "—")]]));
}

async function loadRecoveries() {
  const result = await api("/api/v1/recoveries");
  const problem = unavailable(result, "Recoveries");
  if (problem) return fill("recoveries", problem);
  const runs = list(result.body, "runs").slice(0, 10);
  fill("recoveries", table(runs, [
    ["At", (r) => when(r.startedAt)], ["Plan", (r) => r.plan], ["Trigger", (r) => r.trigger],
    ["Outcome", (r) => el("span", { class: "pill", "data-state": r.outcome === "succeeded" ? "met" : r.isFinished ? "missed" : "Recovering", text: r.outcome ?? "running" })],
    ["Took", (r) => (typeof r.durationSeconds === "number" ? `${number(r.durationSeconds, 2)} s${r.slaMet === false ? " (over SLA)" : ""}` : "—")]]));
}

async function loadLimits() {
  const [positions, limits] = await Promise.all([api("/api/v1/positions"), api("/api/v1/limits")]);
  const parts = [el("h3", { text: "Positions" })];
  const noPositions = unavailable(positions, "Positions");
  if (noPositions) parts.push(noPositions);
  else {
    const rows = list(positions.body, "positions");
    parts.push(el("p", { class: "muted", id: "working-orders", text: `working orders: ${positions.body.workingOrders ?? "—"}` }),
      rows.length === 0 ? note("no position yet") : table(rows, [
        ["Account", (p) => p.account], ["Symbol", (p) => p.symbol], ["Position", (p) => el("strong", { "data-position": `${p.account}/${p.symbol}`, text: String(p.position) })],
        ["Avg price", (p) => number(p.averagePrice, 4)], ["Realized P&L", (p) => number(p.realizedPnl)]]));
  }
  parts.push(el("h3", { text: "Firm limits" }));
  const noLimits = unavailable(limits, "Limits");
  if (noLimits) parts.push(noLimits);
  else {
    const body = limits.body.limits || limits.body;
    const firm = pick(body, "firm") || {};
    parts.push(el("dl", { class: "kv" },
      el("dt", { text: "Checks" }), el("dd", { text: String(pick(body, "enabledChecks") ?? "—") }),
      Object.entries(firm).filter(([, v]) => v !== null && typeof v !== "object").flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: String(v) })])));
  }
  fill("limits", parts);
}

async function loadTradingEvents() {
  const result = await api("/api/v1/events?kind=trading.&limit=15");
  const killswitch = await api("/api/v1/events?kind=killswitch.&limit=10");
  if (result.status !== 200) return fill("trading-events", note("events: " + result.problem));
  const events = [...list(result.body, "events"), ...list(killswitch.body, "events")].sort((a, b) => (b.sequence || 0) - (a.sequence || 0)).slice(0, 15);
  fill("trading-events", table(events, [["At", (e) => when(e.time).slice(11)], ["Kind", (e) => e.kind], ["Subject", (e) => e.subject], ["By", (e) => e.actor], ["Why", (e) => e.cause]]));
}

// ---------- live ----------

const loaders = {
  status: loadStatus, history: loadHistory, failovers: loadFailovers, sla: loadSla, incidents: loadIncidents,
  redundancy: loadRedundancy, drills: loadDrills, recoveries: loadRecoveries, limits: loadLimits, tradingEvents: loadTradingEvents,
};

// Which views an event kind touches.
function touched(kind) {
  const k = kind || "";
  if (k.startsWith("component.") || k.startsWith("system.")) return ["status", "history", "sla", "incidents", "redundancy"];
  if (k.startsWith("trading.") || k.startsWith("killswitch.")) return ["status", "limits", "tradingEvents"];
  if (k.startsWith("failover.")) return ["status", "failovers", "redundancy"];
  if (k.startsWith("recovery.")) return ["recoveries", "status", "incidents"];
  if (k.startsWith("redundancy.")) return ["redundancy", "drills", "failovers"];
  if (k.startsWith("incident.") || k.startsWith("availability.") || k.startsWith("slo.")) return ["incidents", "sla"];
  return ["status"];
}

// Coalesces the redraws an event burst asks for: each view at most every 300 ms.
function schedule(names) {
  for (const name of names) {
    if (ui.timers.has(name)) continue;
    ui.timers.set(name, setTimeout(() => { ui.timers.delete(name); loaders[name](); }, 300));
  }
}

async function connectStream() {
  if (ui.stream) ui.stream.close();
  const live = $("live");
  const ticket = await api("/api/v1/stream/ticket", { method: "POST" });
  if (ticket.status !== 200) {
    live.dataset.live = "off";
    live.textContent = "no stream";
    live.title = "the event stream: " + ticket.problem;
    setTimeout(connectStream, 10000);
    return;
  }
  // A new ticket after a drop resumes after the last event seen (the server reads the gap from its log).
  const source = new EventSource(ticket.body.url + (ui.lastId ? "&lastEventId=" + encodeURIComponent(ui.lastId) : ""));
  ui.stream = source;
  source.onopen = () => { live.dataset.live = "on"; live.textContent = "live"; live.title = "following the event stream"; };
  source.onmessage = (message) => onEvent(message);
  source.addEventListener("event", onEvent);
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED) {
      // Refused (an expired ticket, a restarted server, no stream in this build): a new ticket, and a full redraw
      // so nothing that happened in between is missed.
      live.dataset.live = "retry";
      live.textContent = "reconnecting";
      setTimeout(() => { connectStream(); refreshAll(); }, 3000);
    } else {
      live.dataset.live = "retry";
      live.textContent = "reconnecting";
    }
  };
}

function onEvent(message) {
  if (message.lastEventId) ui.lastId = message.lastEventId;
  let kind = message.type !== "message" && message.type !== "event" ? message.type : "";
  try {
    const data = JSON.parse(message.data);
    kind = data.kind || kind;
  } catch { /* a comment or keep-alive */ }
  schedule(touched(kind));
}

function refreshAll() { schedule(Object.keys(loaders)); }

// ---------- pages, sign-in ----------

function showPage() {
  const page = (location.hash || "#system").slice(1);
  for (const section of document.querySelectorAll(".page")) section.hidden = section.dataset.page !== page;
  for (const link of document.querySelectorAll("nav a")) {
    if (link.dataset.page === page) link.setAttribute("aria-current", "page"); else link.removeAttribute("aria-current");
  }
}

async function signIn(key) {
  ui.key = key;
  const who = await api("/api/v1/whoami");
  if (who.status !== 200) {
    ui.key = null;
    sessionStorage.removeItem(KEY);
    return who.problem;
  }
  sessionStorage.setItem(KEY, key);
  ui.who = who.body;
  $("who").textContent = `${who.body.name} (${who.body.role})`;
  $("login").hidden = true;
  $("pages").hidden = false;
  $("nav").hidden = false;
  $("sign-out").hidden = false;
  showPage();
  await Promise.all(Object.values(loaders).map((load) => load()));
  connectStream();
  // The stream carries changes; "last checked" times move without an event, so the status is re-read every 5 s too.
  ui.poll = setInterval(loadStatus, 5000);
  return null;
}

function signOut(message) {
  sessionStorage.removeItem(KEY);
  ui.key = null;
  ui.who = null;
  if (ui.stream) ui.stream.close();
  clearInterval(ui.poll);
  $("login").hidden = false;
  $("pages").hidden = true;
  $("nav").hidden = true;
  $("sign-out").hidden = true;
  $("who").textContent = "";
  $("login-error").textContent = message || "";
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const problem = await signIn($("key").value.trim());
  $("login-error").textContent = problem || "";
  $("key").value = "";
});
$("sign-out").addEventListener("click", () => signOut(""));
$("kill-form").addEventListener("submit", submitKill);
$("kill-cancel").addEventListener("click", () => $("confirm-kill").close());
window.addEventListener("hashchange", showPage);

if (ui.key) {
  signIn(ui.key).then((problem) => { if (problem) signOut(problem); });
} else {
  signOut("");
}
