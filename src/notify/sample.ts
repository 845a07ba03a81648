/** The alert `notify test` sends: plainly a test, shaped like a real one. */
import { type Alert, alertId } from "../model/alert";

export function sampleAlert(now: Date): Alert {
  const ts = new Date(Math.floor(now.getTime() / 1000) * 1000).toISOString();
  return {
    symbol: "TEST",
    ts,
    rule: "priceMove",
    severity: "info",
    value: 3.14,
    threshold: 3,
    message: "TEST moved +3.14% in 1m — a test message from stockpipe notify test",
    id: alertId("priceMove", "TEST", `notify-test|${ts}`),
  };
}
