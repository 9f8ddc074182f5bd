// kubelab dashboard: live page parts, actions without reloads, and log streams.
// Every URL here is relative to the page, so the dashboard works under any path prefix.
"use strict";

(function () {
  const body = document.body;
  const csrf = body.dataset.csrf || "";

  // The namespace selector shows the chosen namespace at once.
  const ns = document.getElementById("ns");
  if (ns && ns.tagName === "SELECT") {
    ns.addEventListener("change", () => ns.form.submit());
  }

  // ---- Live parts: sections marked data-live are fetched again when the API server
  // reports a change of the kinds the page shows (body data-watch).
  let refreshing = false, again = false;

  // busy: the user is in the middle of something in this part; leave it for now.
  function busy(el) {
    return el.contains(document.activeElement) && document.activeElement !== document.body ||
      el.querySelector("details[open]") !== null;
  }

  async function refresh() {
    if (refreshing) { again = true; return; }
    refreshing = true;
    try {
      const res = await fetch(location.href, { credentials: "same-origin" });
      if (res.redirected && new URL(res.url).pathname.endsWith("/login")) {
        location.href = "login?expired=1";
        return;
      }
      if (!res.ok && res.status !== 403 && res.status !== 404) return;
      const doc = new DOMParser().parseFromString(await res.text(), "text/html");
      document.querySelectorAll("[data-live][id]").forEach((old) => {
        const fresh = doc.getElementById(old.id);
        if (fresh && !busy(old)) old.replaceWith(document.adoptNode(fresh));
      });
    } catch (e) {
      // The next change tries again.
    } finally {
      refreshing = false;
      if (again) { again = false; refresh(); }
    }
  }

  const kinds = body.dataset.watch;
  if (kinds && document.querySelector("[data-live]")) {
    const q = new URLSearchParams({ ns: body.dataset.ns || "", kinds: kinds });
    const es = new EventSource("api/watch?" + q.toString());
    es.addEventListener("change", refresh);
    // After a reconnect (the dashboard restarted, say), changes in between were missed.
    let readies = 0;
    es.addEventListener("ready", () => { if (readies++ > 0) refresh(); });
    es.addEventListener("problem", (e) => console.warn("live updates:", e.data));
  }

  // ---- Actions: forms marked data-action are sent with fetch; the answer shows in the
  // form's <output>. Without JavaScript they still work as plain forms.
  function show(out, ok, message) {
    if (!out) return;
    out.textContent = "";
    const span = document.createElement("span");
    span.textContent = message;
    span.className = ok ? "ok" : "error";
    if (!ok && message.startsWith("forbidden: ")) span.dataset.test = "forbidden";
    out.appendChild(span);
  }

  document.addEventListener("submit", async (ev) => {
    const form = ev.target;
    if (!form.matches("form[data-action]")) return;
    ev.preventDefault();
    const out = form.querySelector("output");
    const button = ev.submitter || form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    try {
      const res = await fetch(form.getAttribute("action"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRF-Token": csrf },
        body: new URLSearchParams(new FormData(form)),
      });
      if (res.status === 401) { location.href = "login?expired=1"; return; }
      let answer;
      try { answer = await res.json(); } catch (e) { answer = { ok: false, message: "HTTP " + res.status }; }
      show(out, answer.ok, answer.message);
      if (answer.ok) {
        form.closest("details")?.removeAttribute("open");
        if (answer.then) { location.href = answer.then; return; }
        refresh();
      }
    } catch (e) {
      show(out, false, "The dashboard did not answer: " + e.message);
    } finally {
      if (button) button.disabled = false;
    }
  });

  // ---- Logs: a pod page streams the chosen container's log.
  const view = document.getElementById("logs-view");
  if (view) logs(view);

  function logs(view) {
    const pre = document.getElementById("logs");
    const select = document.getElementById("logs-container");
    const toggle = document.getElementById("logs-follow");
    const state = document.getElementById("logs-state");
    const problem = document.getElementById("logs-problem");
    const maxLines = 5000;
    let es = null;

    const stop = (why) => {
      if (es) { es.close(); es = null; }
      toggle.textContent = "Follow";
      state.textContent = why;
    };
    const start = () => {
      stop("");
      pre.textContent = "";
      problem.textContent = "";
      const url = view.dataset.stream + "&container=" + encodeURIComponent(select.value);
      es = new EventSource(url);
      toggle.textContent = "Pause";
      state.textContent = "following";
      es.addEventListener("log", (e) => {
        const atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
        pre.append(e.data + "\n");
        if (pre.childNodes.length > maxLines) {
          while (pre.childNodes.length > maxLines) pre.removeChild(pre.firstChild);
        }
        if (atEnd) pre.scrollTop = pre.scrollHeight;
      });
      es.addEventListener("end", () => stop("the log ended (the container stopped)"));
      es.addEventListener("problem", (e) => {
        const p = document.createElement("p");
        p.className = "error";
        p.textContent = e.data;
        p.dataset.test = e.data.startsWith("forbidden: ") ? "forbidden" : "error";
        problem.appendChild(p);
        stop("no log");
      });
      es.onerror = () => { if (es) stop("disconnected: press Follow to start again"); };
    };
    toggle.addEventListener("click", () => (es ? stop("paused") : start()));
    document.getElementById("logs-clear").addEventListener("click", () => { pre.textContent = ""; });
    select.addEventListener("change", start);
    start();
  }
})();
