// The alerts feed: newest first by event time, at most 200, each linking to its symbol's chart.
import { num, stamp } from "./format.js";
import { $, page } from "./state.js";

function alertItem(a) {
  const li = document.createElement("li");
  li.className = a.severity;
  li.dataset.id = a.id;
  const time = document.createElement("span");
  time.className = "dim";
  time.textContent = `${stamp(Date.parse(a.ts))} `;
  const sev = document.createElement("span");
  sev.className = "sev";
  sev.textContent = a.severity;
  const link = document.createElement("a");
  link.href = `#symbol=${encodeURIComponent(a.symbol)}`;
  link.textContent = a.symbol;
  const text = document.createElement("span");
  text.textContent = ` ${a.rule}: ${a.message}`;
  li.append(time, sev, link, text);
  return li;
}

export function addAlert(a, fresh) {
  const list = $("alerts");
  if (list.querySelector(`li[data-id="${CSS.escape(a.id)}"]`)) return;
  const li = alertItem(a);
  // Newest first by event time.
  let before = list.firstChild;
  while (before && before.dataset.ts > a.ts) before = before.nextSibling;
  li.dataset.ts = a.ts;
  list.insertBefore(li, before);
  while (list.children.length > 200) list.lastChild.remove();
  page.alerts++;
  $("alert-count").textContent = `${num.format(list.children.length)} shown`;
  if (fresh) li.animate([{ backgroundColor: "rgba(240,180,41,.4)" }, { backgroundColor: "transparent" }], { duration: 1500 });
}
