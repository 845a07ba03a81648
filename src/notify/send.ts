/** One attempt to hand a group's message to its destination, whatever the destination is. */
import { type Attempt, postOnce } from "./deliver";
import { messageBody } from "./format";
import { mailOnce } from "./mail";
import type { AlertGroup, Destination, MessageContext } from "./types";

export function attemptFor(d: Destination, g: AlertGroup, ctx: MessageContext): (signal?: AbortSignal) => Promise<Attempt> {
  if (d.kind === "email") return () => mailOnce(d, g, ctx);
  const body = JSON.stringify(messageBody(d.kind, g, ctx));
  return (signal) => postOnce(d, body, g.key, signal);
}
