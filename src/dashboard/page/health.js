// The health panel: the topic's rates, the live feeds producing to it and their gaps, the consumer groups on it,
// the services, notify's destinations, and the page's own inputs.
import { hms, num } from "./format.js";
import { $ } from "./state.js";

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

/** A table; the columns in `wrap` (endpoints, answers) may break anywhere, the others only between words. */
function table(head, rows, wrap = []) {
  const t = el("table");
  const tr = el("tr");
  for (const h of head) tr.append(el("th", h));
  t.append(tr);
  for (const r of rows) {
    const row = el("tr");
    r.forEach((c, i) => {
      const cls = wrap.includes(i) ? "wrap" : undefined;
      row.append(c instanceof Node ? el("td", undefined, cls).appendChild(c).parentNode : el("td", c, cls));
    });
    t.append(row);
  }
  return t;
}

/** Draws the pipeline's health and the page's inputs. */
export function renderHealth(health, feeds) {
  const box = $("health");
  box.replaceChildren();
  if (health) {
    $("health-at").textContent = `at ${hms(Date.parse(health.at))}`;
    const line = el("p");
    line.id = "rates";
    line.textContent = `into ${health.topic}: ${num.format(Math.round(health.produceRate))} ticks/s · ${num.format(health.messages)} messages · DLQ ${
      health.dlq === null ? "–" : num.format(health.dlq)
    } · late ${health.late === null ? "–" : num.format(health.late)}`;
    box.append(line);
    if (health.error) box.append(el("p", health.error, "bad"));
    if (health.sources?.length) {
      box.append(el("h3", "Live feeds (produce)"));
      const s = table(
        ["feed", "endpoint", "state", "sent", "reconnects", "gaps", "repaired", "REST calls", "missing", "last gap"],
        health.sources.map((x) => [
          x.source === x.feed ? x.feed : `${x.source} (${x.feed})`,
          x.endpoint,
          el("span", x.state, x.state === "streaming" ? "ok" : x.state === "stopped" ? "" : "bad"),
          num.format(x.sent),
          num.format(x.reconnects),
          el(
            "span",
            x.gapsLeft ? `${num.format(x.gaps)}, ${num.format(x.gapsLeft)} not whole` : num.format(x.gaps),
            x.gapsLeft ? "bad" : "ok",
          ),
          num.format(x.repaired),
          num.format(x.restCalls),
          el("span", num.format(x.missed), x.missed ? "bad" : "ok"),
          x.lastGap ? `${hms(Date.parse(x.lastGap.at))} ${x.lastGap.detail}` : "–",
        ]),
        [1, 9],
      );
      s.id = "sources";
      box.append(s);
    }
    box.append(el("h3", "Consumer groups on the topic"));
    box.append(
      table(
        ["group", "members", "lag", "commits/s"],
        health.groups.map((g) => [g.group, String(g.members), num.format(g.lag), num.format(Math.round(g.rate))]),
      ),
    );
    box.append(el("h3", "Services"));
    const services = table(
      ["service", "endpoint", "answers"],
      health.services.map((s) => [s.name, s.endpoint, el("span", s.ok ? `✓ ${s.detail}` : `✗ ${s.detail}`, s.ok ? "ok" : "bad")]),
      [1, 2],
    );
    services.id = "services";
    box.append(services);
    if (health.destinations?.length) {
      box.append(el("h3", "Alert destinations (notify)"));
      const d = table(
        ["destination", "endpoint", "delivered", "left out", "failed", "last delivery", "last problem"],
        health.destinations.map((x) => [
          `${x.destination} (${x.kind})`,
          x.endpoint,
          `${num.format(x.alerts)} in ${num.format(x.messages)}`,
          num.format(x.suppressed),
          el("span", num.format(x.failed), x.failed ? "bad" : "ok"),
          x.lastDelivery ? hms(Date.parse(x.lastDelivery)) : "–",
          x.lastError ? el("span", `${hms(Date.parse(x.lastError.at))} ${x.lastError.reason}`, "bad") : "–",
        ]),
        [1, 6],
      );
      d.id = "destinations";
      box.append(d);
    }
  }
  box.append(el("h3", "This page's inputs"));
  const f = table(
    ["feed", "topic", "state"],
    feeds.map((x) => [x.name, x.topic, el("span", x.message ?? x.state, x.state === "live" ? "ok" : "bad")]),
    [1, 2],
  );
  f.id = "feeds";
  box.append(f);
}
