/**
 * Any HTTP endpoint: `{type: "stockpipe.alerts", key, destination, count, suppressed, alerts: [alert v1 …]}`, signed
 * with the destination's secret when it has one (deliver.ts).
 */
import { httpKit } from "./kit";
import type { AlertGroup } from "./types";

export function webhookMessage(g: AlertGroup): unknown {
  return {
    type: "stockpipe.alerts",
    key: g.key,
    destination: g.destination,
    count: g.alerts.length,
    suppressed: g.suppressed,
    alerts: g.alerts,
  };
}

export const webhook = httpKit({
  kind: "webhook",
  summary: "any HTTP endpoint: the alerts as JSON (alert v1), signed with a shared secret when given",
  body: (g) => webhookMessage(g),
});
