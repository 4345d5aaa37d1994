// Orvirt VM page. Every piece of data is put into the page with textContent (never innerHTML),
// so a VM, label or node name cannot inject markup.
"use strict";

const state = {
  vms: new Map(),          // "ns/name" -> VM snapshot
  nodes: [],
  events: new Map(),       // "ns/name" -> recent changes seen by this page, newest first
  synced: false,
  detailKey: null,
  detailView: null,
};
const MAX_EVENTS = 20;

// ---- small DOM helpers -------------------------------------------------------------------------
function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null) continue;
    if (k === "text") node.textContent = String(v);
    else if (k === "class") node.className = v;
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}
const td = (text, props) => el("td", Object.assign({ text }, props || {}));
function table(headers, rows) {
  return el("table", {}, el("thead", {}, el("tr", {}, ...headers.map(h => el("th", { text: h })))), el("tbody", {}, ...rows));
}

// ---- formatting --------------------------------------------------------------------------------
function bytes(n) {
  if (!n) return "0";
  const units = [["Gi", 1 << 30], ["Mi", 1 << 20], ["Ki", 1 << 10]];
  for (const [u, f] of units) if (n >= f) return (n / f).toFixed(n % f === 0 ? 0 : 1) + u;
  return n + "B";
}
function age(iso) {
  if (!iso) return "";
  const s = Math.max(0, Math.floor((Date.now() - new Date(iso).getTime()) / 1000));
  if (s < 60) return s + "s";
  if (s < 3600) return Math.floor(s / 60) + "m" + (s % 60 ? (s % 60) + "s" : "");
  if (s < 86400) return Math.floor(s / 3600) + "h" + Math.floor((s % 3600) / 60) + "m";
  return Math.floor(s / 86400) + "d" + Math.floor((s % 86400) / 3600) + "h";
}
const time = iso => iso ? new Date(iso).toLocaleTimeString() : "";
const vcpus = spec => spec && spec.cpu ? spec.cpu.sockets * spec.cpu.cores * spec.cpu.threads : 0;
function tone(status) {
  switch (status) {
    case "Running": case "Ready": return "ok";
    case "NotReady": return "bad";
    case "Provisioning": case "Starting": case "Stopping": case "Terminating": case "Paused": return "info";
    case "CrashLoopBackOff": case "ErrorUnschedulable": case "Unknown": return "bad";
    default: return "";
  }
}
function statusPill(status) { return el("span", { class: "pill", text: status, dataset: { tone: tone(status) } }); }
const keyOf = vm => vm.namespace + "/" + vm.name;

// ---- overview ----------------------------------------------------------------------------------
function renderNodes() {
  const box = document.getElementById("nodes");
  if (state.nodes.length === 0) {
    box.replaceChildren(el("div", { class: "empty", text: "No node has registered yet. Start a node agent (orvirt-agent) to run VMs." }));
    return;
  }
  const rows = state.nodes.map(n => el("tr", { dataset: { node: n.name } },
    td(n.name),
    el("td", { dataset: { field: "ready" } }, statusPill(n.ready ? "Ready" : "NotReady")),
    td(n.reason, { class: "muted" }),
    td(`${n.allocated.vcpus} / ${n.allocatable.vcpus}`, { class: "num" }),
    td(`${bytes(n.allocated.memoryBytes)} / ${bytes(n.allocatable.memoryBytes)}`, { class: "num" }),
    td(n.vmCount, { class: "num" }),
    td(n.hypervisor + " · " + n.podRuntime),
    td(n.lastHeartbeat ? age(n.lastHeartbeat) + " ago" : "never")));
  box.replaceChildren(table(["Node", "Ready", "Reason", "CPU allocated / allocatable", "Memory allocated / allocatable", "VMs", "Hypervisor · pods", "Last heartbeat"], rows));
}

function renderVms() {
  const box = document.getElementById("vms");
  if (state.vms.size === 0) {
    box.replaceChildren(el("div", { class: "empty", text: state.synced ? "No virtual machines yet. Create one with: orvirt vm create NAME" : "Loading…" }));
    return;
  }
  const byNamespace = new Map();
  for (const vm of [...state.vms.values()].sort((a, b) => keyOf(a).localeCompare(keyOf(b)))) {
    if (!byNamespace.has(vm.namespace)) byNamespace.set(vm.namespace, []);
    byNamespace.get(vm.namespace).push(vm);
  }
  const parts = [];
  for (const [ns, vms] of byNamespace) {
    parts.push(el("h3", { text: "namespace " + ns, dataset: { namespace: ns } }));
    parts.push(table(["Name", "Status", "Phase", "Node", "CPU", "Memory", "Age", "Ready"], vms.map(vm => {
      const ready = (vm.status.conditions || []).find(c => c.type === "Ready");
      return el("tr", { class: "vm", dataset: { vm: keyOf(vm) }, onclick: () => { location.hash = "#/vm/" + encodeURIComponent(vm.namespace) + "/" + encodeURIComponent(vm.name); } },
        el("td", {}, el("a", { href: "#/vm/" + encodeURIComponent(vm.namespace) + "/" + encodeURIComponent(vm.name), text: vm.name })),
        el("td", { dataset: { field: "status" } }, statusPill(vm.deletionRequestedAt ? "Terminating" : vm.status.printableStatus)),
        td(vm.status.phase),
        td(vm.status.node || "—", { dataset: { field: "node" } }),
        td(vcpus(vm.spec), { class: "num" }),
        td(bytes(vm.spec.memoryBytes), { class: "num" }),
        td(age(vm.createdAt), { class: "num" }),
        td(ready ? ready.status : "—"));
    })));
  }
  box.replaceChildren(...parts);
}

// ---- detail ------------------------------------------------------------------------------------
function renderDetail() {
  const box = document.getElementById("detail");
  const key = state.detailKey;
  const view = state.detailView;
  const vm = state.vms.get(key) || (view && view.vm);
  const back = el("p", {}, el("a", { href: "#/", text: "← all virtual machines" }));
  if (!vm) {
    box.replaceChildren(back, el("p", { class: "empty", text: `Virtual machine ${key} was not found (it may have been deleted).` }));
    return;
  }
  const desired = (view && view.desired) || null;
  const observed = (view && view.lastObserved) || null;
  const s = vm.status;
  const d = desired || {};
  // Field, desired, actual, and whether a difference between the two is worth pointing out.
  const rows = [
    ["Power / domain", d.power || "—", s.domainState, !!desired],
    ["Run strategy / status", vm.spec.runStrategy, statusPill(s.printableStatus), false, "detail-status"],
    ["Phase", "", s.phase, false, "detail-phase"],
    ["Node", d.node || "—", s.node || "—", !!desired],
    ["Generation", vm.generation, s.observedGeneration, true],
    ["Instance", d.instanceId || "—", s.instanceId || "—", !!desired],
    ["CPU (vCPUs)", vcpus(vm.spec), s.phase === "Running" ? vcpus(vm.spec) : "—", false],
    ["Memory", bytes(vm.spec.memoryBytes), s.phase === "Running" ? bytes(vm.spec.memoryBytes) : "—", false],
    ["Restarts", "", s.restartCount, false],
  ];
  const cell = (v, props) => v instanceof Node ? el("td", props || {}, v) : td(v, props);
  const diff = table(["", "Desired", "Actual"], rows.map(([label, want, have, compare, field]) => {
    const differs = compare && !(have instanceof Node) && String(want) !== String(have);
    return el("tr", {}, td(label, { class: "muted" }), cell(want), cell(have, { class: differs ? "changed" : undefined, dataset: field ? { field } : undefined }));
  }));
  diff.classList.add("diff");
  diff.dataset.section = "desired-actual";
  const conditions = (s.conditions || []).length === 0
    ? el("div", { class: "empty", text: "No conditions." })
    : table(["Type", "Status", "Reason", "Message", "Last transition"], s.conditions.map(c =>
        el("tr", {}, td(c.type), td(c.status), td(c.reason), td(c.message), td(time(c.lastTransitionTime)))));
  const transitions = (s.phaseTransitions || []).length === 0
    ? el("div", { class: "empty", text: "No phase transitions yet." })
    : table(["Phase", "At"], [...s.phaseTransitions].reverse().map(t => el("tr", {}, td(t.phase), td(new Date(t.at).toLocaleString()))));
  const events = state.events.get(key) || [];
  const recent = events.length === 0
    ? el("div", { class: "empty", text: "No changes seen since this page opened." })
    : table(["Seen at", "Event", "Status", "Phase", "Node"], events.map(e => el("tr", {}, td(e.at.toLocaleTimeString()), td(e.type), td(e.status), td(e.phase), td(e.node || "—"))));
  const lastReport = observed
    ? el("p", { class: "muted", text: `Last report from ${observed.node || "?"} at ${new Date(observed.observedAt).toLocaleString()}: domain ${observed.state}${observed.reason ? " (" + observed.reason + ")" : ""}${observed.message ? ": " + observed.message : ""}` })
    : el("p", { class: "muted", text: "No report from a node agent yet." });
  const labels = Object.entries(vm.spec.labels || {}).map(([k, v]) => k + "=" + v).join(", ");
  box.replaceChildren(back,
    el("h2", { text: `${vm.namespace}/${vm.name}`, dataset: { field: "detail-title" } }),
    el("p", { class: "muted", text: `uid ${vm.uid} · created ${new Date(vm.createdAt).toLocaleString()} (${age(vm.createdAt)} ago)` + (labels ? ` · labels ${labels}` : "") }),
    el("h3", { text: "Desired vs actual" }), diff, lastReport,
    el("div", { class: "side" },
      el("div", {}, el("h3", { text: "Conditions" }), conditions),
      el("div", {}, el("h3", { text: "Phase transitions" }), transitions)),
    el("h3", { text: "Recent events" }), recent);
}

async function loadDetail() {
  const key = state.detailKey;
  if (!key) return;
  const [ns, name] = key.split("/");
  try {
    const r = await fetch(`/api/vms/${encodeURIComponent(ns)}/${encodeURIComponent(name)}`, { credentials: "same-origin" });
    if (state.detailKey !== key) return;
    state.detailView = r.ok ? await r.json() : null;
  } catch (e) {
    state.detailView = null;
  }
  renderDetail();
}

// ---- routing -----------------------------------------------------------------------------------
function route() {
  const m = /^#\/vm\/([^/]+)\/([^/]+)$/.exec(location.hash);
  const overview = document.getElementById("overview");
  const detail = document.getElementById("detail");
  if (m) {
    state.detailKey = decodeURIComponent(m[1]) + "/" + decodeURIComponent(m[2]);
    state.detailView = null;
    overview.hidden = true;
    detail.hidden = false;
    renderDetail();
    loadDetail();
  } else {
    state.detailKey = null;
    overview.hidden = false;
    detail.hidden = true;
    renderAll();
  }
}

function renderAll() {
  if (state.detailKey) renderDetail(); else { renderNodes(); renderVms(); }
}

// ---- live updates ------------------------------------------------------------------------------
let detailTimer = null;
function connect() {
  const pill = document.getElementById("connection");
  const source = new EventSource("/api/events");
  source.addEventListener("reset", () => { state.vms.clear(); state.synced = false; });
  source.addEventListener("vm", ev => {
    const e = JSON.parse(ev.data);
    const key = keyOf(e.vm);
    if (e.type === "DELETED") {
      state.vms.delete(key);
      if (key === state.detailKey) state.detailView = null;
    } else {
      state.vms.set(key, e.vm);
    }
    if (state.synced) {
      const list = state.events.get(key) || [];
      list.unshift({ at: new Date(), type: e.type, status: e.vm.status.printableStatus, phase: e.vm.status.phase, node: e.vm.status.node });
      state.events.set(key, list.slice(0, MAX_EVENTS));
      if (key === state.detailKey) { clearTimeout(detailTimer); detailTimer = setTimeout(loadDetail, 150); }
      renderAll();
    }
  });
  source.addEventListener("nodes", ev => { state.nodes = JSON.parse(ev.data); if (state.synced) renderAll(); });
  source.addEventListener("synced", () => {
    state.synced = true;
    pill.dataset.state = "live";
    pill.textContent = "live";
    renderAll();
  });
  source.onerror = () => { pill.dataset.state = "lost"; pill.textContent = "reconnecting…"; };
}

window.addEventListener("hashchange", route);
window.addEventListener("DOMContentLoaded", () => {
  route();
  connect();
  // Ages and heartbeats move with the clock.
  setInterval(renderAll, 5000);
});
