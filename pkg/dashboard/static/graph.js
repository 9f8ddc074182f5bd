// kubelab dashboard: draws the live graph of a namespace that api/graph streams.
// The server lays the boxes out; this keeps one SVG element per box, moves it when the
// picture changes (so scaling shows pods arriving, not a redrawn page), and draws arrows.
"use strict";

(function () {
  const svg = document.getElementById("graph");
  if (!svg) return;
  const NS = "http://www.w3.org/2000/svg";
  const status = document.getElementById("graph-status");
  const notes = document.getElementById("graph-notes");

  const el = (name, attrs, parent) => {
    const e = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (parent) parent.appendChild(e);
    return e;
  };

  // Arrow heads, then layers: titles, arrows under boxes.
  const defs = el("defs", {}, svg);
  const marker = el("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse" }, defs);
  el("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "arrowhead" }, marker);
  const titles = el("g", { class: "titles" }, svg);
  const edges = el("g", { class: "edges" }, svg);
  const boxes = el("g", { class: "boxes" }, svg);
  const drawn = new Map(); // box id → <g>
  let last = null;

  const short = (s, n) => (s.length > n ? s.slice(0, n - 1) + "…" : s);

  function box(n) {
    let g = drawn.get(n.id);
    if (!g) {
      g = el("g", { "data-id": n.id, "data-test": "graph-node" }, boxes);
      const a = el("a", {}, g);
      el("rect", { rx: "6", ry: "6", class: "frame" }, a);
      el("text", { class: "name", x: "10", y: "17" }, a);
      el("text", { class: "label", x: "10", y: "32" }, a);
      el("g", { class: "bar" }, a);
      el("title", {}, a);
      g.addEventListener("mouseenter", () => light(n.id, true));
      g.addEventListener("mouseleave", () => light(n.id, false));
      g.style.transform = `translate(${n.x}px, ${n.y}px)`;
      drawn.set(n.id, g);
    }
    g.setAttribute("class", `box kind-${n.kind} state-${n.state}`);
    g.dataset.kind = n.kind;
    g.dataset.name = n.name;
    g.dataset.state = n.state;
    g.style.transform = `translate(${n.x}px, ${n.y}px)`;
    const a = g.firstChild;
    if (n.href) a.setAttribute("href", n.href); else a.removeAttribute("href");
    const [rect, name, label, bar, title] = a.childNodes;
    rect.setAttribute("width", n.w);
    rect.setAttribute("height", n.h);
    name.textContent = short((n.kind === "PodGroup" ? "▦ " : "") + n.name, 26);
    label.textContent = short(n.label, 30);
    title.textContent = `${n.kind === "PodGroup" ? "Pods of" : n.kind} ${n.name}${n.namespace ? " (" + n.namespace + ")" : ""}: ${n.label}`;
    bar.textContent = "";
    if (n.states) {
      // A group's pods as a bar of their states.
      let x = 0;
      const w = n.w - 2;
      for (const s of ["ok", "warn", "bad", "done", "off"]) {
        const k = n.states[s] || 0;
        if (!k) continue;
        const part = (w * k) / n.count;
        el("rect", { x: 1 + x, y: n.h - 5, width: part, height: 4, class: `seg state-${s}` }, bar);
        x += part;
      }
    }
  }

  // An arrow leaves the side of one box that faces the other (the bottom, toward Nodes).
  function path(a, b) {
    if (b.kind === "Node") {
      const x1 = a.x + a.w / 2, y1 = a.y + a.h, x2 = b.x + b.w / 2, y2 = b.y;
      const dy = (y2 - y1) / 2;
      return `M ${x1} ${y1} C ${x1} ${y1 + dy}, ${x2} ${y2 - dy}, ${x2} ${y2}`;
    }
    const right = a.x < b.x;
    const x1 = right ? a.x + a.w : a.x, y1 = a.y + a.h / 2;
    const x2 = right ? b.x : b.x + b.w, y2 = b.y + b.h / 2;
    const dx = (x2 - x1) / 2;
    return `M ${x1} ${y1} C ${x1 + dx} ${y1}, ${x2 - dx} ${y2}, ${x2} ${y2}`;
  }

  function light(id, on) {
    svg.classList.toggle("lit", on);
    for (const p of edges.childNodes) {
      const hit = p.dataset.from === id || p.dataset.to === id;
      p.classList.toggle("hl", on && hit);
      if (hit) {
        drawn.get(p.dataset.from === id ? p.dataset.to : p.dataset.from)?.classList.toggle("hl", on);
      }
    }
    drawn.get(id)?.classList.toggle("hl", on);
  }

  function render(g) {
    last = g;
    svg.setAttribute("viewBox", `0 0 ${g.width} ${g.height}`);
    svg.setAttribute("width", g.width);
    svg.setAttribute("height", g.height);
    svg.dataset.pods = g.pods;
    titles.textContent = "";
    for (const c of g.columns || []) {
      el("text", { x: c.x, y: c.y + 12, class: "coltitle" }, titles).textContent = c.title;
    }
    const byId = new Map(g.nodes.map((n) => [n.id, n]));
    for (const [id, e] of drawn) {
      if (!byId.has(id)) { e.remove(); drawn.delete(id); }
    }
    g.nodes.forEach(box);
    edges.textContent = "";
    for (const e of g.edges) {
      const a = byId.get(e.from), b = byId.get(e.to);
      if (!a || !b) continue;
      el("path", { d: path(a, b), class: `edge edge-${e.kind}`, "data-from": e.from, "data-to": e.to, "marker-end": "url(#arrow)" }, edges);
    }
    notes.textContent = "";
    for (const n of g.notes || []) {
      const p = document.createElement("p");
      p.className = "note";
      p.textContent = n;
      if (n.includes("forbidden: ")) p.dataset.test = "forbidden";
      notes.appendChild(p);
    }
    const grouped = g.grouped ? " · many pods: those of one owner are drawn as one box" : "";
    status.textContent = `Live · ${g.pods} pod${g.pods === 1 ? "" : "s"} · updated ${new Date().toLocaleTimeString()}${grouped}`;
  }

  const es = new EventSource(svg.dataset.stream);
  es.addEventListener("graph", (e) => render(JSON.parse(e.data)));
  es.addEventListener("problem", (e) => { status.textContent = e.data; });
  es.onerror = () => { status.textContent = last ? "Reconnecting… (the picture may be out of date)" : "Cannot reach the dashboard's event stream."; };
})();
